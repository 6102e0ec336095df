#include "cni/spec/resolv.hpp"

#include <sstream>
#include <vector>

#include "cni/base/error.hpp"
#include "cni/base/fs.hpp"

namespace cni {

Dns parse_resolv_conf(std::string_view text) {
  Dns dns;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string line(text.substr(pos, end - pos));
    pos = end + 1;
    std::istringstream in(line);
    std::vector<std::string> fields;
    for (std::string f; in >> f;) fields.push_back(f);
    if (fields.size() < 2 || fields[0][0] == '#' || fields[0][0] == ';') continue;
    if (fields[0] == "nameserver") dns.nameservers.push_back(fields[1]);
    else if (fields[0] == "domain") dns.domain = fields[1];
    else if (fields[0] == "search") dns.search.insert(dns.search.end(), fields.begin() + 1, fields.end());
    else if (fields[0] == "options") dns.options.insert(dns.options.end(), fields.begin() + 1, fields.end());
  }
  return dns;
}

Dns read_resolv_conf(const std::string& path) {
  auto text = read_file_if_exists(path);
  if (!text) throw Error(kIoFailure, "failed to read resolvConf " + path + ": No such file or directory");
  return parse_resolv_conf(*text);
}

}  // namespace cni
