#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "exposition/text_parser.hpp"
#include "pushgw/group_store.hpp"
#include "tests/pushgw/store_testing.hpp"

namespace flowgate::pushgw {
namespace {

// Pushers and scrapers at once: every scrape must be a well-formed body (one
// header per family, parseable), and the end state must hold every group.
// Run under TSan/ASan presets to prove the snapshot publication is race-free.
TEST(GroupStoreConcurrency, PushersAndScrapersShareTheStoreSafely) {
  GroupStore store({});
  constexpr int kPushers = 4;
  constexpr int kPushesEach = 200;
  std::atomic<bool> done{false};
  std::atomic<int> failures{0};

  std::vector<std::thread> scrapers;
  for (int s = 0; s < 2; ++s) {
    scrapers.emplace_back([&] {
      while (!done.load()) {
        const auto snapshot = store.snapshot();
        const auto body = testing::scrape(*snapshot);
        if (!exposition::parse_text(body)) ++failures;
        (void)snapshot->merged(exposition::Format::openmetrics);
      }
    });
  }
  std::vector<std::thread> pushers;
  for (int p = 0; p < kPushers; ++p) {
    pushers.emplace_back([&, p] {
      for (int i = 0; i < kPushesEach; ++i) {
        const std::string path = "job/p" + std::to_string(p) + "/n/" + std::to_string(i % 50);
        const std::string body = "# TYPE m counter\nm{i=\"" + std::to_string(i) + "\"} " + std::to_string(i) + "\n";
        auto key = parse_grouping_key(path);
        auto families = exposition::parse_text(body);
        if (!key || !families) {
          ++failures;
          continue;
        }
        const auto mode = i % 2 == 0 ? PushMode::replace_group : PushMode::replace_families;
        if (!store.push(mode, std::move(*key), std::move(*families), i)) ++failures;
        if (i % 37 == 0) store.remove(*parse_grouping_key("job/p" + std::to_string(p) + "/n/49"));
      }
    });
  }
  for (auto& pusher : pushers) pusher.join();
  done = true;
  for (auto& scraper : scrapers) scraper.join();

  EXPECT_EQ(failures.load(), 0);
  EXPECT_GE(store.snapshot()->group_count(), static_cast<std::size_t>(kPushers * 49));
}

}  // namespace
}  // namespace flowgate::pushgw
