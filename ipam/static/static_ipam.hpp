// static IPAM's CNI commands as skeleton callbacks.
#pragma once

#include "cni/skel.hpp"

namespace staticipam {

cni::Callbacks callbacks();

}  // namespace staticipam
