// Inbox: a mailbox for a thread that is not a worker (the daemon's main thread, dist, tests,
// benchmark drivers). It is a real process, so it has a pid that others can send to, link to
// and monitor; the messages it gets are queued for the owning thread, which takes them with a
// bounded wait. run() executes a function inside the inbox's process, to link, monitor, call
// and so on as that process. Threads: one owning thread (not a worker) uses an Inbox, and the
// Inbox must not outlive its Runtime.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>

#include "runtime/runtime.h"

namespace ergod::runtime {

class Inbox {
 public:
  explicit Inbox(Runtime& rt, bool trap_exit = false);
  ~Inbox();  // ends the process (exit kill)
  Inbox(const Inbox&) = delete;
  Inbox& operator=(const Inbox&) = delete;

  const Term& pid() const noexcept { return pid_; }

  // The oldest message, waiting up to timeout; nullopt on timeout.
  std::optional<Term> receive(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // The oldest message for which match(message) is true (the others stay, in order).
  std::optional<Term> receive_if(const std::function<bool(const Term&)>& match,
                                 std::chrono::milliseconds timeout = std::chrono::seconds(5));
  size_t size() const;
  // True once the inbox's process has ended (e.g. killed through a link).
  bool dead() const;
  // Why it ended (none while alive).
  Term exit_reason() const;

  // Runs fn inside the inbox's process and waits for it; false if the process is dead.
  bool run(const std::function<void(Process&)>& fn);

 private:
  struct State {
    mutable std::mutex mu;
    std::condition_variable cv;
    std::deque<Term> messages;
    bool dead = false;
    Term reason;
  };
  class Behavior;

  Runtime& rt_;
  std::shared_ptr<State> state_;
  Term pid_;
};

}  // namespace ergod::runtime
