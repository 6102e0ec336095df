// What every test program and the overlay's test bed (overlay/testbed) share: shell commands
// on the host, names unique to the process, whole files. No Catch2 and no libcni, so the
// test bed and the benchmark that runs on it link it as the test tiers do.
#pragma once

#include <string>

namespace test {

// Runs a shell command on the host and returns stdout (rc via pointer; 128 when killed).
std::string sh(const std::string& cmd, int* rc = nullptr);

// A name unique to this process and call, safe as netns/bridge/dir name (≤15 chars
// when prefix ≤ 5 chars), e.g. unique_name("br") -> "br3f2a01".
std::string unique_name(const std::string& prefix);

// A file's bytes; "" when it cannot be read.
std::string read_file(const std::string& path);

}  // namespace test
