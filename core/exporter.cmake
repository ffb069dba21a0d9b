# The bus codec (bus.h), the spool and the event exporter, with their tests.
target_sources(mamori PRIVATE
	src/bus.c
	src/exporter.c
	src/exporter_batch.c
	src/exporter_link.c
	src/sink_jetstream.c
	src/sink_jetstream_names.c
	src/spool.c
)
target_link_libraries(mamori PUBLIC PkgConfig::NATS)

if(BUILD_TESTING)
	foreach(t bus exporter spool)
		add_executable(test_${t} tests/test_${t}.c)
		target_include_directories(test_${t} PRIVATE ${CMAKE_SOURCE_DIR}/tests)
		target_link_libraries(test_${t} PRIVATE mamori)
		add_test(NAME core.${t} COMMAND test_${t})
	endforeach()
	# test_bus also replays the fuzzing seeds through the decoders (ASan builds too).
	target_compile_definitions(test_bus PRIVATE
		MM_BUS_CORPUS="${CMAKE_SOURCE_DIR}/fuzz/corpus/bus")
	set_tests_properties(core.exporter PROPERTIES TIMEOUT 60)
endif()
