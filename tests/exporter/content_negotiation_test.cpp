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

TEST(ContentNegotiation, GzipWhenAccepted) {
  EXPECT_TRUE(accepts_gzip("gzip, deflate"));
  EXPECT_TRUE(accepts_gzip("br;q=1.0, gzip;q=0.8"));
  EXPECT_FALSE(accepts_gzip("gzip;q=0"));
  EXPECT_FALSE(accepts_gzip("identity"));
  EXPECT_FALSE(accepts_gzip(""));
}

}  // namespace
}  // namespace flowgate::exporter
