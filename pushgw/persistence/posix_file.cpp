#include "pushgw/persistence/posix_file.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace flowgate::pushgw::persistence {

FileError file_error(const std::filesystem::path& path, std::string_view what, int error_number) {
  return FileError(path.string() + ": " + std::string(what) + ": " + std::strerror(error_number), error_number);
}

File::~File() {
  if (fd_ >= 0) ::close(fd_);
}

File& File::operator=(File&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
  }
  return *this;
}

boost::system::result<File, FileError> File::open(const std::filesystem::path& path, int flags, int mode) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
  if (fd < 0) return file_error(path, "cannot open", errno);
  return File(fd, path);
}

boost::system::result<void, FileError> File::write_all(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t written = ::write(fd_, bytes.data(), bytes.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return file_error(path_, "cannot write", errno);
    }
    bytes.remove_prefix(static_cast<std::size_t>(written));
  }
  return {};
}

boost::system::result<void, FileError> File::datasync() {
  if (::fdatasync(fd_) != 0) return file_error(path_, "cannot sync", errno);
  return {};
}

boost::system::result<void, FileError> File::truncate(std::uint64_t size) {
  if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) return file_error(path_, "cannot truncate", errno);
  return {};
}

boost::system::result<std::uint64_t, FileError> File::size() const {
  struct stat status {};
  if (::fstat(fd_, &status) != 0) return file_error(path_, "cannot stat", errno);
  return static_cast<std::uint64_t>(status.st_size);
}

boost::system::result<std::string, FileError> File::read_all() const {
  std::string content;
  if (auto known = size(); known) content.reserve(static_cast<std::size_t>(*known));
  char buffer[1 << 16];
  off_t offset = 0;
  while (true) {
    const ssize_t count = ::pread(fd_, buffer, sizeof buffer, offset);
    if (count < 0) {
      if (errno == EINTR) continue;
      return file_error(path_, "cannot read", errno);
    }
    if (count == 0) return content;
    content.append(buffer, static_cast<std::size_t>(count));
    offset += count;
  }
}

boost::system::result<void, FileError> File::close() {
  const int fd = std::exchange(fd_, -1);
  if (fd >= 0 && ::close(fd) != 0) return file_error(path_, "cannot close", errno);
  return {};
}

boost::system::result<File, FileError> lock_file(const std::filesystem::path& path) {
  auto file = File::open(path, O_RDWR | O_CREAT, 0600);
  if (!file) return file.error();
  if (::flock(file->fd(), LOCK_EX | LOCK_NB) != 0) return file_error(path, "cannot lock", errno);
  return file;
}

boost::system::result<void, FileError> sync_folder(const std::filesystem::path& folder) {
  auto dir = File::open(folder.empty() ? std::filesystem::path(".") : folder, O_RDONLY | O_DIRECTORY);
  if (!dir) return dir.error();
  if (::fsync(dir->fd()) != 0) return file_error(folder, "cannot sync the folder", errno);
  return {};
}

}  // namespace flowgate::pushgw::persistence
