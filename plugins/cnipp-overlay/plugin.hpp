// The cnipp-overlay plugin's commands. A meta plugin in flannel's manner: it reads the
// agent's state file (written by cnipp-overlayd) and runs our bridge, with host-local on the
// agent's subnet, in this process. It never talks to ZooKeeper.
#pragma once

#include "cni/spec/skel.hpp"

namespace overlay_plugin {

cni::Callbacks callbacks();

}  // namespace overlay_plugin
