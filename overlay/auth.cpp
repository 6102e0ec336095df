#include "auth.hpp"

#include <cstdio>

#include "cni/base/error.hpp"
#include "cni/base/fs.hpp"

namespace overlay {

namespace {
[[noreturn]] void refuse(const std::string& path, const std::string& why) {
  throw cni::Error(cni::kInvalidNetworkConfig, "auth file " + path + ": " + why);
}
bool printable(const std::string& s) {
  for (unsigned char c : s)
    if (c <= 0x20 || c == 0x7f) return false;
  return true;
}
}  // namespace

Credentials parse_auth(const std::string& text_in, const std::string& path) {
  std::string text = text_in;
  if (!text.empty() && text.back() == '\n') text.pop_back();
  if (!text.empty() && text.back() == '\r') text.pop_back();
  if (text.find('\n') != std::string::npos) refuse(path, "must hold exactly one line: digest USER:PASSWORD");
  auto space = text.find(' ');
  if (space == std::string::npos) refuse(path, "expected \"digest USER:PASSWORD\"");
  Credentials c;
  c.scheme = text.substr(0, space);
  if (c.scheme != "digest") refuse(path, "unsupported scheme \"" + c.scheme + "\" (only \"digest\")");
  auto cred = text.substr(space + 1);
  auto colon = cred.find(':');
  if (colon == std::string::npos) refuse(path, "expected \"digest USER:PASSWORD\"");
  c.user = cred.substr(0, colon);
  c.password = cred.substr(colon + 1);
  if (c.user.empty() || !printable(c.user)) refuse(path, "the user name is empty or holds spaces or control characters");
  if (c.password.empty() || !printable(c.password))
    refuse(path, "the password is empty or holds spaces or control characters");
  return c;
}

Credentials load_auth_file(const std::string& path) {
  std::optional<cni::OwnedFile> f;
  try {
    f = cni::read_owned_file_if_exists(path, 4096);
  } catch (const cni::Error& e) {
    refuse(path, e.msg());
  }
  if (!f) refuse(path, "does not exist");
  if (f->uid != 0 || (f->mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", f->mode);
    refuse(path, "must be owned by root and not accessible to group or others (chown root; chmod 0600); it is owned "
                 "by uid " + std::to_string(f->uid) + " with mode " + mode);
  }
  return parse_auth(f->content, path);
}

}  // namespace overlay
