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

// The exit reason of a process that a failing BIF ended, in Erlang's shape: {Reason, Stack}
// with the BIF on top, e.g. {badarg, [{erlang, send, [Dest, Msg], [{error_info, ...}]}]}.
inline Exit bif_error(std::string_view reason, std::string_view function, Term args) {
  Term info = list(tuple(atom("error_info"), map_of({{atom("module"), atom("erl_erts_errors")}})));
  return Exit(tuple(atom(reason), list(tuple(atom("erlang"), atom(function), std::move(args), std::move(info)))));
}
inline Exit badarg(std::string_view function, Term args) { return bif_error("badarg", function, std::move(args)); }
// What gen_server:call exits with (the Reason of {Reason, {gen_server, call, ...}}) when
// OTP's gen.erl has no clause for its arguments: a timeout that is neither infinity nor a
// non-negative integer, or a destination that is no pid, name, {Name, Node}, {global, _} or
// {via, _, _}.
inline Term bad_call_timeout(const Term& dest, const Term& request, const Term& timeout) {
  return tuple(atom("function_clause"),
               list(tuple(atom("gen"), atom("call"), list(dest, atom("$gen_call"), request, timeout), nil()),
                    tuple(atom("gen_server"), atom("call"), integer(3), nil())));
}
inline Term bad_call_destination(const Term& dest) {
  Term call = tuple(atom("gen_server"), atom("call"), integer(3), nil());
  Term do_for_proc = tuple(atom("gen"), atom("do_for_proc"), integer(2), nil());
  // {via, Module, Name}: gen calls Module:whereis_name(Name); no plugin module has one.
  if (dest.is_record("via", 3) && dest[1].is_atom())
    return tuple(atom("undef"), list(tuple(dest[1], atom("whereis_name"), list(dest[2]), nil()), do_for_proc, call));
  return tuple(atom("function_clause"), list(do_for_proc, call));
}
// A borrowed argument as a Term of its own (for building reasons from it).
inline Term borrowed(const TermRef& t) { return Term::borrow(t.get()); }

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
