# Remote write bodies against real receivers (Prometheus 2.42 from Debian, Prometheus 3 from the peers cache).
add_test(NAME remote_write.receivers
  COMMAND ${FLOWGATE_PYTHON} -m pytest -p no:cacheprovider -q -rfE ${CMAKE_CURRENT_SOURCE_DIR}/test_receivers.py
  WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
set_tests_properties(remote_write.receivers PROPERTIES
  LABELS e2e TIMEOUT 600 FIXTURES_REQUIRED peer_prometheus
  ENVIRONMENT "PYTHONDONTWRITEBYTECODE=1;FLOWGATE_REMOTE_WRITE_BODY=$<TARGET_FILE:remote_write_body>")

# The sender (HttpSender, send policy, Delivery) against real receivers and a failing capture server.
add_test(NAME remote_write.sender
  COMMAND ${FLOWGATE_PYTHON} -m pytest -p no:cacheprovider -q -rfE ${CMAKE_CURRENT_SOURCE_DIR}/test_sender.py
  WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
set_tests_properties(remote_write.sender PROPERTIES
  LABELS e2e TIMEOUT 900 FIXTURES_REQUIRED "peer_prometheus;peer_victoria-metrics"
  ENVIRONMENT "PYTHONDONTWRITEBYTECODE=1;FLOWGATE_REMOTE_WRITE_SEND=$<TARGET_FILE:remote_write_send>")

# The flowgate binary writing into a real Prometheus 2.42: push times, rounds, staleness, outages, kill -9, reload.
add_test(NAME remote_write.flowgate_binary
  COMMAND ${FLOWGATE_PYTHON} -m pytest -p no:cacheprovider -q -rfE ${CMAKE_CURRENT_SOURCE_DIR}/test_flowgate_remote_write.py
  WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
set_tests_properties(remote_write.flowgate_binary PROPERTIES
  LABELS e2e TIMEOUT 900
  ENVIRONMENT "PYTHONDONTWRITEBYTECODE=1;FLOWGATE_BINARY=$<TARGET_FILE:flowgate>")

# Sidecar into a Thanos Receive hashring (3 receivers, replication factor 2) with one receiver killed mid-load.
add_test(NAME remote_write.thanos_hashring
  COMMAND ${FLOWGATE_PYTHON} -m pytest -p no:cacheprovider -q -rfE -s ${CMAKE_CURRENT_SOURCE_DIR}/test_thanos.py
  WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
set_tests_properties(remote_write.thanos_hashring PROPERTIES
  LABELS e2e TIMEOUT 900 FIXTURES_REQUIRED peer_thanos
  ENVIRONMENT "PYTHONDONTWRITEBYTECODE=1;FLOWGATE_BINARY=$<TARGET_FILE:flowgate>")

# The HA pair (Thanos Query deduplicating two flowgates, one killed) and sharded gateways behind nginx.
add_test(NAME remote_write.topologies
  COMMAND ${FLOWGATE_PYTHON} -m pytest -p no:cacheprovider -q -rfE ${CMAKE_CURRENT_SOURCE_DIR}/test_topologies.py
  WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
set_tests_properties(remote_write.topologies PROPERTIES
  LABELS e2e TIMEOUT 900 FIXTURES_REQUIRED peer_thanos
  ENVIRONMENT "PYTHONDONTWRITEBYTECODE=1;FLOWGATE_BINARY=$<TARGET_FILE:flowgate>")
