#include "store.hpp"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "cni/base/error.hpp"

namespace hostlocal {

using cni::Error;
using cni::IpAddr;

namespace {
constexpr const char* kLastReservedPrefix = "last_reserved_ip.";

std::string trim(const std::string& s) {
  const char* ws = " \t\r\n\v\f";
  auto b = s.find_first_not_of(ws);
  if (b == std::string::npos) return "";
  auto e = s.find_last_not_of(ws);
  return s.substr(b, e - b + 1);
}
}  // namespace

Store::Store(std::string data_dir, std::string network) : data_dir_(std::move(data_dir)), network_(std::move(network)) {
  // The skeleton validated the name already; this guards every other caller, because the
  // name becomes a directory and must never climb out of dataDir.
  if (!cni::is_safe_component(network_))
    throw Error(cni::kInvalidNetworkConfig, "invalid network name \"" + network_ + "\" for a lease directory");
  lease_dir_ = data_dir_ + "/" + network_;
  index_dir_ = data_dir_ + "/.cnipp-index/" + network_;
}

bool Store::lease_dir_exists() const {
  struct stat st;
  return ::stat(lease_dir_.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

void Store::lock() {
  cni::make_dirs(lease_dir_, 0755);
  lock_.emplace(lease_dir_ + "/lock");
}

std::string Store::lease_content(const std::string& id, const std::string& ifname) {
  return trim(id) + "\r\n" + ifname;
}

bool Store::reserve(const IpAddr& ip, const std::string& id, const std::string& ifname, int set_index) {
  if (!cni::create_exclusive(lease_path(ip), lease_content(id, ifname), 0600)) return false;
  cni::write_file_nofollow(last_reserved_path(set_index), ip.str(), 0600);
  return true;
}

std::string Store::last_reserved_path(int set_index) const {
  return lease_dir_ + "/" + kLastReservedPrefix + std::to_string(set_index);
}

std::optional<std::string> Store::last_reserved_raw(int set_index) const {
  return cni::read_file_if_exists(last_reserved_path(set_index), 4096);
}

std::optional<IpAddr> Store::parse_last_reserved(const std::optional<std::string>& raw) {
  if (!raw) return std::nullopt;
  return IpAddr::parse(trim(*raw));
}

void Store::restore_last_reserved(int set_index, const std::optional<std::string>& raw) {
  const std::string path = last_reserved_path(set_index);
  if (raw) cni::write_file_nofollow(path, *raw, 0600);
  else ::unlink(path.c_str());
}

void Store::remove_lease(const IpAddr& ip) {
  if (::unlink(lease_path(ip).c_str()) != 0 && errno != ENOENT)
    throw cni::io_error("failed to release " + lease_path(ip), errno);
}

std::optional<Lease> Store::read_lease(const IpAddr& ip) const {
  std::optional<std::string> text;
  try {
    text = cni::read_file_if_exists(lease_path(ip), 4096);
  } catch (const Error&) {
    // A lease we cannot read (a planted symlink, say) belongs to nobody we can name.
    return Lease{ip, {}, {}};
  }
  if (!text) return std::nullopt;
  Lease l{ip, {}, {}};
  auto t = trim(*text);
  auto br = t.find("\r\n");
  if (br == std::string::npos) {
    l.container_id = t;
  } else {
    l.container_id = trim(t.substr(0, br));
    l.ifname = trim(t.substr(br + 2));
  }
  return l;
}

void Store::rewrite_lease(const IpAddr& ip, const std::string& id, const std::string& ifname) {
  cni::write_file_nofollow(lease_path(ip), lease_content(id, ifname), 0600);
}

std::vector<Lease> Store::scan() const {
  std::vector<Lease> out;
  DIR* d = ::opendir(lease_dir_.c_str());
  if (!d) {
    if (errno == ENOENT) return out;
    throw cni::io_error("failed to read lease directory " + lease_dir_, errno);
  }
  while (struct dirent* e = ::readdir(d)) {
    if (e->d_type != DT_REG && e->d_type != DT_UNKNOWN) continue;
    auto ip = IpAddr::parse(e->d_name);
    if (!ip) continue;  // lock, last_reserved_ip.*, anything foreign
    if (auto l = read_lease(*ip)) out.push_back(*l);
  }
  ::closedir(d);
  return out;
}

std::optional<std::string> Store::index_path(const std::string& id, const std::string& ifname) const {
  std::string name = trim(id) + "@" + ifname;
  if (name.size() > 250 || !cni::is_safe_component(name)) return std::nullopt;
  return index_dir_ + "/" + name;
}

std::optional<std::vector<IpAddr>> Store::read_index(const std::string& path) {
  std::optional<std::string> text;
  try {
    text = cni::read_file_if_exists(path, 1 << 16);
  } catch (const Error&) {
    return std::nullopt;  // the index is a hint; an unreadable entry names nothing
  }
  if (!text) return std::nullopt;
  std::vector<IpAddr> ips;
  for (size_t pos = 0; pos < text->size();) {
    size_t end = std::min(text->find('\n', pos), text->size());
    if (auto ip = IpAddr::parse(std::string_view(*text).substr(pos, end - pos))) ips.push_back(*ip);
    pos = end + 1;
  }
  return ips;
}

void Store::write_index(const std::string& id, const std::string& ifname, const std::vector<IpAddr>& ips) {
  auto path = index_path(id, ifname);
  if (!path) return;
  std::string text;
  for (const auto& ip : ips) text += ip.str() + "\n";
  try {
    // Replace by unlink + exclusive create rather than temp file + rename: a crash in
    // between leaves no index entry (the scan covers that), never a stray temp file.
    cni::make_dirs(index_dir_, 0700);
    ::unlink(path->c_str());
    cni::create_exclusive(*path, text, 0600);
  } catch (const Error&) {
    // The index only saves time; the leases themselves are the truth.
  }
}

void Store::drop_index(const std::string& id, const std::string& ifname) {
  if (auto path = index_path(id, ifname)) ::unlink(path->c_str());
}

bool Store::indexed_lease_holds(const IpAddr& ip, const std::string& id, const std::string& ifname) const {
  auto l = read_lease(ip);  // verify: the reference may have released and reused it
  // A torn lease that the attachment's index names is its own: the index is written after
  // the lease, by the same ADD.
  return l && (l->torn() || (l->container_id == id && l->ifname == ifname));
}

void Store::prune_index() {
  for (const auto& e : index_entries()) {
    auto held = [&](const IpAddr& ip) { return indexed_lease_holds(ip, e.container_id, e.ifname); };
    if (std::none_of(e.ips.begin(), e.ips.end(), held)) drop_index(e.container_id, e.ifname);
  }
}

std::vector<IpAddr> Store::find(const std::string& id, const std::string& ifname, bool scan_if_unindexed) {
  const std::string want_id = trim(id);
  std::vector<IpAddr> found;
  bool indexed = false;
  if (auto path = index_path(id, ifname)) {
    if (auto ips = read_index(*path)) {
      indexed = true;
      for (const auto& ip : *ips)
        if (indexed_lease_holds(ip, want_id, ifname)) found.push_back(ip);
    }
  }
  if ((!indexed || found.empty()) && scan_if_unindexed) {
    for (const auto& l : scan())
      if (l.container_id == want_id && l.ifname == ifname) found.push_back(l.ip);
  }
  std::sort(found.begin(), found.end());
  found.erase(std::unique(found.begin(), found.end()), found.end());
  return found;
}

size_t Store::release(const std::string& id, const std::string& ifname, std::vector<IpAddr>* torn_seen) {
  auto ips = find(id, ifname, /*scan_if_unindexed=*/false);
  if (ips.empty()) {
    // One scan for both forms: exact (id, ifname) leases, and leases written before
    // ifnames were recorded, which hold only the container ID.
    const std::string want_id = trim(id);
    std::vector<IpAddr> legacy;
    for (const auto& l : scan()) {
      if (l.torn() && torn_seen) torn_seen->push_back(l.ip);
      if (l.container_id != want_id) continue;
      if (l.ifname == ifname) ips.push_back(l.ip);
      else if (l.ifname.empty()) legacy.push_back(l.ip);
    }
    if (ips.empty()) ips = legacy;
  }
  for (const auto& ip : ips) remove_lease(ip);
  drop_index(id, ifname);
  return ips.size();
}

std::vector<IndexEntry> Store::index_entries() const {
  std::vector<IndexEntry> out;
  DIR* d = ::opendir(index_dir_.c_str());
  if (!d) return out;
  while (struct dirent* e = ::readdir(d)) {
    // "<containerID>@<ifname>": container IDs have no '@', ifnames may.
    std::string name = e->d_name;
    auto at = name.find('@');
    if (name[0] == '.' || at == std::string::npos) continue;
    if (auto ips = read_index(index_dir_ + "/" + name))
      out.push_back({name.substr(0, at), name.substr(at + 1), std::move(*ips)});
  }
  ::closedir(d);
  return out;
}

}  // namespace hostlocal
