// One line per event on stderr, with a UTC timestamp and the program's name (journald and
// `docker logs` style collectors keep stderr; no log files to rotate).
#pragma once

#include <string>

namespace overlay {

void set_log_name(const std::string& name);  // e.g. "cnipp-overlayd[net1]"
void log_line(const std::string& message);

}  // namespace overlay
