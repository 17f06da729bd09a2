#include <gtest/gtest.h>

#include <atomic>
#include <future>

#include "exporter/password_verifier.hpp"

namespace flowgate::exporter {
namespace {

// Keeps one of the verifier's threads busy until the returned promise is set.
std::promise<void> occupy(PasswordVerifier& verifier) {
  std::promise<void> started;
  std::promise<void> release;
  EXPECT_TRUE(verifier.submit([&started, released = release.get_future().share()] {
    started.set_value();
    released.wait();
  }));
  started.get_future().wait();
  return release;
}

TEST(PasswordVerifier, RunsJobsOnItsOwnThreads) {
  PasswordVerifier verifier(2, 8);
  std::promise<std::thread::id> ran;
  ASSERT_TRUE(verifier.submit([&ran] { ran.set_value(std::this_thread::get_id()); }));
  EXPECT_NE(ran.get_future().get(), std::this_thread::get_id());
}

TEST(PasswordVerifier, RefusesJobsBeyondTheWaitingLimit) {
  PasswordVerifier verifier(1, 2);
  std::promise<void> release = occupy(verifier);  // the only thread is busy; the queue is empty
  std::atomic<int> ran{0};
  EXPECT_TRUE(verifier.submit([&ran] { ++ran; }));
  EXPECT_TRUE(verifier.submit([&ran] { ++ran; }));
  EXPECT_FALSE(verifier.submit([&ran] { ++ran; }));
  std::promise<void> last;
  release.set_value();
  // A free slot again once the queue drains.
  while (!verifier.submit([&last] { last.set_value(); })) std::this_thread::yield();
  last.get_future().wait();
  EXPECT_EQ(ran.load(), 2);
}

TEST(PasswordVerifier, DestructionReleasesWaitingJobs) {
  auto token = std::make_shared<int>(0);
  std::weak_ptr<int> watched = token;
  {
    PasswordVerifier verifier(1, 4);
    std::promise<void> release = occupy(verifier);
    ASSERT_TRUE(verifier.submit([token] {}));
    token.reset();
    std::thread releaser([&release] { release.set_value(); });
    releaser.join();
  }
  EXPECT_TRUE(watched.expired());  // run or dropped, the job and what it holds are gone
}

}  // namespace
}  // namespace flowgate::exporter
