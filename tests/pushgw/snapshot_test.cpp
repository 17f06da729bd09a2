#include "pushgw/snapshot.hpp"

#include <algorithm>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace flowgate::pushgw {
namespace {

GroupPtr group_with_id(const std::string& id) {
  auto group = std::make_shared<Group>();
  group->id = id;
  return group;
}

std::vector<std::string> ids_of(const Snapshot& snapshot) {
  std::vector<std::string> ids;
  for (const auto& group : snapshot.groups()) ids.push_back(group->id);
  return ids;
}

// Enough groups for the trie to split its leaves several levels deep.
TEST(Snapshot, FindsEveryGroupAndListsThemInIdOrderAsTheStoreGrowsAndShrinks) {
  std::vector<std::string> ids;
  for (int i = 0; i < 5000; ++i) ids.push_back("job\xffg" + std::to_string(i));
  auto shuffled = ids;
  std::shuffle(shuffled.begin(), shuffled.end(), std::mt19937(22));
  std::shared_ptr<const Snapshot> snapshot = std::make_shared<Snapshot>();
  for (const auto& id : shuffled) snapshot = snapshot->with_group(group_with_id(id));
  snapshot = snapshot->with_group(group_with_id(ids[7]));  // a replacement adds no group

  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(snapshot->group_count(), ids.size());
  EXPECT_EQ(ids_of(*snapshot), ids);
  std::set<std::string> visited;
  snapshot->for_each_group([&](const Group& group) { visited.insert(group.id); });
  EXPECT_EQ(visited.size(), ids.size());
  for (const auto& id : ids) ASSERT_NE(snapshot->find(id), nullptr) << id;
  EXPECT_EQ(snapshot->find("job\xffmissing"), nullptr);

  std::vector<std::string> kept;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i % 2 == 0) {
      snapshot = snapshot->without_group(ids[i]);
    } else {
      kept.push_back(ids[i]);
    }
  }
  snapshot = snapshot->without_group("job\xffmissing");  // removing what is not there changes nothing
  EXPECT_EQ(snapshot->group_count(), kept.size());
  EXPECT_EQ(ids_of(*snapshot), kept);
  EXPECT_EQ(snapshot->find(ids[0]), nullptr);
  EXPECT_NE(snapshot->find(ids[1]), nullptr);

  std::vector<GroupPtr> same;
  for (const auto& id : kept) same.push_back(group_with_id(id));
  EXPECT_EQ(ids_of(*Snapshot::of_groups(same, 1)), kept) << "built at once or one by one: the same view";
}

// The next snapshot shares all but a small part of the last one: the
// groups whose pointers a push copies are bounded, not a share of the store.
TEST(Snapshot, APushCopiesABoundedNumberOfGroupPointersHoweverManyGroupsThereAre) {
  std::vector<GroupPtr> groups;
  for (int i = 0; i < 50'000; ++i) groups.push_back(group_with_id("job\xffg" + std::to_string(i)));
  const auto before = Snapshot::of_groups(groups, 1);
  groups.clear();
  const auto all = before->groups();  // each group now held by `all` and by one leaf of `before`
  const auto after = before->with_group(group_with_id("job\xffnew"));
  const auto copied = std::count_if(all.begin(), all.end(), [](const GroupPtr& group) { return group.use_count() > 2; });
  EXPECT_LE(copied, static_cast<std::ptrdiff_t>(Snapshot::kLeafGroups));
  EXPECT_EQ(after->group_count(), 50'001u);
  EXPECT_EQ(after->version(), 2u);
}

TEST(Snapshot, LeavesFilledOnePushAtATimeSplitSoAPushStillCopiesAtMostOneLeaf) {
  // of_groups builds the trie in one pass; pushes grow it through put(), which must split full leaves.
  std::shared_ptr<const Snapshot> grown = std::make_shared<const Snapshot>();
  for (int i = 0; i < 5'000; ++i) grown = grown->with_group(group_with_id("job\xffg" + std::to_string(i)));
  const auto all = grown->groups();
  const auto after = grown->with_group(group_with_id("job\xffnew"));
  const auto copied = std::count_if(all.begin(), all.end(), [](const GroupPtr& group) { return group.use_count() > 2; });
  EXPECT_LE(copied, static_cast<std::ptrdiff_t>(Snapshot::kLeafGroups));
  EXPECT_EQ(after->group_count(), 5'001u);
}

}  // namespace
}  // namespace flowgate::pushgw
