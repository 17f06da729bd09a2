// OTLP decoding (protobuf and JSON) and the translation to the Prometheus
// model. Protobuf inputs are built byte by byte with the naive test encoder,
// so the decoder is not checked against code it shares.

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "exposition/otlp_any_value.hpp"
#include "exposition/otlp_decode.hpp"
#include "exposition/otlp_names.hpp"
#include "exposition/otlp_translate.hpp"
#include "exposition/writer.hpp"
#include "tests/exposition/protobuf_test_encoder.hpp"

namespace flowgate::exposition::otlp {
namespace {

namespace pb = exposition::test;

std::string fixed64_field(std::uint32_t field, std::uint64_t v) {
  std::string out = pb::tag(field, 1);
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
  return out;
}

std::string string_attribute(std::uint32_t field, std::string_view key, std::string_view value) {
  return pb::bytes_field(field, pb::bytes_field(1, key) + pb::bytes_field(2, pb::bytes_field(1, value)));
}

// ExportMetricsServiceRequest{ResourceMetrics{resource, ScopeMetrics{scope, metrics...}}}.
std::string request(std::string_view resource_attributes, std::initializer_list<std::string> metrics) {
  std::string scope = pb::bytes_field(1, pb::bytes_field(1, "test.scope"));
  for (const auto& m : metrics) scope += pb::bytes_field(2, m);
  return pb::bytes_field(1, pb::bytes_field(1, resource_attributes) + pb::bytes_field(2, scope));
}

const std::string kService = string_attribute(1, "service.name", "etl") + string_attribute(1, "service.namespace", "shop") +
                             string_attribute(1, "service.instance.id", "pod-1") +
                             string_attribute(1, "host.name", "node-7");

std::string counter_metric(std::string_view name, double value, std::uint64_t temporality = 2,
                           std::uint64_t start = 1'000'000'000, std::uint64_t time = 2'000'000'000) {
  const std::string point = string_attribute(7, "http.method", "GET") + fixed64_field(2, start) +
                            fixed64_field(3, time) + pb::double_field(4, value);
  const std::string sum = pb::bytes_field(1, point) + pb::uint_field(2, temporality) + pb::uint_field(3, 1);
  return pb::bytes_field(1, name) + pb::bytes_field(2, "Rows read") + pb::bytes_field(3, "{row}") + pb::bytes_field(7, sum);
}

std::string text_of(const Families& families) { return write(Format::text, families); }

TranslatedGroup only_group(const Translation& translation) {
  EXPECT_EQ(translation.groups.size(), 1u);
  EXPECT_EQ(translation.rejected_points, 0u) << (translation.rejections.empty() ? "" : translation.rejections[0]);
  return translation.groups.empty() ? TranslatedGroup{} : translation.groups.front();
}

TEST(OtlpProtobuf, ACumulativeMonotonicSumBecomesACounterInTheResourcesGroup) {
  auto decoded = decode_protobuf(request(kService, {counter_metric("rows.read", 42)}));
  ASSERT_TRUE(decoded) << decoded.error().describe();
  const auto group = only_group(translate(*decoded, {}, {}));
  EXPECT_EQ(group.grouping, (Labels{{"instance", "pod-1"}, {"job", "shop/etl"}}));
  EXPECT_EQ(text_of(group.families),
            "# HELP rows_read_total Rows read\n"
            "# TYPE rows_read_total counter\n"
            "rows_read_total{http_method=\"GET\"} 42\n"
            "# HELP target_info Target metadata\n"
            "# TYPE target_info gauge\n"
            "target_info{host_name=\"node-7\"} 1\n");
  ASSERT_TRUE(group.families[0].metrics[0].created);
  EXPECT_EQ(group.families[0].metrics[0].created->seconds, 1);
}

TEST(OtlpJson, TheSameExportInJsonTranslatesToTheSameFamilies) {
  const std::string json = R"({"resourceMetrics":[{"resource":{"attributes":[
      {"key":"service.name","value":{"stringValue":"etl"}},
      {"key":"service.namespace","value":{"stringValue":"shop"}},
      {"key":"service.instance.id","value":{"stringValue":"pod-1"}},
      {"key":"host.name","value":{"stringValue":"node-7"}}]},
    "scopeMetrics":[{"scope":{"name":"test.scope"},"metrics":[{"name":"rows.read","description":"Rows read",
      "unit":"{row}","sum":{"aggregationTemporality":2,"isMonotonic":true,"dataPoints":[
        {"attributes":[{"key":"http.method","value":{"stringValue":"GET"}}],
         "startTimeUnixNano":"1000000000","timeUnixNano":"2000000000","asDouble":42}]}}]}]}]})";
  auto from_json = decode_json(json);
  ASSERT_TRUE(from_json) << from_json.error().describe();
  auto from_protobuf = decode_protobuf(request(kService, {counter_metric("rows.read", 42)}));
  ASSERT_TRUE(from_protobuf);
  EXPECT_TRUE(identical(only_group(translate(*from_json, {}, {})).families,
                        only_group(translate(*from_protobuf, {}, {})).families));
}

TEST(OtlpJson, AcceptsProtoFieldNamesAndIntegersAsNumbers) {
  const std::string json = R"({"resource_metrics":[{"scope_metrics":[{"metrics":[{"name":"queue.depth",
      "gauge":{"data_points":[{"as_int":7,"time_unix_nano":5}]}}]}]}]})";
  auto decoded = decode_json(json);
  ASSERT_TRUE(decoded) << decoded.error().describe();
  const auto group = only_group(translate(*decoded, {}, {}));
  EXPECT_EQ(group.grouping, (Labels{{"job", "unknown_service"}}));
  EXPECT_EQ(text_of(group.families), "# TYPE queue_depth gauge\nqueue_depth 7\n");
}

TEST(OtlpTranslate, ExplicitHistogramsBecomeClassicHistogramsWithCumulativeBuckets) {
  const std::string point = fixed64_field(3, 2'000'000'000) + fixed64_field(4, 6) + pb::double_field(5, 3.5) +
                            fixed64_field(6, 1) + fixed64_field(6, 2) + fixed64_field(6, 3) +
                            pb::double_field(7, 0.1) + pb::double_field(7, 1);
  const std::string metric = pb::bytes_field(1, "task.duration") + pb::bytes_field(3, "s") +
                             pb::bytes_field(9, pb::bytes_field(1, point) + pb::uint_field(2, 2));
  auto decoded = decode_protobuf(request("", {metric}));
  ASSERT_TRUE(decoded) << decoded.error().describe();
  EXPECT_EQ(text_of(only_group(translate(*decoded, {}, {})).families),
            "# TYPE task_duration_seconds histogram\n"
            "task_duration_seconds_bucket{le=\"0.1\"} 1\n"
            "task_duration_seconds_bucket{le=\"1\"} 3\n"
            "task_duration_seconds_bucket{le=\"+Inf\"} 6\n"
            "task_duration_seconds_sum 3.5\n"
            "task_duration_seconds_count 6\n");
}

TEST(OtlpTranslate, ExponentialHistogramsBecomeNativeHistogramsWithClassicBucketsAtTheirBounds) {
  // Scale 0: OTLP bucket i at offset 0 is (2^i, 2^(i+1)], Prometheus bucket i+1.
  const std::string positive = pb::sint_field(1, 0) + pb::uint_field(2, 1) + pb::uint_field(2, 2);
  const std::string point = fixed64_field(4, 4) + pb::double_field(5, 9) + pb::sint_field(6, 0) +
                            fixed64_field(7, 1) + pb::bytes_field(8, positive);
  const std::string metric = pb::bytes_field(1, "payload") + pb::bytes_field(3, "By") +
                             pb::bytes_field(10, pb::bytes_field(1, point) + pb::uint_field(2, 2));
  auto decoded = decode_protobuf(request("", {metric}));
  ASSERT_TRUE(decoded) << decoded.error().describe();
  const auto group = only_group(translate(*decoded, {}, {}));
  const exposition::Metric& series = group.families.at(0).metrics.at(0);
  ASSERT_TRUE(series.native);
  EXPECT_EQ(series.native->schema, 0);
  EXPECT_EQ(series.native->positive_spans, (std::vector<BucketSpan>{{1, 2}}));
  EXPECT_EQ(series.native->positive_deltas, (std::vector<std::int64_t>{1, 1}));
  EXPECT_EQ(series.native->zero_count, 1);
  EXPECT_EQ(text_of(group.families),
            "# TYPE payload_bytes histogram\n"
            "payload_bytes_bucket{le=\"1e-128\"} 1\n"
            "payload_bytes_bucket{le=\"2\"} 2\n"
            "payload_bytes_bucket{le=\"4\"} 4\n"
            "payload_bytes_bucket{le=\"+Inf\"} 4\n"
            "payload_bytes_sum 9\n"
            "payload_bytes_count 4\n");
}

TEST(OtlpTranslate, AScaleAboveEightIsMergedDownToSchemaEight) {
  const std::string positive = pb::sint_field(1, 0) + pb::uint_field(2, 1) + pb::uint_field(2, 1) + pb::uint_field(2, 1);
  const std::string point = fixed64_field(4, 3) + pb::sint_field(6, 9) + pb::bytes_field(8, positive);
  const std::string metric = pb::bytes_field(1, "h") + pb::bytes_field(10, pb::bytes_field(1, point) + pb::uint_field(2, 2));
  auto decoded = decode_protobuf(request("", {metric}));
  ASSERT_TRUE(decoded);
  const auto group = only_group(translate(*decoded, {}, {}));
  const auto& native = *group.families.at(0).metrics.at(0).native;
  EXPECT_EQ(native.schema, 8);
  // Indices 0,1,2 at scale 9 are 0,0,1 at scale 8; Prometheus numbers them from 1.
  EXPECT_EQ(native.positive_spans, (std::vector<BucketSpan>{{1, 2}}));
  EXPECT_EQ(native.positive_deltas, (std::vector<std::int64_t>{2, -1}));
}

TEST(OtlpTranslate, DeltaSumsAddUpAndAResentPointIsNotCountedTwice) {
  DeltaState state;
  const auto export_once = [&](double value, std::uint64_t start, std::uint64_t time) {
    auto decoded = decode_protobuf(request(kService, {counter_metric("emails.sent", value, 1, start, time)}));
    EXPECT_TRUE(decoded);
    Translation t = translate(*decoded, {}, state);
    for (auto& [key, entry] : t.delta_updates) state[key] = entry;
    return t;
  };
  export_once(3, 10, 20);
  Translation second = export_once(2, 20, 30);
  ASSERT_EQ(second.groups.size(), 1u);
  EXPECT_EQ(second.groups[0].families[0].name, "emails_sent_total");
  EXPECT_EQ(second.groups[0].families[0].metrics[0].value, 5);
  EXPECT_EQ(second.groups[0].families[0].metrics[0].created->nanos, 10);  // the first delta's start
  Translation resent = export_once(2, 20, 30);  // an SDK retry of the same export
  EXPECT_TRUE(resent.groups[0].families[0].metrics.empty());
  EXPECT_TRUE(resent.delta_updates.empty());
  EXPECT_EQ(state.begin()->second.value, 5);
}

TEST(OtlpTranslate, DeltaExponentialHistogramsAtDifferentScalesAddAtTheCoarserScale) {
  DeltaState state;
  const auto point = [](std::int64_t scale, std::uint64_t time) {
    const std::string positive = pb::sint_field(1, 0) + pb::uint_field(2, 1) + pb::uint_field(2, 1);
    return fixed64_field(3, time) + fixed64_field(4, 2) + pb::double_field(5, 1) + pb::sint_field(6, scale) +
           pb::bytes_field(8, positive);
  };
  std::vector<Translation> results;
  for (auto [scale, time] : {std::pair<std::int64_t, std::uint64_t>{1, 10}, {0, 20}}) {
    const std::string metric =
        pb::bytes_field(1, "h") + pb::bytes_field(10, pb::bytes_field(1, point(scale, time)) + pb::uint_field(2, 1));
    auto decoded = decode_protobuf(request("", {metric}));
    ASSERT_TRUE(decoded);
    results.push_back(translate(*decoded, {}, state));
    for (auto& [key, entry] : results.back().delta_updates) state[key] = entry;
  }
  const exposition::Metric& total = results.back().groups.at(0).families.at(0).metrics.at(0);
  EXPECT_EQ(total.sample_count, 4);
  EXPECT_EQ(total.sample_sum, 2);
  EXPECT_EQ(total.native->schema, 0);
  // Scale 1 buckets 0 and 1 are scale 0 bucket 0; plus scale 0 buckets 0 and 1.
  EXPECT_EQ(total.native->positive_spans, (std::vector<BucketSpan>{{1, 2}}));
  EXPECT_EQ(total.native->positive_deltas, (std::vector<std::int64_t>{3, -2}));
}

TEST(OtlpTranslate, AttributesThatBecomeOneLabelNameAreJoinedInKeyOrder) {
  const std::string point = string_attribute(7, "a_b", "2") + string_attribute(7, "a.b", "1") + pb::double_field(4, 1);
  const std::string metric = pb::bytes_field(1, "g") + pb::bytes_field(5, pb::bytes_field(1, point));
  auto decoded = decode_protobuf(request("", {metric}));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(only_group(translate(*decoded, {}, {})).families[0].metrics[0].labels, (Labels{{"a_b", "1;2"}}));
}

TEST(OtlpTranslate, ASeriesSentTwiceKeepsTheLastPointAndTwoResourcesOfOneServiceAreOneGroup) {
  const auto gauge = [](double first, double second) {
    const std::string points = pb::bytes_field(1, string_attribute(7, "k", "v") + pb::double_field(4, first)) +
                               pb::bytes_field(1, string_attribute(7, "k", "w") + pb::double_field(4, 5)) +
                               pb::bytes_field(1, string_attribute(7, "k", "v") + pb::double_field(4, second));
    return pb::bytes_field(1, "g") + pb::bytes_field(5, points);
  };
  const std::string service = string_attribute(1, "service.name", "etl");
  auto decoded = decode_protobuf(request(service, {gauge(1, 2)}) + request(service, {gauge(3, 4)}));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(text_of(only_group(translate(*decoded, {}, {})).families),
            "# TYPE g gauge\ng{k=\"v\"} 4\ng{k=\"w\"} 5\n");
}

TEST(OtlpTranslate, EachBucketGetsTheLargestExemplarInItOrTheOneBelow) {
  std::string exemplars;
  for (double value : {0.05, 0.09, 0.07, 3.0}) {
    exemplars += pb::bytes_field(8, fixed64_field(2, 1'000'000'000) + pb::double_field(3, value));
  }
  const std::string point = fixed64_field(4, 4) + fixed64_field(6, 3) + fixed64_field(6, 0) + fixed64_field(6, 1) +
                            pb::double_field(7, 0.1) + pb::double_field(7, 1) + exemplars;
  const std::string metric = pb::bytes_field(1, "d") + pb::bytes_field(9, pb::bytes_field(1, point) + pb::uint_field(2, 2));
  auto decoded = decode_protobuf(request("", {metric}));
  ASSERT_TRUE(decoded) << decoded.error().describe();
  const auto group = only_group(translate(*decoded, {}, {}));
  const auto& buckets = group.families.at(0).metrics.at(0).buckets;
  ASSERT_EQ(buckets.size(), 2u);
  ASSERT_TRUE(buckets[0].exemplar && buckets[1].exemplar);
  EXPECT_EQ(buckets[0].exemplar->value, 0.09);  // the largest of 0.05, 0.09, 0.07
  EXPECT_EQ(buckets[1].exemplar->value, 0.09);  // none in (0.1, 1]: the one below
}

TEST(OtlpTranslate, PromotedResourceAttributesLabelEverySeriesButNeverReplaceJobOrInstance) {
  TranslateOptions options;
  options.promote_resource_attributes = {"host.name", "service.name"};
  auto decoded = decode_protobuf(request(kService, {counter_metric("r", 1)}));
  ASSERT_TRUE(decoded);
  const auto group = only_group(translate(*decoded, options, {}));
  EXPECT_EQ(group.families[0].metrics[0].labels,
            (Labels{{"host_name", "node-7"}, {"http_method", "GET"}, {"service_name", "etl"}}));
}

TEST(OtlpTranslate, APointWithNoRecordedValueEndsItsSeries) {
  const std::string point = string_attribute(7, "k", "v") + pb::uint_field(8, 1);
  const std::string metric = pb::bytes_field(1, "g") + pb::bytes_field(5, pb::bytes_field(1, point));
  auto decoded = decode_protobuf(request("", {metric}));
  ASSERT_TRUE(decoded);
  const auto group = only_group(translate(*decoded, {}, {}));
  ASSERT_EQ(group.ended.size(), 1u);
  EXPECT_EQ(group.ended[0].first, "g");
  EXPECT_EQ(group.ended[0].second, (Labels{{"k", "v"}}));
  EXPECT_TRUE(group.families[0].metrics.empty());
}

TEST(OtlpTranslate, ANameTakenByAnotherTypeRejectsTheLaterMetricOnly) {
  const std::string gauge = pb::bytes_field(1, "jobs") + pb::bytes_field(5, pb::bytes_field(1, pb::double_field(4, 1)));
  const std::string summary = pb::bytes_field(1, "jobs") +
                              pb::bytes_field(11, pb::bytes_field(1, fixed64_field(4, 1) + pb::double_field(5, 1)));
  auto decoded = decode_protobuf(request("", {gauge, summary}));
  ASSERT_TRUE(decoded);
  const Translation t = translate(*decoded, {}, {});
  EXPECT_EQ(t.rejected_points, 1u);
  ASSERT_EQ(t.rejections.size(), 1u);
  EXPECT_EQ(t.rejections[0], "metric \"jobs\": its Prometheus name \"jobs\" is already a gauge in this export");
  EXPECT_EQ(text_of(t.groups.at(0).families), "# TYPE jobs gauge\njobs 1\n");
}

TEST(OtlpNames, FollowTheCompatibilitySpecification) {
  const NamingOptions plain;
  EXPECT_EQ(metric_name("http.server.request.duration", "s", NameKind::other, plain),
            "http_server_request_duration_seconds");
  EXPECT_EQ(metric_name("requests", "{request}", NameKind::counter, plain), "requests_total");
  EXPECT_EQ(metric_name("requests_total", "", NameKind::counter, plain), "requests_total");
  EXPECT_EQ(metric_name("cpu.utilization", "1", NameKind::gauge, plain), "cpu_utilization_ratio");
  EXPECT_EQ(metric_name("net.io", "By/s", NameKind::gauge, plain), "net_io_bytes_per_second");
  EXPECT_EQ(metric_name("latency_seconds", "s", NameKind::gauge, plain), "latency_seconds");
  EXPECT_EQ(metric_name("2xx.responses", "", NameKind::gauge, plain), "_2xx_responses");
  EXPECT_EQ(metric_name("a__b", "", NameKind::gauge, plain), "a_b");
  EXPECT_EQ(metric_name("...", "", NameKind::gauge, plain), std::nullopt);
  EXPECT_EQ(metric_name("http.requests", "s", NameKind::gauge, NamingOptions{true, true}), "http.requests");
  EXPECT_EQ(label_name("http.method", plain), "http_method");
  EXPECT_EQ(label_name("123", plain), "key_123");
  EXPECT_EQ(label_name("__x.y__", plain), "__x_y__");
  EXPECT_EQ(label_name("a..b", plain), "a_b");
  EXPECT_EQ(label_name("___", plain), std::nullopt);
}

TEST(OtlpAnyValue, RendersValuesAsOpenTelemetryAsStringDoes) {
  AnyValue integer;
  integer.kind = AnyValue::Kind::integer;
  integer.integer = -3;
  EXPECT_EQ(render(integer), "-3");
  AnyValue big;
  big.kind = AnyValue::Kind::floating;
  big.floating = 1e21;
  EXPECT_EQ(render(big), "1e+21");
  AnyValue small;
  small.kind = AnyValue::Kind::floating;
  small.floating = 1e-7;
  EXPECT_EQ(render(small), "1e-7");
  AnyValue half;
  half.kind = AnyValue::Kind::floating;
  half.floating = 0.5;
  AnyValue text;
  text.kind = AnyValue::Kind::string;
  text.text = "a\"b";
  AnyValue array;
  array.kind = AnyValue::Kind::array;
  array.items = {text, half};
  EXPECT_EQ(render(array), R"(["a\"b",0.5])");
  AnyValue map;
  map.kind = AnyValue::Kind::map;
  map.entries = {{"z", integer}, {"a", array}};
  EXPECT_EQ(render(map), R"({"a":["a\"b",0.5],"z":-3})");
  AnyValue bytes;
  bytes.kind = AnyValue::Kind::bytes;
  bytes.text = "hi!?";
  EXPECT_EQ(render(bytes), "aGkhPw==");
}

TEST(OtlpErrors, HistogramBucketCountsThatDoNotMatchTheBoundsAreRefusedNamingTheMetric) {
  const std::string point = fixed64_field(4, 3) + fixed64_field(6, 1) + fixed64_field(6, 2) + pb::double_field(7, 1) +
                            pb::double_field(7, 2);
  const std::string metric = pb::bytes_field(1, "task.duration") +
                             pb::bytes_field(9, pb::bytes_field(1, point) + pb::uint_field(2, 2));
  auto decoded = decode_protobuf(request("", {metric}));
  ASSERT_FALSE(decoded);
  EXPECT_EQ(decoded.error().rule, "histogram-bucket-count");
  EXPECT_EQ(decoded.error().describe(),
            "metric \"task.duration\": point 1 has 2 bucket counts for 2 explicit bounds; a histogram has one count "
            "more than bounds (the last is above them)");
}

// Found by fuzz_otlp_json: a scale far above 8 made the merge-down shift past 64 bits.
TEST(OtlpErrors, AnExponentialScaleOutsideOpenTelemetrysRangeIsRefused) {
  const std::string point = fixed64_field(4, 0) + pb::sint_field(6, 102);
  const std::string metric = pb::bytes_field(1, "h") + pb::bytes_field(10, pb::bytes_field(1, point) + pb::uint_field(2, 2));
  auto decoded = decode_protobuf(request("", {metric}));
  ASSERT_FALSE(decoded);
  EXPECT_EQ(decoded.error().describe(), "metric \"h\": point 1 has scale 102; OpenTelemetry's scales run from -10 to 20");
}

TEST(OtlpErrors, BucketCountsThatWrapPast64BitsAreRefusedAndHugeOnesAreNotStored) {
  const std::string wrapping = fixed64_field(4, 1) + fixed64_field(6, UINT64_MAX) + fixed64_field(6, 2);
  const std::string explicit_metric =
      pb::bytes_field(1, "h") + pb::bytes_field(9, pb::bytes_field(1, wrapping + pb::double_field(7, 1)) + pb::uint_field(2, 2));
  auto wrapped = decode_protobuf(request("", {explicit_metric}));
  ASSERT_FALSE(wrapped);
  EXPECT_EQ(wrapped.error().rule, "histogram-count-overflow");
  // One count above 2^63 adds up, but no native histogram can hold it: that point is rejected.
  const std::uint64_t huge = (std::uint64_t{1} << 63) + 1;
  const std::string positive = pb::sint_field(1, 0) + pb::uint_field(2, huge);
  const std::string point = fixed64_field(4, huge) + pb::sint_field(6, 0) + pb::bytes_field(8, positive);
  const std::string metric = pb::bytes_field(1, "e") + pb::bytes_field(10, pb::bytes_field(1, point) + pb::uint_field(2, 2));
  auto decoded = decode_protobuf(request("", {metric}));
  ASSERT_TRUE(decoded) << decoded.error().describe();
  const Translation t = translate(*decoded, {}, {});
  EXPECT_EQ(t.rejected_points, 1u);
  EXPECT_TRUE(t.groups.at(0).families.at(0).metrics.empty());
}

TEST(OtlpErrors, ATruncatedBodyIsRefusedWithItsByteOffset) {
  std::string body = request(kService, {counter_metric("rows.read", 42)});
  body.resize(body.size() - 5);
  auto decoded = decode_protobuf(body);
  ASSERT_FALSE(decoded);
  EXPECT_EQ(decoded.error().rule, "truncated-field");
  EXPECT_TRUE(decoded.error().byte);
}

TEST(OtlpErrors, AnUnknownTemporalityIsRefused) {
  auto decoded = decode_protobuf(request("", {counter_metric("c", 1, 5)}));
  ASSERT_FALSE(decoded);
  EXPECT_EQ(decoded.error().rule, "unknown-temporality");
  EXPECT_NE(decoded.error().message.find("metric \"c\""), std::string::npos) << decoded.error().message;
}

TEST(OtlpErrors, JsonThatIsNotOtlpIsRefusedSayingWhere) {
  auto array = decode_json("[1,2]");
  ASSERT_FALSE(array);
  EXPECT_EQ(array.error().describe(), "the body must be an object");
  auto wrong = decode_json(R"({"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"m","gauge":{"dataPoints":[{"asDouble":"many"}]}}]}]}]})");
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().describe(),
            "metric \"m\": resourceMetrics[0].scopeMetrics[0].metrics[0].gauge.dataPoints[0].asDouble is not a number");
}

TEST(OtlpErrors, AttributesNestedTooDeeplyAreRefusedWithoutExhaustingTheStack) {
  std::string value = pb::bytes_field(1, "leaf");
  for (int i = 0; i < 10000; ++i) value = pb::bytes_field(5, pb::bytes_field(1, value));
  const std::string attribute = pb::bytes_field(1, pb::bytes_field(1, "k") + pb::bytes_field(2, value));
  auto decoded = decode_protobuf(request(attribute, {}));
  ASSERT_FALSE(decoded);
  EXPECT_EQ(decoded.error().rule, "attribute-too-deep");
  std::string json = R"({"resourceMetrics":[{"resource":{"attributes":[{"key":"k","value":)";
  for (int i = 0; i < 10000; ++i) json += R"({"arrayValue":{"values":[)";
  json += R"({"stringValue":"x"})";
  for (int i = 0; i < 10000; ++i) json += "]}}";
  json += "}]}}]}";
  auto from_json = decode_json(json);
  ASSERT_FALSE(from_json);
  EXPECT_EQ(from_json.error().rule, "attribute-too-deep");
}

TEST(OtlpErrors, ARequestPastItsPointBoundIsRefusedAtTheFirstPointPastIt) {
  std::string points;
  for (int i = 0; i < 5; ++i) points += pb::bytes_field(1, pb::double_field(4, i));
  const std::string metric = pb::bytes_field(1, "g") + pb::bytes_field(5, points);
  DecodeBounds bounds;
  bounds.max_points = 4;
  auto decoded = decode_protobuf(request("", {metric}), bounds);
  ASSERT_FALSE(decoded);
  EXPECT_EQ(decoded.error().rule, "too-many-points");
}

}  // namespace
}  // namespace flowgate::exposition::otlp
