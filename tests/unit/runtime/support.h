// Helpers for the runtime tests: short term builders, processes from lambdas, and waiting on
// an Inbox (a process whose messages a test thread can take with a bounded wait).
#pragma once

#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <string_view>

#include "runtime/inbox.h"
#include "runtime/runtime.h"

namespace Catch {
template <>
struct StringMaker<ergod::term::Term> {
  static std::string convert(const ergod::term::Term& t) { return t ? ergod::term::to_string(t) : "none"; }
};
}  // namespace Catch

namespace rt_test {

using namespace ergod::runtime;
using ergod::term::Atom;
using ergod::term::Term;
using namespace std::chrono_literals;

inline Term A(std::string_view s) { return Term::atom(s); }
inline Term I(int64_t v) { return Term::integer(v); }
inline Term T(std::initializer_list<Term> l) { return Term::tuple(l); }
inline std::string str(const Term& t) { return ergod::term::to_string(t); }

template <class Handle>
Term spawn_fn(Runtime& rt, Handle h, SpawnOptions o = {}) {
  auto r = rt.spawn(make_behavior(std::move(h)), o);
  REQUIRE(r.ok());
  return r->pid;
}

template <class Init, class Handle>
Term spawn_fn2(Runtime& rt, Init i, Handle h, SpawnOptions o = {}) {
  auto r = rt.spawn(make_behavior(std::move(i), std::move(h)), o);
  REQUIRE(r.ok());
  return r->pid;
}

// A process that forwards every message to `to`.
inline Term spawn_forwarder(Runtime& rt, const Term& to, SpawnOptions o = {}) {
  return spawn_fn(rt, [to](Process& self, Term m) { self.send(to, std::move(m)); }, o);
}

// A process that waits for messages and ignores them.
inline Term spawn_idle(Runtime& rt, SpawnOptions o = {}) {
  return spawn_fn(rt, [](Process&, Term) {}, o);
}

inline Term recv(Inbox& in, std::chrono::milliseconds t = 10s) {
  auto m = in.receive(t);
  REQUIRE(m.has_value());
  return *m;
}

inline Term recv_if(Inbox& in, const std::function<bool(const Term&)>& match,
                    std::chrono::milliseconds t = 10s) {
  auto m = in.receive_if(match, t);
  REQUIRE(m.has_value());
  return *m;
}

// Monitors pid from the inbox's process; returns the reference.
inline Term monitor_from(Inbox& in, const Term& target) {
  Term ref;
  REQUIRE(in.run([&](Process& p) { ref = p.monitor(target); }));
  return ref;
}

inline bool is_down_for(const Term& m, const Term& ref) {
  return m.is_tuple() && m.tuple_arity() == 5 && m.element(0).is_atom(ergod::term::atoms::DOWN) &&
         m.element(1) == ref;
}

// Waits for the DOWN of ref in the inbox; returns the whole message.
inline Term await_down(Inbox& in, const Term& ref) {
  return recv_if(in, [&](const Term& m) { return is_down_for(m, ref); });
}

// Waits until pid has ended (through a monitor set now: a process already gone gives noproc);
// for the exit reason of a process that may end at once, use spawn_watched.
inline Term await_exit(Runtime& rt, const Term& pid) {
  Inbox watcher(rt);
  Term ref = monitor_from(watcher, pid);
  return await_down(watcher, ref).element(4);
}

// A process spawned by the inbox's process with a monitor, so its exit reason is never lost.
struct Watched {
  Term pid, ref;
};

template <class Init, class Handle>
Watched spawn_watched(Inbox& in, Init i, Handle h, SpawnOptions o = {}) {
  Watched w;
  o.monitor = true;
  auto b = make_behavior(std::move(i), std::move(h));
  REQUIRE(in.run([&](Process& p) {
    auto r = p.spawn(std::move(b), o);
    if (r.ok()) {
      w.pid = r->pid;
      w.ref = r->monitor;
    }
  }));
  REQUIRE(w.pid.is_pid());
  return w;
}

inline Term exit_reason(Inbox& in, const Watched& w) { return await_down(in, w.ref).element(4); }

}  // namespace rt_test
