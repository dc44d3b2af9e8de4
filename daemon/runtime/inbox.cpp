// Inbox: a process whose behavior hands every message to a thread-safe queue.
#include "runtime/inbox.h"

#include <future>

namespace ergod::runtime {

class Inbox::Behavior : public ProcessBehavior {
 public:
  explicit Behavior(std::shared_ptr<State> state) : state_(std::move(state)) {}
  // Runs in Process::die, while the process (and its exit reason) still exists.
  ~Behavior() override {
    std::lock_guard lock(state_->mu);
    state_->dead = true;
    state_->reason = self_ && self_->exit_reason_ ? self_->exit_reason_ : Term::atom(term::atoms::normal);
    state_->cv.notify_all();
  }
  void init(Process& self) override { self_ = &self; }
  void handle_message(Process& self, Term message) override {
    self_ = &self;
    std::lock_guard lock(state_->mu);
    state_->messages.push_back(std::move(message));
    state_->cv.notify_all();
  }

 private:
  std::shared_ptr<State> state_;
  Process* self_ = nullptr;
};

Inbox::Inbox(Runtime& rt, bool trap_exit) : rt_(rt), state_(std::make_shared<State>()) {
  SpawnOptions opts;
  opts.trap_exit = trap_exit;
  auto spawned = rt.spawn(std::make_unique<Behavior>(state_), opts);
  if (spawned) pid_ = spawned->pid;
}

Inbox::~Inbox() {
  if (pid_) rt_.exit(pid_, Term::atom(term::atoms::kill));
}

std::optional<Term> Inbox::receive(std::chrono::milliseconds timeout) {
  return receive_if([](const Term&) { return true; }, timeout);
}

std::optional<Term> Inbox::receive_if(const std::function<bool(const Term&)>& match,
                                      std::chrono::milliseconds timeout) {
  std::unique_lock lock(state_->mu);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  size_t checked = 0;
  for (;;) {
    for (; checked < state_->messages.size(); ++checked) {
      if (match(state_->messages[checked])) {
        Term t = std::move(state_->messages[checked]);
        state_->messages.erase(state_->messages.begin() + long(checked));
        return t;
      }
    }
    if (state_->cv.wait_until(lock, deadline) == std::cv_status::timeout && checked == state_->messages.size())
      return std::nullopt;
  }
}

size_t Inbox::size() const {
  std::lock_guard lock(state_->mu);
  return state_->messages.size();
}

bool Inbox::dead() const {
  std::lock_guard lock(state_->mu);
  return state_->dead;
}

Term Inbox::exit_reason() const {
  std::lock_guard lock(state_->mu);
  return state_->reason;
}

bool Inbox::run(const std::function<void(Process&)>& fn) {
  auto done = std::make_shared<std::promise<void>>();
  auto f = done->get_future();
  if (!rt_.run_in(pid_, [fn, done](Process& self) {
        fn(self);
        done->set_value();
      }))
    return false;
  // If the process dies first, the signal is dropped with fn's promise: broken_promise.
  try {
    f.get();
    return true;
  } catch (const std::future_error&) {
    return false;
  }
}

}  // namespace ergod::runtime
