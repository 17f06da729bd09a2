# Cost of one refresh of the host and process collectors on this machine,
# and of the copy a scrape takes from a published refresh.
flowgate_benchmark(collectors_bench
  SOURCES collectors_bench.cpp
  DEPS flowgate::collectors)
