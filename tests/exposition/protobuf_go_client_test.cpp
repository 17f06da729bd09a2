// What client_golang (tests/clients/go_push, pinned in its go.mod) writes as
// protobuf-delimited, our parser reads with every value the Go program
// declares. The expected values mirror registry() in main.go.

#include <cmath>
#include <fstream>
#include <iterator>
#include <string>

#include <gtest/gtest.h>

#include "exposition/protobuf_parser.hpp"
#include "exposition/protobuf_writer.hpp"
#include "exposition/writer.hpp"

#ifndef FLOWGATE_GO_PUSH_DIR
#error "FLOWGATE_GO_PUSH_DIR must name the folder the go_push.dump fixture writes"
#endif

namespace flowgate::exposition {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class GoClientDump : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    body_ = new std::string(read_file(std::string(FLOWGATE_GO_PUSH_DIR) + "/dump.pb"));
    auto parsed = parse_protobuf(*body_);
    ASSERT_TRUE(parsed.has_value()) << parsed.error().describe();
    families_ = new Families(std::move(*parsed));
  }
  static void TearDownTestSuite() {
    delete families_;
    delete body_;
  }

  static const Family& family(std::string_view name) {
    for (const auto& f : *families_) {
      if (f.name == name) return f;
    }
    ADD_FAILURE() << "client_golang did not write " << name;
    static const Family none;
    return none;
  }

  static std::string* body_;
  static Families* families_;
};

std::string* GoClientDump::body_ = nullptr;
Families* GoClientDump::families_ = nullptr;

TEST_F(GoClientDump, HasTheFiveFamiliesSortedByName) {
  std::vector<std::string> names;
  for (const auto& f : *families_) names.push_back(f.name);
  EXPECT_EQ(names, (std::vector<std::string>{"flowgate_go_duration_seconds", "flowgate_go_latency_seconds",
                                             "flowgate_go_payload_bytes", "flowgate_go_queue_depth",
                                             "flowgate_go_tasks_total"}));
}

TEST_F(GoClientDump, CounterKeepsUtf8AndEscapedLabelsExemplarAndCreated) {
  const auto& f = family("flowgate_go_tasks_total");
  EXPECT_EQ(f.type, MetricType::counter);
  EXPECT_EQ(f.help, "Tasks run, with a \\ backslash and\na newline in HELP.");
  ASSERT_EQ(f.metrics.size(), 3U);
  EXPECT_EQ(f.metrics[0].labels, (Labels{{"flow", "exemplar"}, {"state", "ok"}}));
  EXPECT_EQ(f.metrics[0].value, 1.5);
  ASSERT_EQ(f.metrics[0].exemplars.size(), 1U);
  EXPECT_EQ(f.metrics[0].exemplars[0].labels, (Labels{{"trace_id", "abc123"}}));
  EXPECT_EQ(f.metrics[0].exemplars[0].value, 1.5);
  EXPECT_TRUE(f.metrics[0].exemplars[0].timestamp);
  EXPECT_EQ(f.metrics[1].labels, (Labels{{"flow", "quote\"back\\slash\nnewline"}, {"state", "failed"}}));
  EXPECT_EQ(f.metrics[1].value, 3);
  EXPECT_EQ(f.metrics[2].labels, (Labels{{"flow", "étl-日本"}, {"state", "ok"}}));
  EXPECT_EQ(f.metrics[2].value, 42);
  for (const auto& m : f.metrics) {
    EXPECT_TRUE(m.created);
    EXPECT_FALSE(m.timestamp_ms);
  }
}

TEST_F(GoClientDump, GaugeKeepsConstLabelAndNegativeValue) {
  const auto& f = family("flowgate_go_queue_depth");
  EXPECT_EQ(f.type, MetricType::gauge);
  EXPECT_EQ(f.help, "Queue depth.");
  ASSERT_EQ(f.metrics.size(), 1U);
  EXPECT_EQ(f.metrics[0].labels, (Labels{{"queue", "default"}}));
  EXPECT_EQ(f.metrics[0].value, -12.25);
}

TEST_F(GoClientDump, SummaryHasCountSumAndQuantiles) {
  const auto& f = family("flowgate_go_duration_seconds");
  EXPECT_EQ(f.type, MetricType::summary);
  const auto& m = f.metrics.at(0);
  EXPECT_EQ(m.sample_count, 4);
  EXPECT_EQ(m.sample_sum, 10);
  ASSERT_EQ(m.quantiles.size(), 2U);
  EXPECT_EQ(m.quantiles[0].quantile, 0.5);
  EXPECT_EQ(m.quantiles[0].value, 2);
  EXPECT_EQ(m.quantiles[1].quantile, 0.9);
  EXPECT_EQ(m.quantiles[1].value, 4);
  EXPECT_TRUE(m.created);
}

TEST_F(GoClientDump, ClassicHistogramHasCumulativeBucketsWithoutInf) {
  const auto& f = family("flowgate_go_payload_bytes");
  EXPECT_EQ(f.type, MetricType::histogram);
  const auto& m = f.metrics.at(0);
  EXPECT_EQ(m.sample_count, 4);
  EXPECT_EQ(m.sample_sum, 55550);
  EXPECT_FALSE(m.native);
  EXPECT_FALSE(m.float_counts);
  ASSERT_EQ(m.buckets.size(), 3U);
  const double bounds[] = {100, 1000, 10000};
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(m.buckets[i].upper_bound, bounds[i]);
    EXPECT_EQ(m.buckets[i].cumulative_count, static_cast<double>(i + 1));
  }
}

TEST_F(GoClientDump, NativeHistogramHasSchemaZeroBucketSpansAndExemplar) {
  const auto& f = family("flowgate_go_latency_seconds");
  EXPECT_EQ(f.type, MetricType::histogram);
  const auto& m = f.metrics.at(0);
  EXPECT_EQ(m.sample_count, 7);
  EXPECT_DOUBLE_EQ(m.sample_sum, 0.3);
  ASSERT_TRUE(m.native);
  const auto& n = *m.native;
  EXPECT_EQ(n.schema, 3);  // the largest schema whose growth factor is at most 1.1
  EXPECT_EQ(n.zero_threshold, std::ldexp(1.0, -128));
  EXPECT_EQ(n.zero_count, 1);  // the observed 0
  // Deltas decode to absolute counts; with the zero bucket they are every observation.
  auto total = [](const std::vector<std::int64_t>& deltas) {
    std::int64_t count = 0;
    std::int64_t sum = 0;
    for (auto d : deltas) sum += (count += d);
    return sum;
  };
  EXPECT_EQ(total(n.positive_deltas), 5);  // 0.05, 0.5, 0.5, 2, 0.25
  EXPECT_EQ(total(n.negative_deltas), 1);  // -3
  EXPECT_FALSE(n.positive_spans.empty());
  ASSERT_EQ(m.buckets.size(), 2U);
  EXPECT_EQ(m.buckets[0].cumulative_count, 3);
  EXPECT_EQ(m.buckets[1].cumulative_count, 6);
  ASSERT_TRUE(m.buckets[1].exemplar);  // client_golang 1.17 keeps exemplars in the classic buckets
  EXPECT_EQ(m.buckets[1].exemplar->labels, (Labels{{"trace_id", "def456"}}));
  EXPECT_EQ(m.buckets[1].exemplar->value, 0.25);
}

TEST_F(GoClientDump, OurWriterReproducesClientGolangBytes) {
  // Both encoders write fields in number order with minimal varints, so the
  // bytes match too, not only the model.
  EXPECT_EQ(write(Format::protobuf, *families_), *body_);
}

TEST_F(GoClientDump, OurTextRenderingEqualsExpfmtText) {
  // The same families through our text writer and client_golang's expfmt:
  // the text 0.0.4 bytes the Pushgateway would serve.
  EXPECT_EQ(write(Format::text, *families_), read_file(std::string(FLOWGATE_GO_PUSH_DIR) + "/dump.txt"));
}

}  // namespace
}  // namespace flowgate::exposition
