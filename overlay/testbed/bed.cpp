#include "bed.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "cni/base/exec.hpp"
#include "cni/base/fs.hpp"
#include "cni/kernel/netns.hpp"

namespace overlay_bed {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

constexpr const char* kZkIp = "192.0.2.100";
constexpr int kZkPort = 2181;

uint16_t checksum(const uint8_t* p, size_t n) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < n; i += 2) sum += static_cast<uint32_t>(p[i] << 8 | p[i + 1]);
  if (n & 1) sum += static_cast<uint32_t>(p[n - 1] << 8);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

}  // namespace

Netns::Netns(const std::string& prefix) : name_(test::unique_name(prefix)) {
  int rc = 0;
  sh("ip netns add " + name_ + " 2>&1", &rc);
  if (rc != 0) throw std::runtime_error("ip netns add " + name_ + " failed");
  sh("ip -n " + name_ + " link set lo up");
}

Netns::~Netns() { sh("ip netns del " + name_ + " 2>/dev/null"); }

std::string Netns::exec(const std::string& cmd, int* rc) const { return sh("ip netns exec " + name_ + " " + cmd, rc); }

RunResult run_in(const Netns& netns, const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                 const std::string& input) {
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  const std::vector<std::string> tail(argv.begin() + 1, argv.end());
  // A child starts in the namespace of the thread that spawns it: enter, spawn, return.
  auto r = cni::Netns::open(netns.path()).run_in([&] { return cni::exec_binary(argv[0], tail, env_strings, input, true); });
  return {r.exit_code, std::move(r.out), std::move(r.err)};
}

Process::Process(const Netns& netns, const std::vector<std::string>& argv, const std::string& log) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  int rc = cni::Netns::open(netns.path()).run_in([&] {
    return posix_spawn(&pid_, args[0], &fa, &attr, args.data(), environ);
  });
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) throw std::runtime_error("cannot start " + argv[0] + ": " + strerror(rc));
}

Process::~Process() {
  if (running()) {
    kill(pid_, SIGKILL);
    wait(10s);
  }
}

void Process::signal(int sig) {
  if (!status_) kill(pid_, sig);
}

std::optional<int> Process::wait(std::chrono::milliseconds timeout) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (!status_) {
    int st = 0;
    pid_t r = waitpid(pid_, &st, WNOHANG);
    if (r == pid_) status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    else if (std::chrono::steady_clock::now() >= end) return std::nullopt;
    else std::this_thread::sleep_for(5ms);
  }
  return status_;
}

bool Process::running() {
  if (status_) return false;
  int st = 0;
  if (waitpid(pid_, &st, WNOHANG) == pid_) status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return !status_;
}

bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds timeout, std::chrono::milliseconds step) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() >= end) return false;
    std::this_thread::sleep_for(step);
  }
}

std::optional<double> ping(const Netns& from, const std::string& ip, std::chrono::milliseconds timeout, size_t payload,
                           bool dont_fragment) {
  auto ns = cni::Netns::open(from.path());
  cni::UniqueFd s(ns.run_in([] { return socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP); }));
  if (!s) throw std::runtime_error("raw socket: " + std::string(strerror(errno)));
  if (dont_fragment) {
    int v = IP_PMTUDISC_DO;
    setsockopt(s.get(), IPPROTO_IP, IP_MTU_DISCOVER, &v, sizeof v);
  }
  sockaddr_in to{};
  to.sin_family = AF_INET;
  if (inet_pton(AF_INET, ip.c_str(), &to.sin_addr) != 1) throw std::runtime_error("bad address " + ip);
  static std::atomic<uint16_t> seq{1};
  const uint16_t id = static_cast<uint16_t>(getpid()), sq = seq++;
  std::vector<uint8_t> pkt(8 + payload, 0xa5);
  pkt[0] = ICMP_ECHO;
  pkt[1] = 0;
  pkt[2] = pkt[3] = 0;
  pkt[4] = static_cast<uint8_t>(id >> 8);
  pkt[5] = static_cast<uint8_t>(id);
  pkt[6] = static_cast<uint8_t>(sq >> 8);
  pkt[7] = static_cast<uint8_t>(sq);
  uint16_t c = checksum(pkt.data(), pkt.size());
  pkt[2] = static_cast<uint8_t>(c >> 8);
  pkt[3] = static_cast<uint8_t>(c);
  const auto t0 = std::chrono::steady_clock::now();
  if (sendto(s.get(), pkt.data(), pkt.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to) < 0) return std::nullopt;
  const auto end = t0 + timeout;
  uint8_t buf[70000];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now()).count();
    if (left <= 0) return std::nullopt;
    pollfd p{s.get(), POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left)) <= 0) continue;
    sockaddr_in src{};
    socklen_t sl = sizeof src;
    ssize_t n = recvfrom(s.get(), buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&src), &sl);
    if (n < 20) continue;
    size_t ihl = static_cast<size_t>(buf[0] & 0x0f) * 4;
    if (static_cast<size_t>(n) < ihl + 8 || src.sin_addr.s_addr != to.sin_addr.s_addr) continue;
    const uint8_t* icmp = buf + ihl;
    if (icmp[0] != ICMP_ECHOREPLY || (icmp[4] << 8 | icmp[5]) != id || (icmp[6] << 8 | icmp[7]) != sq) continue;
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  }
}

// ---- Agent ----

Agent::Agent(Bed& bed, int number)
    : bed_(bed), number_(number), ns_("ova"), dir_(bed.dir() + "/agent" + std::to_string(number)),
      node_id_("a" + std::to_string(number)) {
  fs::create_directories(dir_);
  const std::string port = "u" + std::to_string(number);
  int rc = 0;
  sh("ip -n " + bed.switch_ns().name() + " link add " + port + " type veth peer name eth0 netns " + ns_.name() +
         " && ip -n " + bed.switch_ns().name() + " link set " + port + " master br0 up && ip -n " + ns_.name() +
         " addr add " + ip() + "/24 dev eth0 && ip -n " + ns_.name() + " link set eth0 up",
     &rc);
  if (rc != 0) throw std::runtime_error("cannot wire agent " + std::to_string(number) + " to the underlay");
}

Agent::~Agent() {
  if (daemon_) stop(SIGKILL);
  sh("ip -n " + bed_.switch_ns().name() + " link del u" + std::to_string(number_) + " 2>/dev/null");
}

std::string Agent::ip() const { return "192.0.2." + std::to_string(number_); }

void Agent::start(const std::vector<std::string>& extra) {
  const auto& o = bed_.options();
  std::vector<std::string> argv{o.bin_dir + "/cnipp-overlayd", "--zookeeper",  bed_.zk_connect(),
                                "--network",                   o.network,      "--underlay-ip",
                                ip(),                          "--node-id",    node_id_,
                                "--state-dir",                 state_dir(),    "--session-timeout-ms",
                                std::to_string(o.session_timeout_ms), "--resync-seconds", std::to_string(o.resync_seconds)};
  const std::string auth = auth_file_.empty() ? bed_.auth_file() : auth_file_;
  if (!auth.empty()) argv.insert(argv.end(), {"--auth-file", auth});
  argv.insert(argv.end(), extra.begin(), extra.end());
  std::ofstream(log_path(), std::ios::app) << "---- start " << ++starts_ << " ----\n";
  daemon_ = std::make_unique<Process>(ns_, argv, log_path());
}

void Agent::stop(int sig) {
  if (!daemon_) return;
  daemon_->signal(sig);
  daemon_->wait(20s);
  daemon_.reset();
}

json Agent::state() const {
  auto text = test::read_file(state_dir() + "/" + bed_.options().network + ".json");
  if (text.empty()) return nullptr;
  try {
    return json::parse(text);
  } catch (const std::exception&) {
    return nullptr;
  }
}

bool Agent::wait_state(const std::string& word, std::chrono::milliseconds timeout, std::chrono::milliseconds step) {
  return eventually([&] {
    auto s = state();
    return s.is_object() && s.value("state", "") == word;
  }, timeout, step);
}

bool Agent::wait_ready(std::chrono::milliseconds timeout, std::chrono::milliseconds step) {
  const std::string marker = "---- start " + std::to_string(starts_) + " ----";
  return eventually([&] {
    auto log = test::read_file(log_path());
    auto at = log.rfind(marker);
    return at != std::string::npos && log.find(": in service: ", at) != std::string::npos;
  }, timeout, step);
}

std::string Agent::subnet() const {
  auto s = state();
  return s.is_object() ? s.value("subnet", "") : "";
}

json Agent::plugin_conf(const std::string& version) const {
  json c{{"name", bed_.options().network}, {"type", "cnipp-overlay"}, {"stateDir", state_dir()}, {"dataDir", data_dir()}};
  if (!version.empty()) c["cniVersion"] = version;
  return c;
}

RunResult Agent::plugin(const std::string& cmd, const std::string& id, const std::string& netns_path, const json& conf,
                        const std::string& ifname) const {
  const std::string bin = bed_.options().bin_dir;
  return run_in(ns_, {bin + "/cnipp-overlay"},
                {{"CNI_COMMAND", cmd},
                 {"CNI_CONTAINERID", id},
                 {"CNI_NETNS", netns_path},
                 {"CNI_IFNAME", ifname},
                 {"CNI_PATH", bin},
                 {"PATH", "/usr/sbin:/usr/bin:/sbin:/bin"}},
                conf.dump());
}

namespace {
std::vector<std::string> ip_json_list(const Netns& ns, const std::string& cmd, const char* field) {
  std::vector<std::string> out;
  int rc = 0;
  auto text = ns.exec(cmd + " 2>/dev/null", &rc);
  if (rc != 0 || text.empty()) return out;
  try {
    for (const auto& e : json::parse(text))
      if (e.contains(field)) out.push_back(e[field].get<std::string>());
  } catch (const std::exception&) {
  }
  std::sort(out.begin(), out.end());
  return out;
}
}  // namespace

std::vector<std::string> Agent::routes() const { return ip_json_list(ns_, "ip -j route show dev cnipp.1", "dst"); }
std::vector<std::string> Agent::neighbours() const { return ip_json_list(ns_, "ip -j neigh show dev cnipp.1", "dst"); }
std::vector<std::string> Agent::fdb() const {
  std::vector<std::string> out;
  for (const auto& m : ip_json_list(ns_, "bridge -j fdb show dev cnipp.1", "mac"))
    if (m.rfind("0e:cc:", 0) == 0) out.push_back(m);  // VTEP MACs, not the device's multicast rows
  return out;
}

// ---- Pod ----

Pod::Pod(Agent& agent, const std::string& id, const json& conf) : agent_(agent), id_(id), conf_(conf), ns_("ovp") {
  auto r = agent_.plugin("ADD", id_, ns_.path(), conf_);
  if (r.rc != 0) throw std::runtime_error("pod " + id + " ADD failed (" + std::to_string(r.rc) + "): " + r.out + r.err);
  result_ = json::parse(r.out);
  std::string addr = result_.contains("ips") ? result_["ips"][0]["address"].get<std::string>()
                                             : result_["ip4"]["ip"].get<std::string>();
  ip_ = addr.substr(0, addr.find('/'));
}

Pod::~Pod() {
  try {
    agent_.plugin("DEL", id_, ns_.path(), conf_);
  } catch (...) {
  }
}

// ---- Bed ----

Bed::Bed(BedOptions o) : opts_(std::move(o)), sw_("ovs") {
  char tmpl[] = "/tmp/cnipp-overlay-XXXXXX";
  if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  int rc = 0;
  sh("ip -n " + sw_.name() + " link add br0 type bridge && ip -n " + sw_.name() + " addr add " + kZkIp +
         "/24 dev br0 && ip -n " + sw_.name() + " link set br0 up",
     &rc);
  if (rc != 0) throw std::runtime_error("cannot set up the underlay bridge");
  fs::create_directories(dir_ + "/zk/data");
  std::ofstream(dir_ + "/zk/zoo.cfg") << "tickTime=250\n"
                                      << "dataDir=" << dir_ << "/zk/data\n"
                                      << "clientPort=" << kZkPort << "\n"
                                      << "clientPortAddress=" << kZkIp << "\n"
                                      << "admin.enableServer=false\n"
                                      << "4lw.commands.whitelist=ruok\n"
                                      << "forceSync=no\n"
                                      << "preAllocSize=1024\n";
  if (!opts_.auth.empty()) {
    std::ofstream(auth_file()) << "digest " << opts_.auth << "\n";
    chmod(auth_file().c_str(), 0600);
  }
  start_zookeeper();
  if (!opts_.chroot.empty() && zk_cli({"create " + opts_.chroot + " x"}).find("Created " + opts_.chroot) == std::string::npos)
    throw std::runtime_error("cannot create the chroot " + opts_.chroot);
  if (opts_.create_network) {
    auto r = ctl({"network", "create", opts_.network, "--subnet", opts_.subnet, "--subnet-len",
                  std::to_string(opts_.subnet_len)});
    if (r.rc != 0) throw std::runtime_error("network create failed: " + r.err);
  }
}

Bed::~Bed() {
  agents_.clear();
  if (zk_) stop_zookeeper(SIGKILL);
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

std::string Bed::zk_connect() const {
  const std::string server = std::string(kZkIp) + ":" + std::to_string(kZkPort);
  return (opts_.dead_server ? std::string(kZkIp) + ":" + std::to_string(kZkPort + 1) + "," : "") + server + opts_.chroot;
}

Agent& Bed::agent(int number) {
  auto& a = agents_[number];
  if (!a) a = std::make_unique<Agent>(*this, number);
  return *a;
}

void Bed::remove_agent(int number) { agents_.erase(number); }

std::string Bed::stop_all() {
  std::string report;
  for (auto& [n, a] : agents_) {
    if (!a->daemon() || !a->daemon()->running()) continue;
    a->daemon()->signal(SIGTERM);
    auto code = a->daemon()->wait(20s);
    if (!code || *code != 0)
      report += "agent " + a->node_id() + ": daemon exit " + (code ? std::to_string(*code) : "timeout") + "\n";
    a->stop(SIGKILL);
  }
  for (const auto& e : fs::recursive_directory_iterator(dir_)) {
    if (e.path().filename() != "daemon.log") continue;
    std::istringstream log(test::read_file(e.path().string()));
    for (std::string line; std::getline(log, line);)
      if (line.find("Sanitizer") != std::string::npos || line.find("runtime error:") != std::string::npos)
        report += e.path().string() + ": " + line + "\n";
  }
  return report;
}

void Bed::start_zookeeper() {
  std::ofstream(dir_ + "/zk/log", std::ios::app) << "---- start " << ++zk_starts_ << " ----\n";
  zk_ = std::make_unique<Process>(
      sw_,
      std::vector<std::string>{"/usr/bin/java", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData",
                               "-Xmx128m", "-Djava.net.preferIPv4Stack=true", "-Dzookeeper.admin.enableServer=false",
                               "-cp", "/usr/share/java/zookeeper.jar",
                               "org.apache.zookeeper.server.ZooKeeperServerMain", dir_ + "/zk/zoo.cfg"},
      dir_ + "/zk/log");
  // Ready when it answers "ruok" (the one four-letter word we enable).
  auto ns = cni::Netns::open(sw_.path());
  bool ready = eventually([&] {
    cni::UniqueFd s(ns.run_in([] { return socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0); }));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(kZkPort);
    inet_pton(AF_INET, kZkIp, &a.sin_addr);
    if (connect(s.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return false;
    if (write(s.get(), "ruok", 4) != 4) return false;
    char buf[8] = {};
    return read(s.get(), buf, 4) == 4 && std::string(buf) == "imok";
  }, 60s, 20ms);
  if (!ready || !zk_->running())
    throw std::runtime_error("ZooKeeper did not start: " + test::read_file(dir_ + "/zk/log"));
}

void Bed::stop_zookeeper(int sig) {
  if (!zk_) return;
  zk_->signal(sig);
  if (!zk_->wait(20s)) {
    zk_->signal(SIGKILL);
    zk_->wait(10s);
  }
  zk_.reset();
}

RunResult Bed::ctl(const std::vector<std::string>& args, bool authenticated) const {
  std::vector<std::string> argv{opts_.bin_dir + "/cnipp-overlayctl", "--zookeeper", zk_connect()};
  if (authenticated && !opts_.auth.empty()) argv.insert(argv.end(), {"--auth-file", auth_file()});
  argv.insert(argv.end(), args.begin(), args.end());
  return run_in(sw_, argv, {{"PATH", "/usr/bin:/bin"}});
}

std::string Bed::zk_cli(const std::vector<std::string>& commands, const std::string& credentials) const {
  std::string input = credentials.empty() ? "" : "addauth digest " + credentials + "\n";
  for (const auto& c : commands) input += c + "\n";
  input += "quit\n";
  auto r = run_in(sw_,
                  {"/usr/bin/java", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData", "-cp", "/usr/share/java/zookeeper.jar",
                   "org.apache.zookeeper.ZooKeeperMain", "-waitforconnection", "-server",
                   std::string(kZkIp) + ":" + std::to_string(kZkPort)},
                  {{"PATH", "/usr/bin:/bin"}}, input);
  return r.out + r.err;
}

json Bed::show() const {
  auto r = ctl({"network", "show", opts_.network});
  if (r.rc != 0) throw std::runtime_error("network show failed: " + r.err);
  return json::parse(r.out);
}

}  // namespace overlay_bed
