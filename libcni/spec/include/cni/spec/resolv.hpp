// resolv.conf parsing for IPAM's `resolvConf` key: nameserver, domain, search and options
// lines become a Dns; everything else (comments, unknown keywords) is ignored, as the
// reference does.
#pragma once

#include <string>
#include <string_view>

#include "cni/spec/result.hpp"

namespace cni {

Dns parse_resolv_conf(std::string_view text);
// Reads and parses a file; Error(kIoFailure) when it cannot be read.
Dns read_resolv_conf(const std::string& path);

}  // namespace cni
