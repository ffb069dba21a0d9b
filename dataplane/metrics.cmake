# The Prometheus endpoint (metrics.h): its sources are in the dataplane
# library; here its unit test and its fuzz target.  Included by
# dataplane/CMakeLists.txt.
if(BUILD_TESTING)
	add_executable(test_metrics ${CMAKE_CURRENT_SOURCE_DIR}/tests/test_metrics.c)
	target_include_directories(test_metrics PRIVATE ${CMAKE_SOURCE_DIR}/tests)
	target_link_libraries(test_metrics PRIVATE dataplane)
	add_test(NAME deploy.metrics_render COMMAND test_metrics)
endif()
mamori_fuzz_target(metrics ${CMAKE_CURRENT_SOURCE_DIR}/tests/fuzz_metrics.c dataplane)
