#pragma once
// The few POSIX file operations persistence needs, with errors as sentences
// that name the file and carry strerror's text. Not thread-safe per object.

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>

#include <boost/system/result.hpp>

namespace flowgate::pushgw::persistence {

struct FileError {
  FileError() = default;
  FileError(std::string sentence, int error_number) : message(std::move(sentence)), errno_value(error_number) {}
  std::string message;  // "<path>: cannot write: No space left on device"
  int errno_value = 0;
};

class File {
 public:
  File() = default;
  explicit File(int fd, std::filesystem::path path) : fd_(fd), path_(std::move(path)) {}
  ~File();
  File(File&& other) noexcept : fd_(std::exchange(other.fd_, -1)), path_(std::move(other.path_)) {}
  File& operator=(File&& other) noexcept;
  File(const File&) = delete;
  File& operator=(const File&) = delete;

  static boost::system::result<File, FileError> open(const std::filesystem::path& path, int flags, int mode = 0600);

  bool is_open() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  const std::filesystem::path& path() const { return path_; }

  // Writes all of `bytes` (retrying short writes and EINTR).
  boost::system::result<void, FileError> write_all(std::string_view bytes);
  boost::system::result<void, FileError> datasync();
  boost::system::result<void, FileError> truncate(std::uint64_t size);
  boost::system::result<std::uint64_t, FileError> size() const;
  // The whole file from the start.
  boost::system::result<std::string, FileError> read_all() const;
  boost::system::result<void, FileError> close();

 private:
  int fd_ = -1;
  std::filesystem::path path_;
};

// Opens (creating) `path` and takes an exclusive flock on it without
// waiting; the lock lasts as long as the File. errno_value EWOULDBLOCK: held.
boost::system::result<File, FileError> lock_file(const std::filesystem::path& path);

// fsync of a folder, so a create, rename or unlink in it is durable.
boost::system::result<void, FileError> sync_folder(const std::filesystem::path& folder);

FileError file_error(const std::filesystem::path& path, std::string_view what, int error_number);

}  // namespace flowgate::pushgw::persistence
