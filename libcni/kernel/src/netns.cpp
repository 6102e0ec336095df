#include "cni/kernel/netns.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "cni/base/error.hpp"

namespace cni {

namespace {
UniqueFd open_ns(const std::string& path, bool missing_ok, bool* missing) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    if (missing_ok && (errno == ENOENT || errno == ENOTDIR)) {
      *missing = true;
      return fd;
    }
    throw io_error("failed to open netns \"" + path + "\"", errno);
  }
  struct statfs sfs;
  if (::fstatfs(fd.get(), &sfs) != 0) throw io_error("failed to stat netns \"" + path + "\"", errno);
  // A bind-mounted ns file that was unmounted leaves an empty regular file behind: that
  // is "gone", not "wrong", for DEL's purposes.
  if (static_cast<unsigned long>(sfs.f_type) != NSFS_MAGIC) {
    struct stat st;
    if (missing_ok && ::fstat(fd.get(), &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0) {
      *missing = true;
      return UniqueFd();
    }
    throw Error(kInvalidEnvironment, "\"" + path + "\" is not a network namespace", "not on nsfs");
  }
  int type = ::ioctl(fd.get(), NS_GET_NSTYPE);
  if (type != CLONE_NEWNET)
    throw Error(kInvalidEnvironment, "\"" + path + "\" is not a network namespace", "a namespace of another type");
  return fd;
}
}  // namespace

Netns::Netns(UniqueFd fd, std::string path) : fd_(std::move(fd)), path_(std::move(path)) {
  struct stat st;
  if (::fstat(fd_.get(), &st) == 0) {
    dev_ = st.st_dev;
    ino_ = st.st_ino;
  }
}

Netns Netns::open(const std::string& path) {
  bool missing = false;
  return Netns(open_ns(path, false, &missing), path);
}

std::optional<Netns> Netns::try_open(const std::string& path) {
  bool missing = false;
  auto fd = open_ns(path, true, &missing);
  if (missing) return std::nullopt;
  return Netns(std::move(fd), path);
}

Netns Netns::current() { return open("/proc/thread-self/ns/net"); }

Netns::Switch::Switch(const Netns& target) {
  original.reset(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
  if (!original) throw io_error("failed to open the current netns", errno);
  if (::setns(target.fd(), CLONE_NEWNET) != 0) throw io_error("failed to enter netns \"" + target.path() + "\"", errno);
}

Netns::Switch::~Switch() {
  if (::setns(original.get(), CLONE_NEWNET) != 0) {
    std::fprintf(stderr, "fatal: failed to return to the original network namespace\n");
    std::abort();
  }
}

NetnsLock::NetnsLock(const Netns& ns) : fd_(ns.fd()) {
  while (::flock(fd_, LOCK_EX) != 0)
    if (errno != EINTR) throw io_error("failed to lock netns " + ns.path(), errno);
}

NetnsLock::~NetnsLock() { ::flock(fd_, LOCK_UN); }

}  // namespace cni
