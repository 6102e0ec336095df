// bandwidth's CNI commands as skeleton callbacks (tests and other binaries run them in-process).
#pragma once

#include "cni/spec/skel.hpp"

namespace bandwidth {

cni::Callbacks callbacks();

}  // namespace bandwidth
