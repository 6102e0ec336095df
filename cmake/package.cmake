# The Debian package: CPack's DEB generator over the install rules (scripts/package.sh runs it).
# Dependencies are computed from the binaries (dpkg-shlibdeps), never written by hand.
# SPDX-License-Identifier: Apache-2.0 (LICENSE; packaging/debian/copyright says it to dpkg,
# pointing at Debian's /usr/share/common-licenses/Apache-2.0 rather than a copy of the text).
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME cnipp)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "cnipp developers <cnipp-dev@lists.cnipp.dev>")
set(CPACK_RESOURCE_FILE_LICENSE ${CMAKE_SOURCE_DIR}/LICENSE)
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "CNI plugins in C++ for Apache Mesos and every CNI runtime")
# The extended description, without the synopsis (CPack puts the summary first and indents).
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "Drop-in replacements for the reference Container Network Interface
plugins (bridge, ipvlan, macvlan, ptp, host-device, vlan, dummy, tap,
loopback, host-local, static, portmap, tuning, bandwidth, firewall, sbr,
vrf) and for Mesos's mesos-cni-port-mapper; cnipp-chain, which runs a
plugin list from one Mesos network config; a multi-host VXLAN overlay with
subnets leased from ZooKeeper (cnipp-overlay, cnipp-overlayd,
cnipp-overlayctl); and cnitool.

The plugins are installed in /usr/lib/cnipp, beside (not over)
containernetworking-plugins: point Mesos's --network_cni_plugins_dir or a
runtime's CNI_PATH there.")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "nftables")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "iptables, zookeeper")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${CMAKE_SOURCE_DIR}/packaging/debian/postinst
    ${CMAKE_SOURCE_DIR}/packaging/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGE_DIRECTORY ${CMAKE_SOURCE_DIR}/dist)
# Only the runtime: the tests, the bench drivers and libraries are not installed anyway.
set(CPACK_DEB_COMPONENT_INSTALL OFF)

# Debian's own docs: the copyright file, and the changelog gzipped reproducibly.
set(CNIPP_CHANGELOG_GZ ${CMAKE_BINARY_DIR}/packaging/changelog.gz)
add_custom_command(OUTPUT ${CNIPP_CHANGELOG_GZ}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/packaging
  COMMAND sh -c "gzip -9nc '${CMAKE_SOURCE_DIR}/packaging/debian/changelog' > '${CNIPP_CHANGELOG_GZ}'"
  DEPENDS ${CMAKE_SOURCE_DIR}/packaging/debian/changelog VERBATIM)
add_custom_target(debian_changelog ALL DEPENDS ${CNIPP_CHANGELOG_GZ})
install(FILES ${CMAKE_SOURCE_DIR}/packaging/debian/copyright ${CNIPP_CHANGELOG_GZ} DESTINATION share/doc/cnipp)
# host-local, static, cnitool and cnipp-chain are linked fully static on purpose (start-up cost, see
# docs/benchmarks.md); the override says so to lintian.
install(FILES ${CMAKE_SOURCE_DIR}/packaging/debian/lintian-overrides DESTINATION share/lintian/overrides
        RENAME cnipp)

include(CPack)
