#include "rigc/file_io.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iterator>

namespace rigc {
namespace fs = std::filesystem;

namespace {

std::string describe_errno() {
  return std::strerror(errno);
}

bool write_atomically(const fs::path& path, const std::string& content, bool executable,
                      std::string& error) {
  return write_temporary(path, content, executable, error) && replace_with_temporary(path, error);
}

}  // namespace

// Read straight into `out`, in one read for a file that does not grow: `check`
// reads every output of a spec.
bool read_regular_file(const fs::path& path, std::string& out) {
  // O_NOFOLLOW refuses a link; O_NONBLOCK keeps a FIFO from blocking the open.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return false;
  }
  out.resize(static_cast<std::size_t>(st.st_size) + 1);
  std::size_t size = 0;
  for (;;) {
    if (size == out.size()) out.resize(out.size() * 2);
    const ssize_t n = ::read(fd, out.data() + size, out.size() - size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    size += static_cast<std::size_t>(n);
  }
  ::close(fd);
  out.resize(size);
  return true;
}

fs::path temporary_for(const fs::path& path, const char* kind) {
  return path.parent_path() /
         fmt::format(".{}{}.rigc-tmp-{}", path.filename().string(), kind, ::getpid());
}

bool write_temporary(const fs::path& path, const std::string& content, bool executable,
                     std::string& error, const char* kind) {
  const fs::path temporary = temporary_for(path, kind);
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
                        executable ? 0755 : 0644);
  if (fd < 0) {
    error = fmt::format("cannot write '{}': cannot create '{}': {}", path.string(),
                        temporary.filename().string(), describe_errno());
    return false;
  }
  const auto failed = [&]() {
    error = fmt::format("cannot write '{}': {}", path.string(), describe_errno());
    ::close(fd);
    ::unlink(temporary.c_str());
    return false;
  };
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return failed();
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fchmod(fd, executable ? 0755 : 0644) != 0 || ::fsync(fd) != 0) return failed();
  if (::close(fd) != 0) {
    error = fmt::format("cannot write '{}': {}", path.string(), describe_errno());
    ::unlink(temporary.c_str());
    return false;
  }
  return true;
}

bool replace_with_temporary(const fs::path& path, std::string& error, const char* kind) {
  const fs::path temporary = temporary_for(path, kind);
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    error = fmt::format("cannot replace '{}': {}", path.string(), describe_errno());
    ::unlink(temporary.c_str());
    return false;
  }
  return true;
}

std::string link_between(const fs::path& dir, const std::string& relative) {
  fs::path at = dir;
  const fs::path rel(relative);
  for (auto it = rel.begin(); it != rel.end() && std::next(it) != rel.end(); ++it) {
    at /= *it;
    std::error_code ec;
    const auto status = fs::symlink_status(at, ec);
    if (status.type() == fs::file_type::not_found) return "";  // to be created, as a directory
    if (ec || !fs::is_directory(status)) return at.string();
  }
  return "";
}

// Temporary files are regular files ".NAME.rigc-tmp-PID"; one is left over when
// its process is gone. Another build running now keeps its own.
void remove_leftovers(const fs::path& dir) {
  static const std::string marker = ".rigc-tmp-";
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string file = entry.path().filename().string();
    const auto at = file.rfind(marker);
    if (file[0] != '.' || at == std::string::npos || at < 2) continue;
    const std::string pid = file.substr(at + marker.size());
    if (pid.empty() || pid.size() > 9 || pid.find_first_not_of("0123456789") != std::string::npos)
      continue;
    std::error_code status_error;
    if (!fs::is_regular_file(fs::symlink_status(entry.path(), status_error))) continue;
    if (::kill(static_cast<pid_t>(std::stol(pid)), 0) == 0 || errno != ESRCH) continue;
    fs::remove(entry.path(), status_error);
  }
}

void sync_directory(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

bool write_file_atomically(const std::string& path, const std::string& content,
                           std::string& error) {
  const fs::path target(path);
  std::error_code ec;
  if (fs::is_symlink(fs::symlink_status(target, ec))) {
    error = fmt::format("refusing to write '{}': it is a symbolic link", path);
    return false;
  }
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  if (!write_atomically(dir / target.filename(), content, false, error)) return false;
  sync_directory(dir);
  return true;
}

}  // namespace rigc
