// mesos-cni-port-mapper's CNI commands as skeleton callbacks.
#pragma once

#include "cni/spec/skel.hpp"

namespace mesos_port_mapper {

cni::Callbacks callbacks();

}  // namespace mesos_port_mapper
