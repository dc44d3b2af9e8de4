// Test support for the dist interop tests: a libuv loop on its own thread, child processes
// (real erl and epmd) with their output captured and killed at the end of the test, free
// ports, unique names, and a capture of the dist layer's log lines.
#pragma once

#include <uv.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "dist/connection_manager.h"
#include "dist/epmd_server.h"

namespace ergod::test {

using namespace std::chrono_literals;

// A uv loop running on a background thread. run() executes a function on it and waits.
class LoopThread {
 public:
  LoopThread();
  ~LoopThread();  // runs `teardown` functions, closes every handle, joins
  uv_loop_t* loop() { return &loop_; }

  template <class F>
  auto run(F&& f) -> decltype(f()) {
    using R = decltype(f());
    std::packaged_task<R()> task(std::forward<F>(f));
    auto fut = task.get_future();
    post([&task] { task(); });
    return fut.get();
  }
  void post(std::function<void()> fn);

 private:
  uv_loop_t loop_;
  uv_async_t wake_;
  std::mutex mu_;
  std::vector<std::function<void()>> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

// An object that lives on a LoopThread: made there by the caller, destroyed there by this
// holder, even when a failed REQUIRE unwinds the test.
template <class T>
class LoopOwned {
 public:
  LoopOwned(LoopThread& lt, std::unique_ptr<T> p) : lt_(&lt), p_(std::move(p)) {}
  LoopOwned(LoopOwned&&) = default;
  ~LoopOwned() { reset(); }
  void reset() {
    if (p_) lt_->run([&] { p_.reset(); });
  }
  // From the loop thread, into an empty holder.
  void adopt(std::unique_ptr<T> p) { p_ = std::move(p); }
  T* operator->() const { return p_.get(); }
  T& operator*() const { return *p_; }
  T* get() const { return p_.get(); }

 private:
  LoopThread* lt_;
  std::unique_ptr<T> p_;
};

// Polls `pred` every 20 ms until it holds or `timeout` passes.
bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout);

// A child process with stdout and stderr captured. Killed (SIGKILL) and reaped on destruction.
class Child {
 public:
  Child(std::vector<std::string> argv, std::vector<std::string> extra_env = {});
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  int pid() const { return pid_; }
  std::string output();  // everything so far
  // Waits until the output contains `text`.
  bool wait_for(const std::string& text, std::chrono::milliseconds timeout);
  void kill_now();       // SIGKILL and reap
  // Waits for the process to exit on its own; returns its exit status or -1 on timeout.
  int wait_exit(std::chrono::milliseconds timeout);

 private:
  int pid_ = -1;
  int out_fd_ = -1;
  std::mutex mu_;
  std::condition_variable cv_;
  std::string out_;
  std::thread reader_;
  bool reaped_ = false;
  int status_ = 0;
};

// Runs a command to completion (bounded), returns its output.
std::string run_command(std::vector<std::string> argv, std::vector<std::string> extra_env = {},
                        std::chrono::milliseconds timeout = 10s);

uint16_t free_port();
std::string unique_name(const std::string& prefix);
std::string short_host();  // what erl -sname uses

// A real Erlang node: erl -sname NAME -setcookie COOKIE -noshell -start_epmd false -eval CODE,
// talking to the EPMD on `epmd_port`.
std::unique_ptr<Child> start_erl(const std::string& name, const std::string& cookie, uint16_t epmd_port,
                                 const std::string& eval, std::vector<std::string> extra_args = {});

// Captures the dist layer's log lines for the duration of a test.
class LogCapture {
 public:
  LogCapture();
  ~LogCapture();
  bool contains(const std::string& text);
  bool wait_for(const std::string& text, std::chrono::milliseconds timeout);
  std::string all();

 private:
  std::mutex mu_;
  std::vector<std::string> lines_;
};

// Sends `bytes` to 127.0.0.1:port (then, with `close_write`, shuts down our side) and reports
// whether the server hung up on us within `timeout`.
bool server_hangs_up(uint16_t port, const std::string& bytes, std::chrono::milliseconds timeout = 3s,
                     bool close_write = false);

// Erlang code: R = net_kernel:connect_node(NODE), prints `format` with `args` (which may use R),
// then runs `then`.
std::string connect_code(const std::string& node, const std::string& format = "CONNECT ~p~n",
                         const std::string& args = "[R]", const std::string& then = "timer:sleep(60000).");

// A callback for ConnectionManager::connect that sets `p` to "" or the error.
std::function<void(Status)> report_to(std::promise<std::string>& p);

// A bare EpmdServer listening on `port`, made on the loop; `on_killed`, if given, is installed.
LoopOwned<dist::EpmdServer> start_epmd_server(LoopThread& lt, uint16_t port,
                                              std::function<void()> on_killed = nullptr);

// A ConnectionManager made on the loop from `cfg` that dials `peer` at once; `result` becomes ""
// or the error.
struct Dial {
  LoopOwned<dist::ConnectionManager> manager;
  std::future<std::string> result;
};
Dial dial(LoopThread& lt, dist::DistConfig cfg, const std::string& peer);

// What every interop test starts with: the dist layer's log captured, a loop thread, and a free
// port for EPMD. Members go in reverse: the loop stops before the capture ends.
struct InteropTest {
  LogCapture logs;
  LoopThread lt;
  uint16_t epmd_port = free_port();
};

}  // namespace ergod::test
