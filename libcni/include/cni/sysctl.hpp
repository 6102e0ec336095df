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

}  // namespace cni
