// A push declaring its group's time to live, through the real route table:
// the X-Flowgate-Group-TTL header or the grouping label __group_ttl, bounded
// by --push.max-group-ttl; a refused declaration stores nothing.

#include <gtest/gtest.h>

#include <string>

#include "pushgw/group.hpp"
#include "pushgw/snapshot.hpp"
#include "tests/exporter/route_fixture.hpp"

namespace flowgate::exporter {
namespace {

using testing::flags_of;
using testing::RouteFixture;

Reply push_with_ttl(const RouteFixture& fixture, std::string_view target, std::string_view ttl_header,
                    std::string_view method = "PUT") {
  Request request;
  request.method = method;
  request.target = target;
  request.group_ttl = ttl_header;
  request.body = "# TYPE pages counter\npages 3\n";
  request.received_at = 1'700'000'000;
  return fixture.dispatcher.dispatch(request).reply;
}

// The declared TTL of the group `job`, or -1 when there is no such group.
double ttl_of(const RouteFixture& fixture, std::string_view job) {
  pushgw::GroupingKey key{{{"job", std::string(job)}}};
  const auto* group = fixture.store.snapshot()->find(key.id());
  return group != nullptr ? group->ttl_seconds : -1;
}

TEST(GroupTtlRoutes, TheHeaderOrTheGroupingLabelDeclaresItAndTheLabelIsNotPartOfTheKey) {
  RouteFixture fixture(flags_of({}));
  EXPECT_EQ(push_with_ttl(fixture, "/metrics/job/header", "90s").status, 200);
  EXPECT_EQ(ttl_of(fixture, "header"), 90);
  EXPECT_EQ(push_with_ttl(fixture, "/metrics/job/label/__group_ttl/1h30m", {}).status, 200);
  EXPECT_EQ(ttl_of(fixture, "label"), 5400);
  EXPECT_EQ(push_with_ttl(fixture, "/metrics/job/both/__group_ttl/1h", "2m", "POST").status, 200);
  EXPECT_EQ(ttl_of(fixture, "both"), 120) << "the header wins";
  EXPECT_EQ(push_with_ttl(fixture, "/aggregate/metrics/job/summed/__group_ttl@base64/MTBt", {}).status, 200);
  EXPECT_EQ(ttl_of(fixture, "summed"), 600);
  EXPECT_EQ(fixture.store.snapshot()->group_count(), 4u);
  // A push that declares none keeps the group's.
  EXPECT_EQ(push_with_ttl(fixture, "/metrics/job/header", {}).status, 200);
  EXPECT_EQ(ttl_of(fixture, "header"), 90);
}

TEST(GroupTtlRoutes, AnUnreadableOrTooLongDeclarationIs400AndStoresNothing) {
  RouteFixture fixture(flags_of({"--push.max-group-ttl=1h"}));
  struct Case {
    std::string_view target, header, message;
  };
  for (const Case& c : {
           Case{"/metrics/job/a", "soon", "X-Flowgate-Group-TTL: \"soon\" is not a positive duration such as 90s"},
           Case{"/metrics/job/a", "0s", "X-Flowgate-Group-TTL: \"0s\" is not a positive duration"},
           Case{"/metrics/job/a", "99999999999999999y", "is not a positive duration"},
           Case{"/metrics/job/a/__group_ttl/-5m", {}, "grouping label __group_ttl: \"-5m\" is not a positive duration"},
           Case{"/metrics/job/a", "61m", "X-Flowgate-Group-TTL: 61m is longer than the longest group TTL a push may "
                                         "declare, 1h0m0s (--push.max-group-ttl)"},
           Case{"/aggregate/metrics/job/a/__group_ttl/2h", {}, "grouping label __group_ttl: 2h is longer than"},
       }) {
    const Reply reply = push_with_ttl(fixture, c.target, c.header);
    EXPECT_EQ(reply.status, 400) << c.target << " " << c.header;
    EXPECT_NE(reply.body.find(c.message), std::string::npos) << reply.body;
  }
  EXPECT_EQ(fixture.store.snapshot()->group_count(), 0u);
  // Counted like any refused push.
  const std::string scrape = testing::body_of(fixture.send("GET", "/metrics").reply);
  EXPECT_NE(scrape.find("flowgate_push_rejections_total{reason=\"bad_push_option\"} 6\n"), std::string::npos)
      << scrape;
}

TEST(GroupTtlRoutes, AServerThatAllowsNoDeclarationsRefusesThem) {
  RouteFixture fixture(flags_of({"--push.max-group-ttl=0s"}));
  const Reply reply = push_with_ttl(fixture, "/metrics/job/a", "5m");
  EXPECT_EQ(reply.status, 400);
  EXPECT_NE(reply.body.find("does not let pushes declare a group TTL (--push.max-group-ttl=0s)"), std::string::npos)
      << reply.body;
  EXPECT_EQ(push_with_ttl(fixture, "/metrics/job/a", {}).status, 200);
}

TEST(GroupTtlRoutes, OnlyPushesReadTheLabelADeleteRefusesItAsReserved) {
  RouteFixture fixture(flags_of({}));
  const Reply reply = fixture.send("DELETE", "/metrics/job/a/__group_ttl/5m").reply;
  EXPECT_EQ(reply.status, 400);
  EXPECT_NE(reply.body.find("improper label name \"__group_ttl\""), std::string::npos) << reply.body;
  EXPECT_EQ(fixture.send("PUT", "/metrics/job/a/__other/5m", "m 1\n").reply.status, 400);
}

}  // namespace
}  // namespace flowgate::exporter
