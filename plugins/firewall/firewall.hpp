// firewall's CNI commands as skeleton callbacks (tests and other binaries run them in-process).
#pragma once

#include "cni/spec/skel.hpp"

namespace firewall {

cni::Callbacks callbacks();

}  // namespace firewall
