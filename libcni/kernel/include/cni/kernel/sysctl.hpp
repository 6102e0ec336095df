// /proc/sys writes for the namespace the caller is in (wrap in Netns::run_in for another).
#pragma once

#include <string>

namespace cni {

// key like "net/ipv4/conf/eth0/arp_notify". Throws Error(kIoFailure).
void sysctl_write(const std::string& key, const std::string& value);
std::string sysctl_read(const std::string& key);
// Writes only when the current value differs (the reference does this for forwarding).
// Returns true when it wrote.
bool sysctl_ensure(const std::string& key, const std::string& value);

// IP forwarding for `family` (4: net/ipv4/ip_forward, 6: net/ipv6/conf/all/forwarding),
// written only when not already 1, as the reference's ip.EnableForward.
void enable_forwarding(int family);

}  // namespace cni
