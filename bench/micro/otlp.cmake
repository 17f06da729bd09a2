# OTLP decode, translate and ingest into the store (issue 18), 10k points of an SDK-shaped export.
flowgate_benchmark(bench_otlp SOURCES otlp_bench.cpp DEPS flowgate::exposition flowgate::pushgw)
