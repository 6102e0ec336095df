#include "log.hpp"

#include <sys/time.h>

#include <cstdio>
#include <ctime>

namespace overlay {

namespace {
std::string& name() {
  static std::string n = "cnipp-overlay";
  return n;
}
}  // namespace

void set_log_name(const std::string& n) { name() = n; }

void log_line(const std::string& message) {
  timeval tv{};
  gettimeofday(&tv, nullptr);
  tm t{};
  gmtime_r(&tv.tv_sec, &t);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &t);
  std::fprintf(stderr, "%s.%03ldZ %s: %s\n", stamp, static_cast<long>(tv.tv_usec / 1000), name().c_str(),
               message.c_str());
  std::fflush(stderr);
}

}  // namespace overlay
