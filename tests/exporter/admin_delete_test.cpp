// POST /api/v1/admin/delete_groups: delete by partial grouping key, through
// the real route table (behind --web.enable-admin-api).

#include <gtest/gtest.h>

#include <string>

#include "pushgw/snapshot.hpp"
#include "tests/exporter/route_fixture.hpp"

namespace flowgate::exporter {
namespace {

using testing::body_of;
using testing::flags_of;
using testing::RouteFixture;

class AdminDeleteGroups : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* path : {"/metrics/job/etl/instance/tmp-1", "/metrics/job/etl/instance/tmp-2",
                             "/metrics/job/etl/instance/web-1", "/metrics/job/scraper/instance/tmp-1"}) {
      ASSERT_EQ(fixture_.send("PUT", path, "m 1\n").reply.status, 200) << path;
    }
  }
  Reply delete_groups(std::string_view query) {
    return fixture_.send("POST", "/api/v1/admin/delete_groups?" + std::string(query)).reply;
  }
  std::size_t groups() const { return fixture_.store.snapshot()->group_count(); }

  RouteFixture fixture_{flags_of({"--web.enable-admin-api"})};
};

TEST_F(AdminDeleteGroups, DeletesEveryGroupMatchingAPartialKeyAndNamesThem) {
  const Reply reply = delete_groups("match[]=%7Bjob%3D%22etl%22%2Cinstance%3D~%22tmp-.*%22%7D");
  EXPECT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.body,
            R"({"status":"success","data":{"dry_run":false,"deleted":2,"groups":[)"
            R"({"instance":"tmp-1","job":"etl"},{"instance":"tmp-2","job":"etl"}]}})");
  EXPECT_EQ(groups(), 2u);
  const std::string left = body_of(fixture_.send("GET", "/metrics").reply);
  EXPECT_NE(left.find("m{instance=\"web-1\",job=\"etl\"} 1"), std::string::npos) << left;
  EXPECT_NE(left.find("m{instance=\"tmp-1\",job=\"scraper\"} 1"), std::string::npos) << left;
}

TEST_F(AdminDeleteGroups, SeveralSelectorsAreAUnionAndADryRunOnlyCounts) {
  const std::string query = "match[]=%7Bjob%3D%22scraper%22%7D&match[]=%7Binstance%3D%22web-1%22%7D";
  const Reply dry = delete_groups(query + "&dry_run=true");
  EXPECT_EQ(dry.status, 200);
  EXPECT_NE(dry.body.find(R"("dry_run":true,"deleted":0,"groups":[{"instance":"tmp-1","job":"scraper"},)"
                          R"({"instance":"web-1","job":"etl"}])"),
            std::string::npos)
      << dry.body;
  EXPECT_EQ(groups(), 4u);
  EXPECT_NE(delete_groups(query).body.find(R"("deleted":2)"), std::string::npos);
  EXPECT_EQ(groups(), 2u);
}

TEST_F(AdminDeleteGroups, RegexMatchersAreRe2AsInPromQL) {
  // {job=~"(?i)ETL",instance=~"tmp-\\d"}: case-insensitive and \d, anchored.
  const Reply reply = delete_groups("match[]=%7Bjob%3D~%22%28%3Fi%29ETL%22%2Cinstance%3D~%22tmp-%5C%5Cd%22%7D");
  EXPECT_EQ(reply.status, 200) << reply.body;
  EXPECT_NE(reply.body.find(R"("deleted":2)"), std::string::npos) << reply.body;
  EXPECT_EQ(groups(), 2u);
  // {job=~"(?!x).*"}: a look-ahead is Perl, not RE2; refused with RE2's reason.
  const Reply perl = delete_groups("match[]=%7Bjob%3D~%22%28%3F%21x%29.%2A%22%7D");
  EXPECT_EQ(perl.status, 400);
  EXPECT_NE(perl.body.find("invalid perl operator: (?!"), std::string::npos) << perl.body;
}

TEST_F(AdminDeleteGroups, RefusesSelectorsThatWouldMatchEverythingOrDoNotParse) {
  const Reply everything = delete_groups("match[]=%7Binstance%3D~%22.*%22%7D");
  EXPECT_EQ(everything.status, 400);
  EXPECT_NE(everything.body.find("would match every group"), std::string::npos) << everything.body;
  EXPECT_NE(everything.body.find("PUT /api/v1/admin/wipe"), std::string::npos);
  const Reply broken = delete_groups("match[]=%7Bjob%3D%22etl%22");
  EXPECT_EQ(broken.status, 400);
  EXPECT_NE(broken.body.find("column"), std::string::npos) << broken.body;
  EXPECT_EQ(delete_groups("").status, 400);
  EXPECT_NE(delete_groups("match[]=%7Bjob%3D%22etl%22%7D&dry_run=maybe").body.find("must be true or false"),
            std::string::npos);
  EXPECT_NE(delete_groups("match=%7Bjob%3D%22etl%22%7D").body.find(R"(unknown parameter \"match\")"), std::string::npos);
  EXPECT_EQ(groups(), 4u);
}

TEST(AdminDeleteGroupsRoute, ExistsOnlyWithTheAdminApi) {
  RouteFixture fixture(flags_of({}));
  EXPECT_NE(fixture.send("POST", "/api/v1/admin/delete_groups?match[]=%7Bjob%3D%22a%22%7D").reply.status, 200);
}

}  // namespace
}  // namespace flowgate::exporter
