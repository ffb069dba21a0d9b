# Functions shared by every directory of the tree, so that a plugin, a tool or
# a benchmark registers its own tests and fuzz targets from its own directory.

# Environment every script test runs with: where the build, the sources and
# the shared captures are.
set(MAMORI_TEST_ENV
	"MAMORI_BUILD=${CMAKE_BINARY_DIR}"
	"MAMORI_SRC=${CMAKE_SOURCE_DIR}"
	"MAMORI_TEST_DATA=${MAMORI_TEST_DATA}")

# mamori_script_test(NAME SCRIPT [ARGS...]): a test that starts real processes.
# SCRIPT is relative to the calling directory and run with sh; exit 77 = skip.
function(mamori_script_test name script)
	add_test(NAME ${name} COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/${script} ${ARGN})
	set_tests_properties(${name} PROPERTIES ENVIRONMENT "${MAMORI_TEST_ENV}"
		SKIP_RETURN_CODE 77 TIMEOUT 600)
endfunction()

# mamori_python_test(NAME SCRIPT.py [ARGS...]): a Python integration test,
# run through tests/lib/run_python.sh (skips when python3 is missing).
function(mamori_python_test name script)
	add_test(NAME ${name} COMMAND sh ${CMAKE_SOURCE_DIR}/tests/lib/run_python.sh
		${CMAKE_CURRENT_SOURCE_DIR}/${script} ${ARGN})
	set_tests_properties(${name} PROPERTIES ENVIRONMENT "${MAMORI_TEST_ENV}"
		SKIP_RETURN_CODE 77 TIMEOUT 600)
endfunction()

# mamori_fuzz_target(NAME SOURCE LIBS...): a libFuzzer target fuzz_NAME, built
# only with MAMORI_FUZZ=ON into the build tree's fuzz/ (where 'make fuzz' looks);
# its seed corpus is fuzz/corpus/NAME.
function(mamori_fuzz_target name source)
	if(NOT MAMORI_FUZZ)
		return()
	endif()
	add_executable(fuzz_${name} ${source})
	target_link_libraries(fuzz_${name} PRIVATE ${ARGN})
	target_link_options(fuzz_${name} PRIVATE -fsanitize=fuzzer)
	set_target_properties(fuzz_${name} PROPERTIES
		RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/fuzz)
endfunction()

# mamori_data_files([SUBDIR dir] FILES...): data files a plugin ships (tables,
# signature lists): installed under share/mamori[/dir] and copied to the build
# tree's share/mamori[/dir], where mamorid finds them when it runs from the
# build tree (h_data_file in plugin.h).
function(mamori_data_files)
	cmake_parse_arguments(ARG "" "SUBDIR" "" ${ARGN})
	set(dest mamori)
	if(ARG_SUBDIR)
		set(dest mamori/${ARG_SUBDIR})
	endif()
	foreach(f IN LISTS ARG_UNPARSED_ARGUMENTS)
		get_filename_component(name ${f} NAME)
		configure_file(${f} ${CMAKE_BINARY_DIR}/share/${dest}/${name} COPYONLY)
		install(FILES ${f} DESTINATION ${CMAKE_INSTALL_DATADIR}/${dest})
	endforeach()
endfunction()

# mamori_subdirectories(): add every immediate subdirectory that has a
# CMakeLists.txt, in name order (plugins/ and benchmarks/ grow this way).
function(mamori_subdirectories)
	file(GLOB entries RELATIVE ${CMAKE_CURRENT_SOURCE_DIR}
		CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*/CMakeLists.txt)
	list(SORT entries)
	foreach(entry IN LISTS entries)
		get_filename_component(dir ${entry} DIRECTORY)
		add_subdirectory(${dir})
	endforeach()
endfunction()
