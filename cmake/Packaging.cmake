# Installation layout for a system (configuration, units, manual pages) and
# the Debian package built from it with CPack.  'make package' configures a
# tree with the Debian layout (docs/operations.md):
#   cmake -DCMAKE_INSTALL_PREFIX=/usr -DCMAKE_INSTALL_SYSCONFDIR=/etc
#         -DCMAKE_INSTALL_LOCALSTATEDIR=/var -DCMAKE_INSTALL_LIBDIR=lib
# and runs 'cpack -G DEB' there.  The package holds whatever the tree
# installs (every plugin's own install rule included), nothing listed here
# by name but the files of this directory.

set(MAMORI_BINDIR "${CMAKE_INSTALL_FULL_BINDIR}")
set(MAMORI_CONFDIR "${CMAKE_INSTALL_FULL_SYSCONFDIR}/mamori")
set(MAMORI_DOCDIR "${CMAKE_INSTALL_FULL_DOCDIR}")
# systemd looks in <prefix>/lib/systemd/system for /usr and /usr/local alike.
set(MAMORI_UNITDIR "${CMAKE_INSTALL_PREFIX}/lib/systemd/system" CACHE PATH
	"Where the systemd units are installed")

# Configuration: commented templates, conffiles in the package.
install(FILES packaging/etc/mamorid.yaml packaging/etc/store.yaml packaging/etc/central.env
	DESTINATION ${MAMORI_CONFDIR})

# systemd units, with this installation's paths.
foreach(unit mamorid mamori-store mamori-central)
	configure_file(packaging/systemd/${unit}.service.in
		${CMAKE_BINARY_DIR}/packaging/${unit}.service @ONLY)
	install(FILES ${CMAKE_BINARY_DIR}/packaging/${unit}.service DESTINATION ${MAMORI_UNITDIR})
endforeach()
install(FILES packaging/tmpfiles.conf DESTINATION ${CMAKE_INSTALL_PREFIX}/lib/tmpfiles.d
	RENAME mamori.conf)
install(FILES packaging/60-mamori-vfio.rules DESTINATION ${CMAKE_INSTALL_PREFIX}/lib/udev/rules.d)
install(PROGRAMS scripts/setup-hugepages DESTINATION ${CMAKE_INSTALL_LIBEXECDIR}/mamori)

# Documentation: the guides beside the manual pages.
file(GLOB MAMORI_DOCS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/docs/*.md)
install(FILES ${MAMORI_DOCS} DESTINATION ${CMAKE_INSTALL_DOCDIR})

# Manual pages, made by help2man from each program's --help and --version
# (the text users already see), plus the sections in packaging/man/NAME.h2m.
# 'cmake --build . --target man'; 'make package' does it.
find_program(MAMORI_HELP2MAN help2man)
# Every executable named mamori* gets one; daemons go to section 8.
set(MAMORI_MAN_NAME_mamorid "Mamori appliance daemon: DPDK fast path, flows, detection plugins")
set(MAMORI_MAN_NAME_mamori-store
	"Mamori event store: exactly-once ingest into SQLite, queries, live view")
set(MAMORI_MAN_NAME_mamorictl "control and check a Mamori appliance from scripts")
set(MAMORI_MAN_NAME_mamori-console "Mamori's operator console (ncurses)")
set(MAMORI_MAN_NAME_mamori-synth "deterministic synthetic captures with ground truth")
set(MAMORI_MAN_NAME_mamori-central "Mamori fleet analysis: cross-site C&C candidates")
set(MAMORI_MAN_SECTION8 mamorid mamori-store mamori-central)

function(mamori_collect_programs dir out)
	get_property(targets DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
	get_property(subdirs DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
	set(found ${${out}})
	foreach(tgt IN LISTS targets)
		get_target_property(type ${tgt} TYPE)
		if(type STREQUAL "EXECUTABLE" AND tgt MATCHES "^mamori")
			list(APPEND found ${tgt})
		endif()
	endforeach()
	foreach(sub IN LISTS subdirs)
		mamori_collect_programs(${sub} found)
	endforeach()
	set(${out} ${found} PARENT_SCOPE)
endfunction()
set(MAMORI_PROGRAMS)
mamori_collect_programs(${CMAKE_SOURCE_DIR} MAMORI_PROGRAMS)
list(SORT MAMORI_PROGRAMS)
set(MAMORI_MAN_PAGES)
foreach(prog IN LISTS MAMORI_PROGRAMS)
	set(sec 1)
	if(prog IN_LIST MAMORI_MAN_SECTION8)
		set(sec 8)
	endif()
	set(what "${MAMORI_MAN_NAME_${prog}}")
	if(NOT what)
		set(what "part of Mamori")
	endif()
	list(APPEND MAMORI_MAN_PAGES "${prog}|${sec}|${what}")
endforeach()
set(man_outputs)
foreach(entry IN LISTS MAMORI_MAN_PAGES)
	string(REPLACE "|" ";" fields "${entry}")
	list(GET fields 0 prog)
	list(GET fields 1 sec)
	list(GET fields 2 what)
	if(NOT TARGET ${prog} OR NOT MAMORI_HELP2MAN)
		continue()
	endif()
	set(page ${CMAKE_BINARY_DIR}/man/${prog}.${sec})
	set(include_args)
	set(include_file ${CMAKE_SOURCE_DIR}/packaging/man/${prog}.h2m)
	if(EXISTS ${include_file})
		set(include_args --include=${include_file})
	else()
		set(include_file)
	endif()
	add_custom_command(OUTPUT ${page}.gz
		COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/man
		COMMAND ${CMAKE_COMMAND} -E env ASAN_OPTIONS=detect_leaks=0
			${MAMORI_HELP2MAN} --no-info --no-discard-stderr --section=${sec}
			--name=${what} --source=Mamori --manual=Mamori ${include_args}
			--output=${page} $<TARGET_FILE:${prog}>
		COMMAND gzip -9 -n -f ${page}
		DEPENDS ${prog} ${include_file}
		COMMENT "Manual page ${prog}(${sec}) from ${prog} --help"
		VERBATIM)
	list(APPEND man_outputs ${page}.gz)
	install(FILES ${page}.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man${sec} OPTIONAL)
endforeach()
if(man_outputs)
	add_custom_target(man DEPENDS ${man_outputs})
endif()

# The Debian package.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME mamori)
set(CPACK_PACKAGE_VENDOR "Mamori")
set(CPACK_PACKAGE_CONTACT "Mamori maintainers <mamori@localhost>")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "cyber-resilience appliance: DPDK flow analysis, plugins, event store")
set(CPACK_PACKAGE_DESCRIPTION
	"Mamori watches a peering link or a router's flow exports: a DPDK fast path and a
NetFlow/IPFIX collector feed flow records and Hyperscan matches to detection
plugins (botnet C&C, infected IoT devices, cryptography inventory, e-seals),
whose events go to an embedded SQLite store.  This package holds the daemon
(mamorid), the store (mamori-store), the console (mamori-console), the
control tool (mamorictl), the plugins and their systemd units.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Library dependencies come from dpkg-shlibdeps over every ELF file shipped;
# the DPDK drivers are loaded at run time, so they are named here.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS
	"adduser, librte-net-pcap23, librte-net-af-packet23, librte-net-null23")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "dpdk, sqlite3")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS
	"librte-net-i40e23, librte-net-ice23, librte-net-ixgbe23, librte-net-mlx5-23, prometheus")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

set(MAMORI_CONFFILES
	"${MAMORI_CONFDIR}/mamorid.yaml\n${MAMORI_CONFDIR}/store.yaml\n${MAMORI_CONFDIR}/central.env\n")
# The demo configuration installed by the top-level CMakeLists.txt, when it lands in /etc.
if(IS_ABSOLUTE "${CMAKE_INSTALL_SYSCONFDIR}")
	string(APPEND MAMORI_CONFFILES "${CMAKE_INSTALL_SYSCONFDIR}/mamori/default.yaml\n")
endif()
file(WRITE ${CMAKE_BINARY_DIR}/packaging/conffiles "${MAMORI_CONFFILES}")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
	${CMAKE_SOURCE_DIR}/packaging/debian/postinst
	${CMAKE_SOURCE_DIR}/packaging/debian/prerm
	${CMAKE_SOURCE_DIR}/packaging/debian/postrm
	${CMAKE_BINARY_DIR}/packaging/conffiles)

include(CPack)
