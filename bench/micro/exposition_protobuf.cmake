# Protobuf-delimited parser and writer on the realistic 100k-series scrape
# from the seeded generator in tests/support (built with the tests).
if(TARGET flowgate::test_support)
  flowgate_benchmark(bench_exposition_protobuf
    SOURCES exposition_protobuf_bench.cpp
    DEPS flowgate::exposition flowgate::test_support)
endif()
