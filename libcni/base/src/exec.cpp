#include "cni/base/exec.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <optional>
#include <chrono>
#include <thread>

#include "cni/base/error.hpp"

extern char** environ;

namespace cni {

std::string find_in_path(const std::string& type, const std::vector<std::string>& dirs) {
  if (type.empty()) throw Error(kInvalidNetworkConfig, "no plugin name provided");
  if (type.find('/') != std::string::npos)
    throw Error(kInvalidNetworkConfig, "invalid plugin name \"" + type + "\": must not contain /");
  if (dirs.empty()) throw Error(kInvalidEnvironment, "no paths provided to find plugin \"" + type + "\"");
  for (const auto& d : dirs) {
    std::string p = d + "/" + type;
    struct stat st;
    if (stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode)) return p;
  }
  std::string list;
  for (const auto& d : dirs) list += (list.empty() ? "" : " ") + d;
  throw Error(kInvalidNetworkConfig, "failed to find plugin \"" + type + "\" in path [" + list + "]");
}

std::vector<std::string> environ_with(const std::vector<std::pair<std::string, std::string>>& overrides) {
  std::vector<std::string> out;
  for (char** e = environ; e && *e; ++e) {
    std::string_view kv(*e);
    auto eq = kv.find('=');
    auto key = kv.substr(0, eq);
    bool replaced = false;
    for (const auto& [k, v] : overrides) replaced = replaced || key == k;
    if (!replaced) out.emplace_back(kv);
  }
  for (const auto& [k, v] : overrides) out.push_back(k + "=" + v);
  return out;
}

namespace {

struct Pipe {
  int fd[2] = {-1, -1};
  Pipe() {
    if (pipe2(fd, O_CLOEXEC) != 0) throw io_error("failed to create pipe", errno);
  }
  ~Pipe() {
    close_end(0);
    close_end(1);
  }
  void close_end(int i) {
    if (fd[i] >= 0) ::close(fd[i]);
    fd[i] = -1;
  }
};

// Feeds stdin and drains stdout/stderr together so no pipe can fill up and deadlock.
void pump(Pipe& in, std::string_view input, Pipe& out, std::string& out_text, Pipe* err, std::string* err_text) {
  size_t written = 0;
  if (input.empty()) in.close_end(1);
  else fcntl(in.fd[1], F_SETFL, O_NONBLOCK);
  char buf[16384];
  for (;;) {
    struct pollfd fds[3];
    int n = 0;
    int idx_in = -1, idx_out = -1, idx_err = -1;
    if (in.fd[1] >= 0) fds[idx_in = n++] = {in.fd[1], POLLOUT, 0};
    if (out.fd[0] >= 0) fds[idx_out = n++] = {out.fd[0], POLLIN, 0};
    if (err && err->fd[0] >= 0) fds[idx_err = n++] = {err->fd[0], POLLIN, 0};
    if (n == 0) return;
    if (poll(fds, static_cast<nfds_t>(n), -1) < 0) {
      if (errno == EINTR) continue;
      throw io_error("poll on plugin pipes failed", errno);
    }
    if (idx_in >= 0 && fds[idx_in].revents) {
      ssize_t w = write(in.fd[1], input.data() + written, input.size() - written);
      if (w > 0) written += static_cast<size_t>(w);
      if (w < 0 && errno != EAGAIN && errno != EINTR) written = input.size();  // child closed stdin early
      if (written >= input.size()) in.close_end(1);
    }
    auto drain = [&](int idx, Pipe& p, std::string& text) {
      if (idx < 0 || !fds[idx].revents) return;
      ssize_t r = read(p.fd[0], buf, sizeof buf);
      if (r > 0) text.append(buf, static_cast<size_t>(r));
      else if (r == 0 || (errno != EINTR && errno != EAGAIN)) p.close_end(0);
    };
    drain(idx_out, out, out_text);
    if (err) drain(idx_err, *err, *err_text);
  }
}

}  // namespace

ExecResult exec_binary(const std::string& path, const std::vector<std::string>& argv_tail,
                       const std::vector<std::string>& env, std::string_view input, bool capture_stderr) {
  std::vector<char*> envp;
  for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  std::vector<char*> argv{const_cast<char*>(path.c_str())};
  for (const auto& a : argv_tail) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);

  // A writer to a closed stdin must get EPIPE, not die of SIGPIPE.
  signal(SIGPIPE, SIG_IGN);
  for (int attempt = 0;; ++attempt) {
    Pipe in, out;
    std::optional<Pipe> err;
    if (capture_stderr) err.emplace();
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in.fd[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out.fd[1], 1);
    if (err) posix_spawn_file_actions_adddup2(&fa, err->fd[1], 2);
    // We ignore SIGPIPE (above), and an ignored signal stays ignored across exec: give the
    // plugin the default, as a runtime starting it would.
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t defaults;
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);
    pid_t pid = -1;
    int rc = posix_spawn(&pid, path.c_str(), &fa, &attr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    if (rc == ETXTBSY && attempt < 10) {
      // The binary is being replaced (an upgrade in progress); libcni retries too (cni#763).
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    if (rc != 0) throw io_error("failed to execute " + path, rc);
    in.close_end(0);
    out.close_end(1);
    if (err) err->close_end(1);
    ExecResult r;
    pump(in, input, out, r.out, err ? &*err : nullptr, &r.err);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return r;
  }
}

}  // namespace cni
