// cnipp-chain's CNI commands as skeleton callbacks.
#pragma once

#include "cni/spec/skel.hpp"

namespace chain {

cni::Callbacks callbacks();

}  // namespace chain
