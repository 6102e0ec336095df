// host-local's CNI commands (ADD, DEL, CHECK, STATUS, GC) as skeleton callbacks.
#pragma once

#include "cni/spec/skel.hpp"

namespace hostlocal {

cni::Callbacks callbacks();

}  // namespace hostlocal
