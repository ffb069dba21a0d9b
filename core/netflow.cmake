# The NetFlow v5/v9/IPFIX decoder (netflow.h), its unit tests, and the check
# against real exporters and collectors (softflowd, nfreplay, nfcapd/nfdump).
target_sources(mamori PRIVATE
	src/netflow.c
	src/netflow_field.c
	src/netflow_msg.c
	src/netflow_rec.c
	src/netflow_v5.c
)

if(BUILD_TESTING)
	foreach(t netflow netflow_ipfix netflow_limits)
		add_executable(test_${t} tests/test_${t}.c)
		target_include_directories(test_${t} PRIVATE ${CMAKE_SOURCE_DIR}/tests)
		target_link_libraries(test_${t} PRIVATE mamori)
		add_test(NAME core.${t} COMMAND test_${t})
	endforeach()
	# test_netflow_limits also replays the fuzzing seeds (ASan builds too).
	target_compile_definitions(test_netflow_limits PRIVATE
		MM_NF_CORPUS="${CMAKE_SOURCE_DIR}/fuzz/corpus/netflow")
	# Feeds captured datagrams through the decoder for the peer test.
	add_executable(test_netflow_feed tests/test_netflow_feed.c)
	target_link_libraries(test_netflow_feed PRIVATE mamori)
	find_package(Python3 COMPONENTS Interpreter)
	if(Python3_FOUND)
		add_test(NAME core.netflow_peers
			COMMAND ${Python3_EXECUTABLE}
				${CMAKE_CURRENT_SOURCE_DIR}/tests/test_netflow_peers.py
				--feed $<TARGET_FILE:test_netflow_feed> --data ${MAMORI_TEST_DATA})
		set_tests_properties(core.netflow_peers PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300)
	endif()
endif()
