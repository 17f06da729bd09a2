#include <gtest/gtest.h>

#include "exporter/content_negotiation.hpp"

namespace flowgate::exporter {
namespace {

using exposition::Format;

TEST(ContentNegotiation, NoAcceptMeansText) { EXPECT_EQ(negotiate_format(""), Format::text); }

TEST(ContentNegotiation, WildcardMeansTextAsClientGolang) { EXPECT_EQ(negotiate_format("*/*"), Format::text); }

TEST(ContentNegotiation, PrometheusDefaultAcceptPrefersOpenMetrics) {
  EXPECT_EQ(negotiate_format("application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
                             "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"),
            Format::openmetrics);
}

TEST(ContentNegotiation, HigherQualityWins) {
  EXPECT_EQ(negotiate_format("application/openmetrics-text;q=0.3, text/plain;version=0.0.4;q=0.9"), Format::text);
}

TEST(ContentNegotiation, ProtobufNeedsDelimitedMetricFamily) {
  EXPECT_EQ(negotiate_format("application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;"
                             "encoding=delimited"),
            Format::protobuf);
  EXPECT_EQ(negotiate_format("application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;"
                             "encoding=text"),
            Format::text);
}

TEST(ContentNegotiation, ZeroQualityIsRefused) {
  EXPECT_EQ(negotiate_format("application/openmetrics-text;q=0"), Format::text);
}

TEST(ContentNegotiation, UnknownTextVersionFallsThrough) {
  EXPECT_EQ(negotiate_format("text/plain;version=9.9, application/openmetrics-text;q=0.5"), Format::openmetrics);
}

using exposition::NameEscaping;

TEST(ContentNegotiation, NamesAreEscapedWithUnderscoresUnlessAsked) {
  EXPECT_EQ(negotiate("").escaping, NameEscaping::underscores);
  EXPECT_EQ(negotiate("text/plain;version=0.0.4").escaping, NameEscaping::underscores);
}

TEST(ContentNegotiation, EachEscapingParameterIsRead) {
  EXPECT_EQ(negotiate("text/plain;version=0.0.4;escaping=allow-utf-8").escaping, NameEscaping::allow_utf8);
  EXPECT_EQ(negotiate("text/plain;version=0.0.4;escaping=underscores").escaping, NameEscaping::underscores);
  EXPECT_EQ(negotiate("text/plain;version=0.0.4;escaping=dots").escaping, NameEscaping::dots);
  const Negotiated values = negotiate(
      "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;escaping=values");
  EXPECT_EQ(values.format, Format::protobuf);
  EXPECT_EQ(values.escaping, NameEscaping::values);
}

TEST(ContentNegotiation, AnUnknownEscapingIsIgnored) {
  EXPECT_EQ(negotiate("text/plain;version=0.0.4;escaping=bogus").escaping, NameEscaping::underscores);
}

TEST(ContentNegotiation, Prometheus3AcceptGetsOpenMetricsWithUtf8Names) {
  const Negotiated negotiated = negotiate(
      "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,text/plain;version=1.0.0;"
      "escaping=allow-utf-8;q=0.4,application/openmetrics-text;version=0.0.1;q=0.3,text/plain;version=0.0.4;q=0.2,"
      "*/*;q=0.1");
  EXPECT_EQ(negotiated.format, Format::openmetrics);
  EXPECT_EQ(negotiated.escaping, NameEscaping::allow_utf8);
}

// As expfmt.Negotiate: a range passed over on the way to the chosen one still sets the escaping.
TEST(ContentNegotiation, EscapingOfASkippedRangeCarriesOverAsInExpfmt) {
  const Negotiated negotiated = negotiate("text/plain;version=1.0.0;escaping=allow-utf-8,text/plain;version=0.0.4");
  EXPECT_EQ(negotiated.format, Format::text);
  EXPECT_EQ(negotiated.escaping, NameEscaping::allow_utf8);
}

TEST(ContentNegotiation, GzipWhenAccepted) {
  EXPECT_TRUE(accepts_gzip("gzip, deflate"));
  EXPECT_TRUE(accepts_gzip("br;q=1.0, gzip;q=0.8"));
  EXPECT_FALSE(accepts_gzip("gzip;q=0"));
  EXPECT_FALSE(accepts_gzip("identity"));
  EXPECT_FALSE(accepts_gzip(""));
}

}  // namespace
}  // namespace flowgate::exporter
