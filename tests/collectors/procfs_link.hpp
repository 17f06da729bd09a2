#pragma once
// A temporary directory holding a symlink to the real /proc, so a test can
// make procfs disappear between two refreshes. Collectors tests only.

#include <unistd.h>

#include <filesystem>
#include <string>

namespace flowgate::collectors::testing {

class ProcfsLink {
 public:
  ProcfsLink() {
    std::string pattern = (std::filesystem::temp_directory_path() / "flowgate-procfs-XXXXXX").string();
    dir_ = ::mkdtemp(pattern.data());
    std::filesystem::create_directory_symlink("/proc", link());
  }
  ~ProcfsLink() {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  ProcfsLink(const ProcfsLink&) = delete;
  ProcfsLink& operator=(const ProcfsLink&) = delete;

  std::string path() const { return link().string(); }
  void remove() const { std::filesystem::remove(link()); }

 private:
  std::filesystem::path link() const { return dir_ / "proc"; }

  std::filesystem::path dir_;
};

}  // namespace flowgate::collectors::testing
