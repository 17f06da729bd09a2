#pragma once
// Reads a response body recorded from a real Prefect 3.8.8 server
// (tests/collectors/prefect/fixtures/); fails the test when it is missing.

#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

namespace flowgate::collectors::prefect::testing {

inline std::string fixture(const std::string& name) {
  std::ifstream in(std::string(PREFECT_FIXTURES_DIR) + "/" + name, std::ios::binary);
  EXPECT_TRUE(in.good()) << "missing fixture " << name;
  std::ostringstream body;
  body << in.rdbuf();
  return body.str();
}

}  // namespace flowgate::collectors::prefect::testing
