# The audit trail and the appliance key (libsodium): included by core/CMakeLists.txt.
target_sources(mamori PRIVATE
	${CMAKE_CURRENT_LIST_DIR}/src/audit.c
	${CMAKE_CURRENT_LIST_DIR}/src/audit_format.c
	${CMAKE_CURRENT_LIST_DIR}/src/audit_verify.c
	${CMAKE_CURRENT_LIST_DIR}/src/keys.c
	${CMAKE_CURRENT_LIST_DIR}/src/keys_file.c
)

if(BUILD_TESTING)
	add_executable(test_audit ${CMAKE_CURRENT_LIST_DIR}/tests/test_audit.c)
	target_include_directories(test_audit PRIVATE ${CMAKE_SOURCE_DIR}/tests)
	target_link_libraries(test_audit PRIVATE mamori)
	add_test(NAME core.audit COMMAND test_audit)
endif()
