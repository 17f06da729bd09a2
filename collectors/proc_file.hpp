#pragma once
// Whole-file reads of procfs files, which report a size of 0 and so must be
// read until EOF. Safe from any thread.

#include <optional>
#include <string>

namespace flowgate::collectors {

// The contents of `path`, or nothing when it cannot be opened or read.
std::optional<std::string> read_proc_file(const std::string& path);

}  // namespace flowgate::collectors
