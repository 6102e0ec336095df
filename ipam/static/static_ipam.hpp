// static IPAM's CNI commands as skeleton callbacks.
#pragma once

#include "cni/spec/skel.hpp"

namespace staticipam {

cni::Callbacks callbacks();

}  // namespace staticipam
