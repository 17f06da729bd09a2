# Text parser and text/OpenMetrics writers on a realistic 100k-series scrape
# from the seeded generator in tests/support (built with the tests).
if(TARGET flowgate::test_support)
  flowgate_benchmark(bench_exposition_text
    SOURCES exposition_text_bench.cpp
    DEPS flowgate::exposition flowgate::test_support)
endif()
