// A whole ergod node for interop tests: Distribution (embedded EPMD on a private port) and a
// runtime::Runtime with a registered test process `testproc` that traps exits and forwards
// every message it gets to the test thread, where expect() waits for one that matches.
// Stopped in the right order (Distribution before Runtime) by the destructor.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "dist/distribution.h"
#include "dist_support.h"
#include "runtime/runtime.h"

namespace ergod::test {

class RuntimeNode {
 public:
  explicit RuntimeNode(uint16_t epmd_port, uint32_t net_ticktime_ms = 60000, std::string cookie = "interop_cookie") {
    name_ = unique_name("ergod") + "@" + short_host();
    dist::DistributionOptions o;
    o.dist.node_name = name_;
    o.dist.cookie = cookie;
    o.dist.epmd_port = epmd_port;
    o.dist.connection.net_ticktime_ms = net_ticktime_ms;
    o.epmd.mode = dist::EpmdMode::embedded;
    o.epmd.port = epmd_port;
    dist_ = std::make_unique<dist::Distribution>(o);
    auto creation = dist_->start();
    if (!creation) {
      error_ = creation.error();
      return;
    }
    runtime::RuntimeConfig rc;
    rc.node_name = name_;
    rc.creation = creation.value();
    rc.workers = 2;
    rt_ = std::make_unique<runtime::Runtime>(rc);
    dist_->attach(*rt_);
    runtime::SpawnOptions so;
    so.trap_exit = true;
    so.name = term::Atom::make("testproc");
    auto sp = rt_->spawn(runtime::make_behavior([this](runtime::Process&, term::Term m) { push(std::move(m)); }), so);
    if (!sp) error_ = sp.error();
    else testproc_ = sp->pid;
  }
  ~RuntimeNode() {
    if (dist_) dist_->stop();
    rt_.reset();
  }

  const std::string& error() const { return error_; }
  const std::string& name() const { return name_; }
  term::Atom atom() const { return term::Atom::make(name_); }
  runtime::Runtime& rt() { return *rt_; }
  dist::Distribution& dist() { return *dist_; }
  const term::Term& testproc() const { return testproc_; }

  // The first message (removed from the queue) for which pred holds, or none after timeout.
  term::Term expect(const std::function<bool(const term::Term&)>& pred,
                    std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    std::unique_lock<std::mutex> l(mu_);
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      for (auto it = queue_.begin(); it != queue_.end(); ++it)
        if (pred(*it)) {
          term::Term t = std::move(*it);
          queue_.erase(it);
          return t;
        }
      if (cv_.wait_until(l, deadline) == std::cv_status::timeout) return term::Term();
    }
  }
  // A tuple whose first element is the atom `tag`.
  term::Term expect_tagged(const std::string& tag, std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    term::Atom a = term::Atom::make(tag);
    return expect([a](const term::Term& t) { return t.is_tuple() && t.tuple_arity() > 0 && t.element(0).is_atom(a); },
                  timeout);
  }
  std::string pending() {
    std::lock_guard<std::mutex> l(mu_);
    std::string s;
    for (auto& t : queue_) s += term::to_string(t, 300) + "\n";
    return s;
  }

 private:
  void push(term::Term m) {
    {
      std::lock_guard<std::mutex> l(mu_);
      queue_.push_back(std::move(m));
    }
    cv_.notify_all();
  }

  std::string name_, error_;
  std::unique_ptr<dist::Distribution> dist_;
  std::unique_ptr<runtime::Runtime> rt_;
  term::Term testproc_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<term::Term> queue_;
};

}  // namespace ergod::test
