// tuning's CNI commands as skeleton callbacks (tests and other binaries run them in-process).
#pragma once

#include "cni/spec/skel.hpp"

namespace tuning {

cni::Callbacks callbacks();

}  // namespace tuning
