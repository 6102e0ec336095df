// cnipp-overlay: attaches containers to this agent's share of a cnipp VXLAN overlay.
#include "bridge.hpp"
#include "cni/spec/delegate.hpp"
#include "cni/spec/skel.hpp"
#include "host_local.hpp"
#include "plugin.hpp"

int main() {
  // bridge runs in this process (bridge::callbacks()); its host-local too, when CNI_PATH's
  // host-local is this build's.
  cni::register_builtin("host-local", hostlocal::callbacks());
  return cni::plugin_main({"cnipp-overlay", "attaches containers to this agent's subnet of a cnipp VXLAN overlay"},
                          overlay_plugin::callbacks());
}
