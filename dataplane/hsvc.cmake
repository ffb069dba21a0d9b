# The Hyperscan pattern service (hsvc.h): compiled into the dataplane library,
# with its unit test.  Included by dataplane/CMakeLists.txt.
target_sources(dataplane PRIVATE
	${CMAKE_CURRENT_SOURCE_DIR}/hsvc.c
	${CMAKE_CURRENT_SOURCE_DIR}/hsvc_cache.c
)
target_link_libraries(dataplane PUBLIC PkgConfig::HS PkgConfig::SODIUM)

if(BUILD_TESTING)
	add_executable(test_hsvc ${CMAKE_CURRENT_SOURCE_DIR}/tests/test_hsvc.c)
	target_include_directories(test_hsvc PRIVATE ${CMAKE_SOURCE_DIR}/tests)
	target_link_libraries(test_hsvc PRIVATE dataplane Threads::Threads)
	add_test(NAME dataplane.hsvc COMMAND test_hsvc)
endif()
