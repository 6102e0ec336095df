// bridge's CNI commands (ADD, DEL, CHECK, STATUS, GC) as skeleton callbacks, so meta
// plugins that delegate to bridge (mesos-cni-port-mapper, cnipp-overlay) can run it
// in-process (cni::register_builtin).
#pragma once

#include "cni/spec/skel.hpp"

namespace bridge {

cni::Callbacks callbacks();

}  // namespace bridge
