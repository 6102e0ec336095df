// mesos-cni-port-mapper's CNI commands as skeleton callbacks.
#pragma once

#include "cni/skel.hpp"

namespace mesos_port_mapper {

cni::Callbacks callbacks();

}  // namespace mesos_port_mapper
