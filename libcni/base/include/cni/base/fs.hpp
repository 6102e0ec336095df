// Files as plugins use them: a move-only fd, an flock'd lock file, small reads, exclusive
// creates that never follow a planted symlink, and atomic replacement.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cni {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() { reset(); }
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    if (this != &o) reset(o.release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  int release() {
    int f = fd_;
    fd_ = -1;
    return f;
  }
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

// An exclusive flock on `path` (created O_RDONLY|O_CREAT like go-filemutex, so the Go
// reference and we exclude each other), released on destruction.
class FileLock {
 public:
  explicit FileLock(const std::string& path);
  FileLock(FileLock&&) = default;

 private:
  UniqueFd fd_;
};

// The whole content of a small file; nullopt when it does not exist. Other errors throw
// Error(kIoFailure). Refuses to follow a symlink at the last component.
std::optional<std::string> read_file_if_exists(const std::string& path, size_t max_bytes = 1 << 20);

// A regular file's content with the owner and permission bits of the same open file, for
// files whose trust depends on who may write them (credentials, state another daemon
// writes). nullopt when it does not exist; a symlink at the last component, a
// non-regular file or a read error throws Error(kIoFailure).
struct OwnedFile {
  std::string content;
  unsigned uid = 0;
  unsigned mode = 0;  // permission bits (07777)
};
std::optional<OwnedFile> read_owned_file_if_exists(const std::string& path, size_t max_bytes = 1 << 20);

// Creates `path` holding `content`, exclusively: returns false when the path already exists
// (file, symlink, anything; a symlink is never followed); other errors throw. The file
// appears with its whole content or not at all (O_TMPFILE + linkat; plain O_EXCL create and
// write on filesystems without O_TMPFILE).
bool create_exclusive(const std::string& path, std::string_view content, int mode = 0600);

// Replaces `path` with `content` through a temp file (".<name>.tmp<pid>.<n>") + rename in
// the same directory, so a reader never sees a torn file and a planted symlink is replaced,
// not followed. `durable` fsyncs the content before the rename.
void write_file_atomic(const std::string& path, std::string_view content, int mode = 0600, bool durable = false);

// Overwrites a file in place (O_NOFOLLOW), as the reference does for last_reserved_ip, so
// the directory's entries do not churn: the new text is written over the old and a longer
// old tail cut off. A crash between the two can leave old bytes after the new text (the
// reference's O_TRUNC leaves an empty file instead): only for files whose readers treat
// damage as "no hint" (last_reserved_ip) or whose old content is empty (a torn lease).
void write_file_nofollow(const std::string& path, std::string_view content, int mode = 0600);

// mkdir -p with `mode` for created levels.
void make_dirs(const std::string& path, int mode = 0755);

// True when a plain name is safe as one path component: non-empty, no '/', no NUL, not
// "." or "..".
bool is_safe_component(std::string_view name);

}  // namespace cni
