# What `cmake --install` puts where (GNU layout below CMAKE_INSTALL_PREFIX),
# and the Debian package CPack builds from the same rules:
#
#   bin/flowgate
#   share/man/man1/flowgate.1.gz                       from `flowgate --help`
#   share/bash-completion/completions/flowgate         from `flowgate --help`
#   share/zsh/vendor-completions/_flowgate             from `flowgate --help`
#   lib/systemd/system/flowgate.service                deploy/systemd, ExecStart at bin/flowgate
#   share/doc/flowgate/                                README.md, docs/*.md, docs/runbooks, docs/images
#   share/flowgate/grafana/{dashboards,provisioning}/
#   share/flowgate/alerting-rules/{rules,alertmanager}/
#   share/flowgate/deploy/prometheus/prometheus.yml    (its ../../alerting-rules paths hold there too)
include(GNUInstallDirs)

set(FLOWGATE_SYSTEMD_UNIT_DIR "lib/systemd/system" CACHE STRING
  "Where the systemd unit goes, relative to the install prefix")

# Man page and completions: generated from the built binary's --help, so they
# list exactly the flags it takes.
set(flowgate_cli_dir ${CMAKE_CURRENT_BINARY_DIR}/cli)
set(flowgate_cli_files ${flowgate_cli_dir}/flowgate.1.gz ${flowgate_cli_dir}/flowgate.bash ${flowgate_cli_dir}/_flowgate)
find_package(Python3 REQUIRED COMPONENTS Interpreter)
add_custom_command(
  OUTPUT ${flowgate_cli_files} ${flowgate_cli_dir}/flowgate.1
  # A sanitizer build's leak report at exit would fail the build, not a test.
  COMMAND ${CMAKE_COMMAND} -E env ASAN_OPTIONS=detect_leaks=0
          $<TARGET_FILE:Python3::Interpreter> ${PROJECT_SOURCE_DIR}/cmake/generate_cli_files.py
          $<TARGET_FILE:flowgate> ${flowgate_cli_dir}
  DEPENDS flowgate ${PROJECT_SOURCE_DIR}/cmake/generate_cli_files.py
  COMMENT "Generating the flowgate man page and shell completions from flowgate --help"
  VERBATIM)
add_custom_target(flowgate_cli_files ALL DEPENDS ${flowgate_cli_files})

install(TARGETS flowgate RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${flowgate_cli_dir}/flowgate.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${flowgate_cli_dir}/flowgate.bash DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
  RENAME flowgate)
install(FILES ${flowgate_cli_dir}/_flowgate DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions)

# The unit names the binary and the docs by absolute path: write them for the
# prefix of this install (CPack installs with its own prefix, /usr), not the
# one configured.
install(CODE "
  file(READ \"${PROJECT_SOURCE_DIR}/deploy/systemd/flowgate.service\" unit)
  string(REPLACE \"/usr/local/bin/flowgate\" \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}/flowgate\" unit \"\${unit}\")
  string(REPLACE \"/usr/share/doc/flowgate/\" \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_DOCDIR}/\" unit \"\${unit}\")
  file(WRITE \"${CMAKE_CURRENT_BINARY_DIR}/systemd/flowgate.service\" \"\${unit}\")
  file(INSTALL DESTINATION \"\${CMAKE_INSTALL_PREFIX}/${FLOWGATE_SYSTEMD_UNIT_DIR}\" TYPE FILE
       FILES \"${CMAKE_CURRENT_BINARY_DIR}/systemd/flowgate.service\")
")

install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}
  FILES_MATCHING PATTERN "*.md" PATTERN "*.png" PATTERN "*.svg"
  PATTERN "design-notes" EXCLUDE)

set(flowgate_share ${CMAKE_INSTALL_DATADIR}/flowgate)
install(DIRECTORY grafana/dashboards grafana/provisioning DESTINATION ${flowgate_share}/grafana
  PATTERN ".*" EXCLUDE)
install(DIRECTORY alerting-rules/rules alerting-rules/alertmanager DESTINATION ${flowgate_share}/alerting-rules)
install(FILES deploy/prometheus/prometheus.yml DESTINATION ${flowgate_share}/deploy/prometheus)
