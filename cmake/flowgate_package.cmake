# The Debian package (cpack -G DEB in a build tree, or the `package` target):
# flowgate_<version>_<arch>.deb with everything cmake/flowgate_install.cmake
# installs, below /usr. Its Depends are the Debian runtime packages of the
# shared libraries the binary links, found by dpkg-shlibdeps (dpkg-dev) as
# Debian's own packages do. deploy/Dockerfile installs this package.
set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "flowgate")
set(CPACK_PACKAGE_VENDOR "flowgate")
set(CPACK_PACKAGE_CONTACT "flowgate maintainers <flowgate@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Pushgateway-compatible metrics cache and exporter for Prefect workflows")
set(CPACK_PACKAGE_DESCRIPTION
  "flowgate takes pushes with the Prometheus Pushgateway's HTTP API (and OTLP),\
 keeps them in a write-ahead log, and serves them on /metrics with host,\
 process and Prefect collectors. The package carries a sandboxed systemd unit\
 (not enabled), Grafana dashboards and Prometheus alerting rules under\
 /usr/share/flowgate, a man page and bash/zsh completion.")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_STRIP_FILES ON)

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION "net")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  ${PROJECT_SOURCE_DIR}/cmake/debian/postinst
  ${PROJECT_SOURCE_DIR}/cmake/debian/prerm
  ${PROJECT_SOURCE_DIR}/cmake/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
