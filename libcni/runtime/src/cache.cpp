#include "cni/runtime/cache.hpp"

#include <dirent.h>

#include <algorithm>
#include <cerrno>
#include <memory>

#include "cni/spec/config.hpp"
#include "cni/base/encoding.hpp"
#include "cni/base/error.hpp"
#include "cni/base/fs.hpp"

namespace cni {

namespace {
// Cache files hold a whole conflist and result; anything larger is not one of ours.
constexpr size_t kMaxCacheFile = 64 << 20;
}  // namespace

nlohmann::ordered_json CacheEntry::to_json() const {
  nlohmann::ordered_json j;
  j["kind"] = kCacheKind;
  j["containerId"] = container_id;
  j["config"] = base64_encode(config);
  j["ifName"] = ifname;
  j["networkName"] = network_name;
  // Go's omitempty: empty strings, lists and maps are left out.
  if (!netns.empty()) j["netns"] = netns;
  if (!cni_args.empty()) {
    auto args = nlohmann::ordered_json::array();
    for (const auto& [k, v] : cni_args) args.push_back({k, v});
    j["cniArgs"] = args;
  }
  if (capability_args.is_object() && !capability_args.empty()) j["capabilityArgs"] = capability_args;
  if (result.is_object() && !result.empty()) j["result"] = result;
  return j;
}

CacheEntry CacheEntry::from_json(const nlohmann::json& j) {
  auto bad = [](const std::string& why) { return Error(kDecodingFailure, "invalid cache entry: " + why); };
  if (!j.is_object()) throw bad("not a JSON object");
  CacheEntry e;
  try {
    // Inside the try: a "kind" of the wrong JSON type is a decoding failure like any other.
    if (j.value("kind", std::string{}) != kCacheKind) throw bad("kind is not " + std::string(kCacheKind));
    e.container_id = j.value("containerId", std::string{});
    if (j.contains("config") && !j["config"].is_null()) e.config = base64_decode(j["config"].get<std::string>());
    e.ifname = j.value("ifName", std::string{});
    e.network_name = j.value("networkName", std::string{});
    e.netns = j.value("netns", std::string{});
    if (j.contains("cniArgs") && !j["cniArgs"].is_null()) {
      for (const auto& kv : j["cniArgs"]) {
        if (!kv.is_array() || kv.size() != 2) throw bad("cniArgs entries must be [key, value]");
        e.cni_args.emplace_back(kv[0].get<std::string>(), kv[1].get<std::string>());
      }
    }
    if (j.contains("capabilityArgs") && j["capabilityArgs"].is_object()) e.capability_args = j["capabilityArgs"];
    if (j.contains("result") && !j["result"].is_null()) {
      if (!j["result"].is_object()) throw bad("result is not an object");
      e.result = j["result"];
    }
  } catch (const nlohmann::json::exception& ex) {
    throw bad(ex.what());
  }
  return e;
}

std::string ResultCache::path_for(const std::string& network, const std::string& container_id,
                                  const std::string& ifname) const {
  if (network.empty() || container_id.empty() || ifname.empty())
    throw Error(kInvalidEnvironment, "cache file path requires network name (\"" + network + "\"), container ID (\"" +
                                         container_id + "\"), and interface name (\"" + ifname + "\")");
  return results_dir() + "/" + network + "-" + container_id + "-" + ifname;
}

void ResultCache::write(const CacheEntry& entry) const {
  std::string path = path_for(entry.network_name, entry.container_id, entry.ifname);
  make_dirs(results_dir(), 0700);
  // Durable: the runtime's DEL after a host crash depends on finding this file.
  write_file_atomic(path, entry.to_json().dump(), 0600, /*durable=*/true);
}

std::optional<CacheEntry> ResultCache::read(const std::string& network, const std::string& container_id,
                                            const std::string& ifname) const {
  std::string path = path_for(network, container_id, ifname);
  auto data = read_file_if_exists(path, kMaxCacheFile);
  if (!data) return std::nullopt;
  try {
    return CacheEntry::from_json(parse_json(*data, "cache file " + path));
  } catch (const Error& e) {
    throw Error(kDecodingFailure, "unusable cache file " + path + ": " + e.msg(), e.details());
  }
}

void ResultCache::remove(const std::string& network, const std::string& container_id,
                         const std::string& ifname) const {
  std::string path = path_for(network, container_id, ifname);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) throw io_error("failed to remove cache file " + path, errno);
}

std::vector<CacheEntry> ResultCache::list() const {
  std::vector<std::string> names;
  DIR* d = opendir(results_dir().c_str());
  if (!d) return {};
  std::unique_ptr<DIR, int (*)(DIR*)> guard(d, closedir);
  while (auto* e = readdir(d)) {
    std::string n = e->d_name;
    if (n[0] != '.') names.push_back(n);  // ".", "..", and temp files of an interrupted write
  }
  std::sort(names.begin(), names.end());
  std::vector<CacheEntry> out;
  for (const auto& n : names) {
    try {
      auto data = read_file_if_exists(results_dir() + "/" + n, kMaxCacheFile);
      if (!data) continue;
      auto entry = CacheEntry::from_json(parse_json(*data, "cache file"));
      if (!entry.ifname.empty() && !entry.network_name.empty()) out.push_back(std::move(entry));
    } catch (const Error&) {
      // Torn or foreign files are not attachments; DEL of that attachment cleans them up.
    }
  }
  return out;
}

}  // namespace cni
