// cnipp-rss-probe FD PROGRAM: runs PROGRAM with this process's stdin, stdout, stderr and
// environment, writes its peak RSS in KiB to file descriptor FD and exits with its status.
// The kernel folds the memory a child had before exec into its ru_maxrss, so a plugin
// spawned by the benchmark driver would report the driver's megabytes; spawned from this
// small static probe, the floor is the probe's own few hundred KiB.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: cnipp-rss-probe FD PROGRAM\n");
    return 2;
  }
  const int fd = std::atoi(argv[1]);
  pid_t pid = fork();
  if (pid < 0) return 126;
  if (pid == 0) {
    close(fd);
    execv(argv[2], argv + 2);
    _exit(127);
  }
  int status = 0;
  struct rusage ru {};
  if (wait4(pid, &status, 0, &ru) != pid) return 126;
  dprintf(fd, "%ld\n", ru.ru_maxrss);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
