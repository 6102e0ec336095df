#include "cni/base/fs.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <random>

#include "cni/base/error.hpp"

namespace cni {

void UniqueFd::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

FileLock::FileLock(const std::string& path) {
  fd_.reset(::open(path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0750));
  if (!fd_) throw io_error("failed to open lock file " + path, errno);
  while (flock(fd_.get(), LOCK_EX) != 0) {
    if (errno != EINTR) throw io_error("failed to lock " + path, errno);
  }
}

namespace {
std::string read_all(int fd, const std::string& path, size_t max_bytes) {
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw io_error("failed to read " + path, errno);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > max_bytes) throw Error(kIoFailure, "file " + path + " is larger than expected");
  }
  return out;
}

UniqueFd open_nofollow(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd && errno != ENOENT) throw io_error("failed to open " + path, errno);
  return fd;
}
}  // namespace

std::optional<std::string> read_file_if_exists(const std::string& path, size_t max_bytes) {
  UniqueFd fd = open_nofollow(path);
  if (!fd) return std::nullopt;
  return read_all(fd.get(), path, max_bytes);
}

std::optional<OwnedFile> read_owned_file_if_exists(const std::string& path, size_t max_bytes) {
  UniqueFd fd = open_nofollow(path);
  if (!fd) return std::nullopt;
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) throw io_error("failed to stat " + path, errno);
  if (!S_ISREG(st.st_mode)) throw Error(kIoFailure, path + " is not a regular file");
  // The owner and mode are those of the very file read (fstat on the open fd), so a swap
  // between a check and the read cannot pass one file's metadata off for another's content.
  return OwnedFile{read_all(fd.get(), path, max_bytes), st.st_uid, st.st_mode & 07777};
}

namespace {
void write_all(int fd, std::string_view content, const std::string& path) {
  const char* p = content.data();
  size_t left = content.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw io_error("failed to write " + path, errno);
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
}
}  // namespace

namespace {
std::string parent_dir(const std::string& path) {
  auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// Links an anonymous O_TMPFILE file into place under `path`. Through /proc/self/fd because
// linkat's AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH, which a plugin in a user namespace lacks.
int link_tmpfile(int fd, const std::string& path) {
  std::string proc = "/proc/self/fd/" + std::to_string(fd);
  return ::linkat(AT_FDCWD, proc.c_str(), AT_FDCWD, path.c_str(), AT_SYMLINK_FOLLOW);
}
}  // namespace

bool create_exclusive(const std::string& path, std::string_view content, int mode) {
  // The content is written before the name exists, so a crash (SIGKILL, not power loss)
  // can never leave an empty or half-written file under `path`.
  UniqueFd anon(::open(parent_dir(path).c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, mode));
  if (anon) {
    write_all(anon.get(), content, path);
    if (link_tmpfile(anon.get(), path) == 0) return true;
    if (errno == EEXIST) return false;
    if (errno != ENOENT) throw io_error("failed to create " + path, errno);
    // ENOENT: no /proc; fall through to the plain create.
  } else if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL) {
    throw io_error("failed to create " + path, errno);
  }
  // Filesystems without O_TMPFILE: create, then write (what the reference does).
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode));
  if (!fd) {
    if (errno == EEXIST) return false;
    throw io_error("failed to create " + path, errno);
  }
  try {
    write_all(fd.get(), content, path);
  } catch (...) {
    ::unlink(path.c_str());
    throw;
  }
  return true;
}

void write_file_atomic(const std::string& path, std::string_view content, int mode, bool durable) {
  static std::mt19937_64 rng{std::random_device{}()};
  // A dot name, so directory listings (the result cache's) can skip a temp file that a
  // crash between write and rename left behind.
  auto slash = path.find_last_of('/');
  std::string tmp = path.substr(0, slash == std::string::npos ? 0 : slash + 1) + "." +
                    path.substr(slash == std::string::npos ? 0 : slash + 1) + ".tmp" + std::to_string(getpid()) +
                    "." + std::to_string(rng() % 1000000);
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode));
  if (!fd) throw io_error("failed to create " + tmp, errno);
  try {
    write_all(fd.get(), content, tmp);
    if (durable && ::fsync(fd.get()) != 0) throw io_error("failed to sync " + tmp, errno);
    if (::rename(tmp.c_str(), path.c_str()) != 0) throw io_error("failed to rename " + tmp + " to " + path, errno);
  } catch (...) {
    ::unlink(tmp.c_str());
    throw;
  }
}

void write_file_nofollow(const std::string& path, std::string_view content, int mode) {
  // No O_TRUNC: truncating a file to zero makes ext4 free its block (a discard on disks
  // mounted with it) and start writeback at close ("auto_da_alloc"), ~0.2 ms per call on the
  // usual root filesystem. Writing over the old text and trimming the tail keeps the block.
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, mode));
  if (!fd) throw io_error("failed to write " + path, errno);
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) throw io_error("failed to stat " + path, errno);
  write_all(fd.get(), content, path);
  if (st.st_size > static_cast<off_t>(content.size()) && ::ftruncate(fd.get(), static_cast<off_t>(content.size())) != 0)
    throw io_error("failed to truncate " + path, errno);
}

void make_dirs(const std::string& path, int mode) {
  if (path.empty()) return;
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) throw Error(kIoFailure, path + " exists and is not a directory");
    return;
  }
  auto slash = path.find_last_of('/');
  if (slash != std::string::npos && slash > 0) make_dirs(path.substr(0, slash), mode);
  if (::mkdir(path.c_str(), static_cast<mode_t>(mode)) != 0 && errno != EEXIST)
    throw io_error("failed to create directory " + path, errno);
}

bool is_safe_component(std::string_view name) {
  if (name.empty() || name == "." || name == "..") return false;
  for (char c : name)
    if (c == '/' || c == '\0') return false;
  return true;
}

}  // namespace cni
