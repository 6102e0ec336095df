#include "cni/kernel/sysctl.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "cni/base/error.hpp"
#include "cni/base/fs.hpp"

namespace cni {

namespace {
std::string path_of(const std::string& key) {
  if (key.find("..") != std::string::npos || key.empty() || key[0] == '/')
    throw Error(kInternal, "invalid sysctl key \"" + key + "\"");
  return "/proc/sys/" + key;
}
}  // namespace

void sysctl_write(const std::string& key, const std::string& value) {
  auto path = path_of(key);
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) throw io_error("failed to set sysctl " + key, errno);
  if (::write(fd.get(), value.data(), value.size()) != static_cast<ssize_t>(value.size()))
    throw io_error("failed to set sysctl " + key + "=" + value, errno);
}

std::string sysctl_read(const std::string& key) {
  auto v = read_file_if_exists(path_of(key), 4096);
  if (!v) throw Error(kIoFailure, "sysctl " + key + " does not exist");
  while (!v->empty() && (v->back() == '\n' || v->back() == ' ')) v->pop_back();
  return *v;
}

bool sysctl_ensure(const std::string& key, const std::string& value) {
  if (sysctl_read(key) == value) return false;
  sysctl_write(key, value);
  return true;
}

void enable_forwarding(int family) {
  sysctl_ensure(family == 4 ? "net/ipv4/ip_forward" : "net/ipv6/conf/all/forwarding", "1");
}

}  // namespace cni
