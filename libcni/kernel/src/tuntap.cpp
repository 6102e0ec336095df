#include "cni/kernel/tuntap.hpp"

#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sys/ioctl.h>

#include <cerrno>
#include <cstring>

#include "cni/base/error.hpp"
#include "cni/base/fs.hpp"

namespace cni {

void create_tap(const std::string& name, const TapOptions& o) {
  UniqueFd fd(::open("/dev/net/tun", O_RDWR | O_CLOEXEC));
  if (!fd) throw io_error("failed to open /dev/net/tun", errno);
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, name.c_str(), IFNAMSIZ - 1);
  // The flags a process attaching later asks for (vnet_hdr, pi) replace these; only
  // multi-queue must match, so it is the one that matters here.
  ifr.ifr_flags = static_cast<short>(IFF_TAP | IFF_NO_PI | IFF_VNET_HDR | IFF_TUN_EXCL |
                                     (o.multi_queue ? IFF_MULTI_QUEUE : 0));
  if (::ioctl(fd.get(), TUNSETIFF, &ifr) != 0) throw io_error("failed to create tap \"" + name + "\"", errno);
  // Until TUNSETPERSIST the device lives only as long as this fd: an error below leaves nothing.
  if (o.owner && ::ioctl(fd.get(), TUNSETOWNER, static_cast<unsigned long>(*o.owner)) != 0)
    throw io_error("failed to set the owner of tap \"" + name + "\"", errno);
  if (o.group && ::ioctl(fd.get(), TUNSETGROUP, static_cast<unsigned long>(*o.group)) != 0)
    throw io_error("failed to set the group of tap \"" + name + "\"", errno);
  if (::ioctl(fd.get(), TUNSETPERSIST, 1UL) != 0) throw io_error("failed to make tap \"" + name + "\" persistent", errno);
}

}  // namespace cni
