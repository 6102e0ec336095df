// The overlay's test bed, shared by the integration tests and the benchmark: an underlay
// bridge in a "switch" namespace where a real ZooKeeper server listens, agents as further
// namespaces on that bridge (each with its cnipp-overlayd), pods as namespaces attached by
// the cnipp-overlay plugin. Everything carries names unique to the process, lives in its
// own namespaces and temp directory, and is stopped and removed by destructors, so a failed
// test leaves nothing behind. Only TEST-NET-1 (192.0.2.0/24) on the underlay.
#pragma once

#include <sys/types.h>

#include <csignal>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "shell.hpp"

namespace overlay_bed {

using nlohmann::json;

// A shell command on the host (namespace plumbing only); stdout returned. The test tiers'
// own (tests/support/shell.hpp).
using test::sh;

class Netns {
 public:
  explicit Netns(const std::string& prefix);
  ~Netns();
  Netns(const Netns&) = delete;
  Netns& operator=(const Netns&) = delete;
  const std::string& name() const { return name_; }
  std::string path() const { return "/var/run/netns/" + name_; }
  std::string exec(const std::string& cmd, int* rc = nullptr) const;  // `ip netns exec`

 private:
  std::string name_;
};

struct RunResult {
  int rc = -1;
  std::string out, err;
};
// Runs argv in `netns` (setns, then execve) with exactly `env` and `input` on stdin.
RunResult run_in(const Netns& netns, const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                 const std::string& input = {});

// A long-running child in a namespace, stdout+stderr to `log`. Killed (SIGKILL) and reaped
// on destruction if still running.
class Process {
 public:
  Process(const Netns& netns, const std::vector<std::string>& argv, const std::string& log);
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  pid_t pid() const { return pid_; }
  void signal(int sig);
  // Waits for exit; the exit code, 128+signal, or nullopt on timeout.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  bool running();

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
};

// Polls `pred` every `step` until it holds or `timeout` passes.
bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds timeout,
                std::chrono::milliseconds step = std::chrono::milliseconds(20));

// ICMP echo from inside `from` (a raw socket opened in that namespace): the round trip in
// ms, or nullopt when no reply came within `timeout`. `payload` bytes; `dont_fragment`
// sets DF, and a datagram above the path MTU then fails locally (nullopt at once).
std::optional<double> ping(const Netns& from, const std::string& ip,
                           std::chrono::milliseconds timeout = std::chrono::milliseconds(1000), size_t payload = 32,
                           bool dont_fragment = false);

class Bed;

class Agent {
 public:
  Agent(Bed& bed, int number);
  ~Agent();
  const Netns& ns() const { return ns_; }
  std::string ip() const;  // 192.0.2.<number>
  std::string node_id() const { return node_id_; }
  void set_node_id(const std::string& id) { node_id_ = id; }  // the next start() uses it
  void set_auth_file(const std::string& path) { auth_file_ = path; }  // instead of the bed's
  std::string state_dir() const { return dir_ + "/state"; }
  std::string data_dir() const { return dir_ + "/data"; }
  std::string log_path() const { return dir_ + "/daemon.log"; }

  void start(const std::vector<std::string>& extra_args = {});
  void stop(int sig = SIGTERM);  // and wait for it
  Process* daemon() { return daemon_.get(); }
  json state() const;  // the state file, null when missing
  bool wait_state(const std::string& word, std::chrono::milliseconds timeout = std::chrono::seconds(20),
                  std::chrono::milliseconds step = std::chrono::milliseconds(20));
  // The daemon of the last start() is in service: lease held, alive/ node announced, VTEP and
  // peers programmed, state file ok ("in service" in its log). Unlike wait_state("ok"), not
  // fooled by the state file an earlier run left.
  bool wait_ready(std::chrono::milliseconds timeout = std::chrono::seconds(20),
                  std::chrono::milliseconds step = std::chrono::milliseconds(20));
  std::string subnet() const;  // from the state file

  json plugin_conf(const std::string& version = "1.0.0") const;
  RunResult plugin(const std::string& cmd, const std::string& id, const std::string& netns_path, const json& conf,
                   const std::string& ifname = "eth0") const;

  // The VTEP's kernel entries, for assertions: route destinations, neighbour IPs, FDB MACs.
  std::vector<std::string> routes() const;
  std::vector<std::string> neighbours() const;
  std::vector<std::string> fdb() const;

 private:
  Bed& bed_;
  int number_;
  Netns ns_;
  std::string dir_;
  std::string node_id_;
  std::string auth_file_;
  std::unique_ptr<Process> daemon_;
  int starts_ = 0;
};

class Pod {
 public:
  Pod(Agent& agent, const std::string& id, const json& conf);  // ADD; throws when it fails
  ~Pod();                                                      // DEL, best effort
  const Netns& ns() const { return ns_; }
  const std::string& ip() const { return ip_; }
  const json& result() const { return result_; }

 private:
  Agent& agent_;
  std::string id_;
  json conf_;
  Netns ns_;
  std::string ip_;
  json result_;
};

struct BedOptions {
  std::string bin_dir;  // our build's bin (the daemon, ctl, plugin; CNI_PATH)
  std::string network = "ovl";
  std::string subnet = "10.96.0.0/16";
  int subnet_len = 24;
  bool create_network = true;
  int session_timeout_ms = 2000;
  int resync_seconds = 30;
  std::string auth;  // "user:password": every daemon and ctl call gets --auth-file (empty: none)
  // The connect string's form: a chroot ("/infra", created first) and a second server that
  // refuses connections, listed before the real one.
  std::string chroot;
  bool dead_server = false;
};

class Bed {
 public:
  explicit Bed(BedOptions options);
  ~Bed();
  const BedOptions& options() const { return opts_; }
  const std::string& dir() const { return dir_; }
  const Netns& switch_ns() const { return sw_; }
  std::string zk_connect() const;

  Agent& agent(int number);  // created on first use (192.0.2.<number>)
  void remove_agent(int number);

  // Stops every running daemon with SIGTERM and reports what went wrong, "" when nothing
  // did: a non-zero exit, or a sanitizer report in any daemon's log (under ASan a leak is
  // reported at exit, so this is how the tests see the daemons' memory errors).
  std::string stop_all();

  void start_zookeeper();
  void stop_zookeeper(int sig = SIGTERM);
  // cnipp-overlayctl with these arguments after the connection options, run from the switch;
  // with the bed's --auth-file unless `authenticated` is false.
  RunResult ctl(const std::vector<std::string>& args, bool authenticated = true) const;
  std::string auth_file() const { return opts_.auth.empty() ? "" : dir_ + "/auth"; }
  // ZooKeeper's own command-line client (ZooKeeperMain), one command per line on its stdin:
  // what an operator, or anyone who reaches ZooKeeper, can do by hand. `credentials`
  // ("user:password"), when given, are added first (addauth digest). Returns its output.
  std::string zk_cli(const std::vector<std::string>& commands, const std::string& credentials = "") const;
  json show() const;  // network show, parsed

 private:
  BedOptions opts_;
  std::string dir_;
  Netns sw_;
  std::unique_ptr<Process> zk_;
  int zk_starts_ = 0;
  std::map<int, std::unique_ptr<Agent>> agents_;
};

}  // namespace overlay_bed
