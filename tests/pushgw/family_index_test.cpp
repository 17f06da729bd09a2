// FamilyIndex counts every stored copy of a series hash, however many.

#include <gtest/gtest.h>

#include "exposition/model.hpp"
#include "pushgw/family_index.hpp"
#include "pushgw/group.hpp"
#include "pushgw/series_hash.hpp"

namespace flowgate::pushgw {
namespace {

FamilyPtr gauge(std::string_view job) {
  exposition::Family family{"g", "", exposition::MetricType::gauge, "", {}};
  family.metrics.emplace_back().labels = {{"job", std::string(job)}};
  family.metrics.emplace_back().labels = {{"job", "shared"}};
  return store_family(family, 1);
}

TEST(FamilyIndex, CountsEachStoredCopyOfASeriesUntilTheLastIsRemoved) {
  FamilyIndex index;
  const auto a = gauge("a");
  const auto b = gauge("b");
  const auto shared = series_hash("g", {{"job", "shared"}});
  index.add(*a);
  index.add(*b);
  index.add(*b);
  EXPECT_EQ(index.series_count(shared), 3U);
  EXPECT_EQ(index.series_count(series_hash("g", {{"job", "a"}})), 1U);
  EXPECT_EQ(index.series_count(series_hash("g", {{"job", "b"}})), 2U);
  index.remove(*b);
  EXPECT_EQ(index.series_count(shared), 2U);
  EXPECT_EQ(index.series_count(series_hash("g", {{"job", "b"}})), 1U);
  index.remove(*a);
  index.remove(*b);
  EXPECT_EQ(index.series_count(shared), 0U);
  EXPECT_EQ(index.series_count(series_hash("g", {{"job", "b"}})), 0U);
  EXPECT_EQ(index.find("g"), nullptr);
}

TEST(FamilyIndex, ForgetsEverySeriesOnClear) {
  FamilyIndex index;
  index.add(*gauge("a"));
  index.add(*gauge("a"));
  index.clear();
  EXPECT_EQ(index.series_count(series_hash("g", {{"job", "a"}})), 0U);
  index.add(*gauge("a"));
  EXPECT_EQ(index.series_count(series_hash("g", {{"job", "a"}})), 1U);
}

}  // namespace
}  // namespace flowgate::pushgw
