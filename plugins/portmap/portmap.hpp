// portmap's CNI commands as skeleton callbacks (cnipp-chain and tests run them in-process).
#pragma once

#include "cni/spec/skel.hpp"

namespace portmap {

cni::Callbacks callbacks();

}  // namespace portmap
