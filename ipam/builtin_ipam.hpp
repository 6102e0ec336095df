// The IPAM plugins every main plugin of this build carries, to run them in-process when
// CNI_PATH's binary of that name is this build's (cni::register_builtin): one exec fewer per
// ADD and DEL. Link the `builtin_ipam` target (ipam/static/CMakeLists.txt).
#pragma once

#include "cni/spec/delegate.hpp"
#include "host_local.hpp"
#include "static_ipam.hpp"

namespace cnipp {

inline void register_builtin_ipam() {
  cni::register_builtin("host-local", hostlocal::callbacks());
  cni::register_builtin("static", staticipam::callbacks());
}

}  // namespace cnipp
