#include "syscall_kill.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <set>
#include <stdexcept>
#include <vector>

namespace test {

namespace {

std::string read_memfd(int fd) {
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = pread(fd, buf, sizeof buf, static_cast<off_t>(out.size()))) > 0) out.append(buf, static_cast<size_t>(n));
  close(fd);
  return out;
}

bool is_fork_event(int event) {
  return event == PTRACE_EVENT_FORK || event == PTRACE_EVENT_VFORK || event == PTRACE_EVENT_CLONE;
}

}  // namespace

KilledRun run_killed_at(const std::string& binary, const Env& env, const std::string& stdin_data, long kill_at,
                        const std::string& netns) {
  if (stdin_data.size() > 60000) throw std::runtime_error("run_killed_at: stdin must fit a pipe buffer");
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  // LeakSanitizer cannot run under ptrace and fails the process at exit; in sanitizer builds
  // the untraced runs check for leaks. Plain builds ignore the variable.
  if (!env.count("ASAN_OPTIONS")) env_strings.push_back("ASAN_OPTIONS=detect_leaks=0");
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::string argv0 = binary;
  char* argv[] = {argv0.data(), nullptr};

  int in_pipe[2];
  if (pipe2(in_pipe, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  // Output goes to memory files, not pipes: the tracer must never block on a full pipe.
  int out_fd = memfd_create("plugin-out", MFD_CLOEXEC);
  int err_fd = memfd_create("plugin-err", MFD_CLOEXEC);
  int ns_fd = netns.empty() ? -1 : open(netns.c_str(), O_RDONLY | O_CLOEXEC);
  if (out_fd < 0 || err_fd < 0 || (!netns.empty() && ns_fd < 0)) throw std::runtime_error("run_killed_at: setup failed");

  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    std::signal(SIGPIPE, SIG_DFL);
    if (ns_fd >= 0 && setns(ns_fd, CLONE_NEWNET) != 0) _exit(126);
    dup2(in_pipe[0], 0);
    dup2(out_fd, 1);
    dup2(err_fd, 2);
    ptrace(PTRACE_TRACEME, 0, nullptr, nullptr);
    raise(SIGSTOP);  // lets the tracer set its options before execve
    execve(binary.c_str(), argv, envp.data());
    _exit(127);
  }
  close(in_pipe[0]);
  if (ns_fd >= 0) close(ns_fd);
  ssize_t w = write(in_pipe[1], stdin_data.data(), stdin_data.size());
  (void)w;
  close(in_pipe[1]);

  int status = 0;
  if (waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status)) throw std::runtime_error("tracee did not stop");
  ptrace(PTRACE_SETOPTIONS, pid, nullptr,
         PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC |
             PTRACE_O_EXITKILL);
  ptrace(PTRACE_SYSCALL, pid, nullptr, nullptr);

  KilledRun r;
  std::set<pid_t> live{pid};
  std::set<pid_t> started{pid};  // tracees whose initial SIGSTOP has been consumed
  auto kill_all = [&] {
    r.killed = true;
    for (pid_t t : live) kill(t, SIGKILL);
  };
  while (!live.empty()) {
    pid_t t = waitpid(-1, &status, __WALL);
    if (t < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (WIFEXITED(status) || WIFSIGNALED(status)) {
      live.erase(t);
      if (t == pid && !r.killed) r.rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      continue;
    }
    if (!WIFSTOPPED(status)) continue;
    live.insert(t);  // a new child can report its first stop before its parent's event
    if (r.killed) {
      kill(t, SIGKILL);
      continue;
    }
    int sig = WSTOPSIG(status);
    int event = status >> 16;
    int inject = 0;
    if (sig == (SIGTRAP | 0x80)) {
      __ptrace_syscall_info info{};
      if (ptrace(PTRACE_GET_SYSCALL_INFO, t, sizeof info, &info) > 0 && info.op == PTRACE_SYSCALL_INFO_ENTRY &&
          ++r.syscalls == kill_at) {
        kill_all();
        continue;
      }
    } else if (sig == SIGTRAP && event != 0) {
      if (is_fork_event(event)) {
        unsigned long child = 0;
        ptrace(PTRACE_GETEVENTMSG, t, nullptr, &child);
        live.insert(static_cast<pid_t>(child));
      } else if (event == PTRACE_EVENT_EXEC) {
        ++r.programs;
      }
    } else if (sig == SIGSTOP && !started.count(t)) {
      started.insert(t);  // the stop every auto-attached child starts with
    } else {
      inject = sig;
    }
    ptrace(PTRACE_SYSCALL, t, nullptr, inject);
  }
  r.out = read_memfd(out_fd);
  r.err = read_memfd(err_fd);
  return r;
}

}  // namespace test
