# The group store: push throughput and scrape merge (owned with pushgw/).
flowgate_benchmark(store_bench SOURCES store_bench.cpp DEPS flowgate::pushgw)
