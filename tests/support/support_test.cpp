// The helpers other tests lean on: ports, child processes, generators.

#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "exposition/text_parser.hpp"
#include "exposition/writer.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/free_port.hpp"
#include "tests/support/realistic_exposition.hpp"

namespace flowgate::test_support {
namespace {

using namespace std::chrono_literals;

TEST(FreeLoopbackPort, GivesANonZeroPortNobodyListensOn) {
  const std::uint16_t port = free_loopback_port();
  EXPECT_NE(port, 0);
  EXPECT_FALSE(wait_for_port(port, 0ms));
}

TEST(ChildProcess, StartsAServerThatWaitForPortSeesAndStopsIt) {
  const std::uint16_t port = free_loopback_port();
  ChildProcess server = ChildProcess::start(
      {"/usr/bin/python3", "-m", "http.server", "--bind", "127.0.0.1", std::to_string(port)}, "/dev/null");
  ASSERT_TRUE(wait_for_port(port, 10s));
  EXPECT_TRUE(server.running());
  const int status = server.stop();
  EXPECT_FALSE(server.running());
  EXPECT_TRUE(WIFSIGNALED(status) || WIFEXITED(status));
  EXPECT_FALSE(wait_for_port(port, 0ms));
}

TEST(ChildProcess, KillsAChildThatIgnoresSigterm) {
  // The child says when its trap is set, so SIGTERM cannot come first.
  const std::string ready = testing::TempDir() + "flowgate_child_ready_" + std::to_string(::getpid());
  std::remove(ready.c_str());
  ChildProcess child =
      ChildProcess::start({"/bin/sh", "-c", "trap '' TERM; : > '" + ready + "'; while :; do sleep 0.05; done"});
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!std::ifstream(ready) && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(10ms);
  ASSERT_TRUE(std::ifstream(ready)) << "the child never got ready";
  const int status = child.stop(200ms);
  std::remove(ready.c_str());
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
}

TEST(ChildProcess, ThrowsWhenTheProgramCannotRun) {
  EXPECT_THROW(ChildProcess::start({"/nonexistent/flowgate-test-program"}), std::runtime_error);
}

TEST(ChildProcess, StopsWhenDestroyed) {
  pid_t pid = 0;
  {
    ChildProcess child = ChildProcess::start({"/bin/sleep", "30"});
    pid = child.pid();
  }
  EXPECT_NE(::kill(pid, 0), 0) << "the child is still there after its owner went away";
}

TEST(RealisticExposition, HasAboutTheAskedNumberOfSampleLinesAndParses) {
  const std::string text = realistic_text_exposition(10000);
  std::size_t samples = 0;
  for (std::size_t start = 0; start < text.size(); start = text.find('\n', start) + 1) {
    if (text[start] != '#') ++samples;
  }
  EXPECT_GE(samples, 10000u);
  EXPECT_LT(samples, 10020u);
  const auto parsed = exposition::parse_text(text);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().describe();
  EXPECT_EQ(exposition::write(exposition::Format::text, *parsed), text);
}

}  // namespace
}  // namespace flowgate::test_support
