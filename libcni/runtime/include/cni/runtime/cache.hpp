// The runtime's result cache, byte-compatible with libcni's: one JSON file per attachment at
// <cacheDir>/results/<network>-<containerID>-<ifname>, so a runtime on the reference libcni
// can DEL what we added and the other way round.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace cni {

inline constexpr const char* kDefaultCacheDir = "/var/lib/cni";
inline constexpr const char* kCacheKind = "cniCacheV1";

// libcni's cachedInfo. Field order and names follow its JSON tags; `config` is the raw
// conflist bytes (base64 on disk, as Go encodes []byte).
struct CacheEntry {
  std::string container_id;
  std::string config;
  std::string ifname;
  std::string network_name;
  std::string netns;  // HEAD libcni; omitted when empty
  std::vector<std::pair<std::string, std::string>> cni_args;
  nlohmann::json capability_args = nlohmann::json::object();
  nlohmann::json result;  // the final ADD result as JSON object (null: none)

  nlohmann::ordered_json to_json() const;
  // Throws Error(kDecodingFailure) when `j` is not a cniCacheV1 entry.
  static CacheEntry from_json(const nlohmann::json& j);
};

class ResultCache {
 public:
  explicit ResultCache(std::string dir = kDefaultCacheDir) : dir_(std::move(dir)) {}

  const std::string& dir() const { return dir_; }
  std::string results_dir() const { return dir_ + "/results"; }
  // Error(kInvalidEnvironment) when a part is empty (libcni refuses those too).
  std::string path_for(const std::string& network, const std::string& container_id,
                       const std::string& ifname) const;

  // Creates results/ with mode 0700 and writes the file with mode 0600 atomically
  // (temporary file in the same directory, fsync, rename), so a crash leaves either the
  // old file or the new one, never half of one.
  void write(const CacheEntry& entry) const;
  // nullopt when there is no file (or it cannot be read); Error(kDecodingFailure) when it
  // exists but is torn, empty or not a cniCacheV1 entry.
  std::optional<CacheEntry> read(const std::string& network, const std::string& container_id,
                                 const std::string& ifname) const;
  void remove(const std::string& network, const std::string& container_id, const std::string& ifname) const;
  // GetCachedAttachments: every readable cniCacheV1 entry with ifName and networkName set,
  // in file-name order; unreadable files are skipped.
  std::vector<CacheEntry> list() const;

 private:
  std::string dir_;
};

}  // namespace cni
