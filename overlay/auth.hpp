// ZooKeeper credentials from an operator's file (`--auth-file`): one line
// "digest USER:PASSWORD". The password lets its holder rewrite every agent's routes, so the
// file is refused unless root owns it and neither group nor others may read or write it.
#pragma once

#include <string>

namespace overlay {

struct Credentials {
  std::string scheme;  // "digest"
  std::string user;
  std::string password;
  std::string cert() const { return user + ":" + password; }  // what zoo_add_auth takes
};

// Throws cni::Error with a message an operator can act on.
Credentials load_auth_file(const std::string& path);
// The same rules on text already read (for tests and the fuzz target).
Credentials parse_auth(const std::string& text_in, const std::string& path);

}  // namespace overlay
