// The lease store, byte-compatible with the reference's backend/disk:
//   <dataDir>/<network>/<ip>                  "containerID\r\nifname", 0600, O_EXCL
//   <dataDir>/<network>/last_reserved_ip.<n>  the last IP reserved in range set n
//   <dataDir>/<network>/lock                  flock'd for every operation
// plus our attachment index, outside the reference's directory so it never sees it:
//   <dataDir>/.cnipp-index/<network>/<containerID>@<ifname>   the IPs, one per line
// The index is a hint: every IP it names is verified against its lease file, and a missing
// or stale entry falls back to scanning the lease directory (the reference may share it).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cni/base/fs.hpp"
#include "cni/base/ip.hpp"

namespace hostlocal {

struct Lease {
  cni::IpAddr ip;
  std::string container_id;  // empty for a torn (empty, after a crash) or unreadable lease file
  std::string ifname;        // empty for the legacy "containerID only" form
  bool torn() const { return container_id.empty(); }
};

// One entry of the attachment index: who, and the IPs its ADD reserved.
struct IndexEntry {
  std::string container_id;
  std::string ifname;
  std::vector<cni::IpAddr> ips;
};

class Store {
 public:
  // Validates `network` as one path component; nothing is created until lock().
  Store(std::string data_dir, std::string network);

  bool lease_dir_exists() const;
  // Creates the lease directory (0755) if needed and takes the network's lock.
  void lock();

  // O_EXCL-creates the lease; false when the IP is taken. Records last_reserved_ip.<set>.
  bool reserve(const cni::IpAddr& ip, const std::string& id, const std::string& ifname, int set_index);
  // Raw content of last_reserved_ip.<set> (nullopt when absent): ADD reads it once, parses it
  // to continue round-robin and keeps it to restore on rollback.
  std::optional<std::string> last_reserved_raw(int set_index) const;
  // The address in that content; nullopt when absent or unparsable (a hint, never an error).
  static std::optional<cni::IpAddr> parse_last_reserved(const std::optional<std::string>& raw);
  void restore_last_reserved(int set_index, const std::optional<std::string>& raw);
  void remove_lease(const cni::IpAddr& ip);

  // The IPs held by (id, ifname): from the index when it is valid, else by a scan.
  std::vector<cni::IpAddr> find(const std::string& id, const std::string& ifname, bool scan_if_unindexed = true);
  // Releases every lease of (id, ifname); falls back to leases holding only `id` (the
  // pre-ifname format). Returns how many were released. When it had to scan the directory,
  // the torn leases it saw (which name nobody) go to `torn_seen`.
  size_t release(const std::string& id, const std::string& ifname, std::vector<cni::IpAddr>* torn_seen = nullptr);
  // Every lease in the directory.
  std::vector<Lease> scan() const;
  // Rewrites a lease file in place for its owner (repairs a torn one).
  void rewrite_lease(const cni::IpAddr& ip, const std::string& id, const std::string& ifname);
  // Every entry of the attachment index (unreadable entries left out).
  std::vector<IndexEntry> index_entries() const;
  // Drops index entries none of whose IPs their owner still holds (the reference released
  // them: it does not know the index).
  void prune_index();
  void write_index(const std::string& id, const std::string& ifname, const std::vector<cni::IpAddr>& ips);
  void drop_index(const std::string& id, const std::string& ifname);

  const std::string& lease_dir() const { return lease_dir_; }
  static std::string lease_content(const std::string& id, const std::string& ifname);

 private:
  std::string lease_path(const cni::IpAddr& ip) const { return lease_dir_ + "/" + ip.str(); }
  std::string last_reserved_path(int set_index) const;
  // Whether the lease of `ip`, named by the index entry of (id, ifname), is still theirs.
  bool indexed_lease_holds(const cni::IpAddr& ip, const std::string& id, const std::string& ifname) const;
  // The IPs an index file lists; nullopt when it is missing or unreadable.
  static std::optional<std::vector<cni::IpAddr>> read_index(const std::string& path);
  std::optional<std::string> index_path(const std::string& id, const std::string& ifname) const;
  // nullopt when there is no lease file; a torn Lease when it is empty or unreadable.
  std::optional<Lease> read_lease(const cni::IpAddr& ip) const;

  std::string data_dir_;
  std::string network_;
  std::string lease_dir_;
  std::string index_dir_;
  std::optional<cni::FileLock> lock_;
};

}  // namespace hostlocal
