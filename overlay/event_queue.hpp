// Hands store events from the ZooKeeper client's thread to the daemon's one loop: a locked
// queue plus an eventfd the loop polls.
#pragma once

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <deque>
#include <mutex>

#include "cni/base/error.hpp"
#include "cni/base/fs.hpp"
#include "store.hpp"

namespace overlay {

class EventQueue {
 public:
  EventQueue() : fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
    if (!fd_) throw cni::io_error("failed to create an eventfd", errno);
  }
  // Any thread.
  void push(StoreEvent e) {
    {
      std::lock_guard lock(mutex_);
      queue_.push_back(std::move(e));
    }
    const uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(fd_.get(), &one, sizeof one);
  }
  // The loop's thread: everything queued so far.
  std::deque<StoreEvent> take() {
    uint64_t count;
    [[maybe_unused]] ssize_t n = ::read(fd_.get(), &count, sizeof count);
    std::lock_guard lock(mutex_);
    return std::exchange(queue_, {});
  }
  int fd() const { return fd_.get(); }

 private:
  cni::UniqueFd fd_;
  std::mutex mutex_;
  std::deque<StoreEvent> queue_;
};

}  // namespace overlay
