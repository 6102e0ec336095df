#include "harness.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

#include <catch2/catch.hpp>

namespace fs = std::filesystem;

namespace test {

// CNIPP_TEST_BIN_DIR: the sanitizer tier runs this build's integration and interop drivers
// against the ASan build's binaries (scripts/test.sh), rather than building them twice.
std::string bin_dir() {
  const char* dir = std::getenv("CNIPP_TEST_BIN_DIR");
  return dir && *dir ? dir : CNIPP_BIN_DIR;
}
bool sanitized() {
  const char* s = std::getenv("CNIPP_TEST_SANITIZED");
  return CNIPP_SANITIZED || (s && std::string(s) == "1");
}
std::string ours(const std::string& name) { return bin_dir() + "/" + name; }
std::string reference(const std::string& name) { return std::string(CNIPP_REFERENCE_DIR) + "/" + name; }

TempDir::TempDir() {
  char tmpl[] = "/tmp/cnipp-test-XXXXXX";
  if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
  path = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path, ec);
}

TestNetns::TestNetns(const std::string& prefix) : name(unique_name(prefix)) {
  int rc = 0;
  sh("ip netns add " + name + " 2>&1", &rc);
  if (rc != 0) throw std::runtime_error("ip netns add " + name + " failed");
  sh("ip -n " + name + " link set lo up");
}

TestNetns::~TestNetns() { sh("ip netns del " + name + " 2>/dev/null"); }

std::string TestNetns::exec(const std::string& cmd, int* rc) const {
  return sh("ip netns exec " + name + " " + cmd, rc);
}

nlohmann::json RunResult::json() const {
  try {
    return nlohmann::json::parse(out);
  } catch (const std::exception& e) {
    FAIL("stdout is not JSON (rc=" << rc << "): " << out << "\nstderr: " << err);
  }
  return {};
}

namespace {
// Reads both pipes to EOF without deadlocking on a full pipe buffer.
void drain(int out_fd, int err_fd, std::string& out, std::string& err) {
  struct pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
  int open_fds = 2;
  char buf[65536];
  while (open_fds > 0) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        (i == 0 ? out : err).append(buf, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
}
}  // namespace

RunResult run(const std::string& binary, const Env& env, const std::string& stdin_data,
              const std::vector<std::string>& args) {
  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (pipe2(in_pipe, O_CLOEXEC) || pipe2(out_pipe, O_CLOEXEC) || pipe2(err_pipe, O_CLOEXEC))
    throw std::runtime_error("pipe failed");
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_strings{binary};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : argv_strings) argv.push_back(s.data());
  argv.push_back(nullptr);

  // A plugin may exit without reading stdin (a missing variable is refused first); writing
  // to its closed pipe must give EPIPE here, not kill the test binary with SIGPIPE.
  static const bool sigpipe_ignored = std::signal(SIGPIPE, SIG_IGN) != SIG_ERR;
  (void)sigpipe_ignored;
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    std::signal(SIGPIPE, SIG_DFL);  // an ignored signal would stay ignored across execve
    dup2(in_pipe[0], 0);
    dup2(out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    execve(binary.c_str(), argv.data(), envp.data());
    dprintf(2, "exec %s: %s", binary.c_str(), strerror(errno));
    _exit(127);
  }
  close(in_pipe[0]);
  close(out_pipe[1]);
  close(err_pipe[1]);
  // Small inputs fit the pipe buffer; write in a loop for large (hostile-input) ones
  // from a child so stdout draining cannot deadlock against it.
  if (stdin_data.size() < 60000) {
    ssize_t w = write(in_pipe[1], stdin_data.data(), stdin_data.size());
    (void)w;
    close(in_pipe[1]);
  } else {
    pid_t writer = fork();
    if (writer == 0) {
      const char* p = stdin_data.data();
      size_t left = stdin_data.size();
      while (left > 0) {
        ssize_t w = write(in_pipe[1], p, left);
        if (w <= 0) break;
        p += w;
        left -= static_cast<size_t>(w);
      }
      _exit(0);
    }
    close(in_pipe[1]);
    RunResult r;
    drain(out_pipe[0], err_pipe[0], r.out, r.err);
    int status = 0;
    waitpid(pid, &status, 0);
    waitpid(writer, nullptr, 0);
    r.rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return r;
  }
  RunResult r;
  drain(out_pipe[0], err_pipe[0], r.out, r.err);
  int status = 0;
  waitpid(pid, &status, 0);
  r.rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

Env cni_env(const std::string& command, const std::string& container_id, const std::string& netns,
            const std::string& ifname, const std::string& cni_path) {
  Env env{{"CNI_COMMAND", command},
          {"CNI_CONTAINERID", container_id},
          {"CNI_NETNS", netns},
          {"CNI_IFNAME", ifname},
          {"CNI_PATH", cni_path.empty() ? bin_dir() : cni_path},
          {"PATH", "/usr/sbin:/usr/bin:/sbin:/bin"}};
  return env;
}

std::vector<std::string> list_dir(const std::string& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

void write_file(const std::string& path, const std::string& content) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << content;
}

std::optional<cni::Error> error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const cni::Error& e) {
    return e;
  }
  return std::nullopt;
}

int error_code(const std::function<void()>& f) {
  auto e = error_of(f);
  return e ? e->code() : 0;
}

std::string error_message(const std::function<void()>& f, int* code) {
  auto e = error_of(f);
  if (e && code) *code = e->code();
  return e ? e->msg() : "";
}

void copy_as_other_build(const std::string& name, const std::string& dst) {
  auto bytes = read_file(ours(name));
  auto at = bytes.find("cnipp " + name + " ");
  if (at == std::string::npos) throw std::runtime_error(name + " carries no ident line");
  bytes[at + 6] ^= 0x20;  // "cnipp host-local" -> "cnipp Host-local"
  write_file(dst, bytes);
  ::chmod(dst.c_str(), 0755);
}

}  // namespace test
