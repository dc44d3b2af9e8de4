// task.hpp: Exit and CallFailed, the exceptions that end a process with an Erlang reason;
// Task<T>, the coroutine type of GenServer callbacks (a ready value or a coroutine).
// Part of ergod.hpp (include that).
// Threads: a Task runs on the thread of the callback or continuation that resumes it.
#pragma once

#include <ergod/sdk/convert.hpp>

#include <concepts>
#include <coroutine>
#include <exception>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

namespace ergod::sdk {

// ================================================================================================
// Exits
// ================================================================================================

// Thrown out of a callback, ends the process with reason (erlang:exit/1). GenServer::exit and
// a failed send throw it; a plugin may too. Not an error in --abort-on-crash's sense.
class Exit : public std::exception {
 public:
  explicit Exit(Term reason) : reason_(std::move(reason)), what_("exit: " + reason_.to_string()) {}
  const Term& reason() const noexcept { return reason_; }
  const char* what() const noexcept override { return what_.c_str(); }

 protected:
  Exit(Term reason, std::string what) : reason_(std::move(reason)), what_(std::move(what)) {}

 private:
  Term reason_;
  std::string what_;
};

// A call that failed (co_await call(...)): as gen_server:call, it exits the caller, with
// {Reason, {gen_server, call, [Dest, Request, Timeout]}}. why() is the bare Reason (timeout,
// noproc, {nodedown, Node}, calling_self or the server's exit reason). Catch it, or use
// try_call, to go on.
class CallFailed : public Exit {
 public:
  CallFailed(Term why, const Term& dest, const Term& request, int64_t timeout_ms)
      : Exit(tuple(why, tuple(atom("gen_server"), atom("call"),
                              list(dest, request, timeout_ms == infinity ? atom("infinity") : integer(timeout_ms)))),
             "call failed: " + why.to_string()),
        why_(std::move(why)) {}
  const Term& why() const noexcept { return why_; }

 private:
  Term why_;
};

// ================================================================================================
// Task<T>: the coroutine type of callbacks
// ================================================================================================
// A Task is either a ready value (a plain function returning T: `return Reply{x};`) or a
// coroutine (`co_await call(...)`, `co_return Reply{x};`), which starts at once and runs until
// its first wait. Tasks await Tasks (helper coroutines). T is never void.

namespace detail {
inline bool is_exit(std::exception_ptr e) {
  try {
    std::rethrow_exception(e);
  } catch (const Exit&) {
    return true;
  } catch (...) {
    return false;
  }
}
}  // namespace detail

template <class T>
class [[nodiscard]] Task {
 public:
  struct promise_type {
    std::optional<T> value;
    std::exception_ptr error;
    std::coroutine_handle<> parent;  // the coroutine awaiting this one

    Task get_return_object() noexcept { return Task(std::coroutine_handle<promise_type>::from_promise(*this)); }
    std::suspend_never initial_suspend() noexcept { return {}; }
    struct FinalAwaiter {
      bool await_ready() noexcept { return false; }
      std::coroutine_handle<> await_suspend(std::coroutine_handle<promise_type> h) noexcept {
        auto parent = h.promise().parent;
        return parent ? parent : std::noop_coroutine();
      }
      void await_resume() noexcept {}
    };
    FinalAwaiter final_suspend() noexcept { return {}; }
    void return_value(T v) { value.emplace(std::move(v)); }
    void unhandled_exception() noexcept {
      error = std::current_exception();
      // --abort-on-crash: a C++ error (not an Exit) stops here, for a core dump.
      if (detail::g_host && host().abort_on_crash() && !detail::is_exit(error)) std::terminate();
    }
  };
  using Handle = std::coroutine_handle<promise_type>;

  // A ready value: what a plain (non-coroutine) callback returns.
  template <class U>
    requires(std::constructible_from<T, U &&> && !std::same_as<std::remove_cvref_t<U>, Task>)
  Task(U&& v) : ready_(std::in_place, std::forward<U>(v)) {}  // NOLINT: implicit by design
  Task(Task&& o) noexcept : h_(std::exchange(o.h_, {})), ready_(std::move(o.ready_)) {}
  Task& operator=(Task&& o) noexcept {
    if (this != &o) {
      if (h_) h_.destroy();
      h_ = std::exchange(o.h_, {});
      ready_ = std::move(o.ready_);
    }
    return *this;
  }
  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;
  ~Task() {
    if (h_) h_.destroy();  // a coroutine still waiting is abandoned (the process ended)
  }

  bool done() const noexcept { return !h_ || h_.done(); }
  // The result of a done task (rethrows what the coroutine threw).
  T take() {
    if (!h_) return std::move(*ready_);
    auto& p = h_.promise();
    if (p.error) std::rethrow_exception(p.error);
    return std::move(*p.value);
  }

  auto operator co_await() && noexcept {
    struct Awaiter {
      Task& task;
      bool await_ready() const noexcept { return task.done(); }
      void await_suspend(std::coroutine_handle<> parent) noexcept { task.h_.promise().parent = parent; }
      T await_resume() { return task.take(); }
    };
    return Awaiter{*this};
  }

 private:
  explicit Task(Handle h) noexcept : h_(h) {}
  Handle h_{};
  std::optional<T> ready_;
};

}  // namespace ergod::sdk
