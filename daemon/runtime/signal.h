// Signal: the one unit that travels between processes (a message, or a link/monitor/exit
// control signal), and the per-thread pool that recycles them.
//
// A Signal is intrusive: the sender allocates it, pushes it onto the receiver's MPSC queue
// (mailbox.h) and the receiver keeps the same node in its private message list, so a message
// costs one allocation from the pool and no copy of its term. Signals are allocated and freed
// on any thread; the pool is thread-local, so neither needs a lock.
#pragma once

#include <atomic>
#include <cstdint>

#include "runtime/inline_function.h"
#include "term/term.h"

namespace ergod::runtime {

class Process;
using term::Atom;
using term::Term;

// The link field alone: the mailbox's stub node is one of these, not a whole Signal.
struct SignalLink {
  std::atomic<SignalLink*> next{nullptr};
};

enum class SignalKind : uint8_t {
  Message,       // payload = the message
  AliasMessage,  // payload = the message, ref = the alias it was sent to
  Exit,          // erlang:exit/2: from, payload = reason
  LinkExit,      // a linked process ended: from, payload = reason
  Link,          // from asks to be linked
  Unlink,        // from removes its link
  Monitor,       // from monitors the receiver: ref; aux = name atom index when by name (flag)
  MonitorMessage,  // Monitor, then Message (payload), in one signal: a call's first half
  Demonitor,     // from removes its monitor: ref
  Down,          // the monitored process ended: from, ref, payload = reason
  TimerCheck,    // the receiver's call-timeout timer fired; payload = its time (ns, small)
  NodeDown,      // aux = node atom index: fire links/monitors with that node (noconnection)
  Run,           // run a function in the receiver's context (RunSignal)
};

// Flags
inline constexpr uint8_t kSigByName = 1;     // Monitor: aux is the registered name it targeted
inline constexpr uint8_t kSigFromSelf = 2;   // Down/LinkExit made up locally (noproc/noconnection)
// A call's reply whose sender (the monitored callee) already dropped the call's monitor:
// the caller ends its side without a Demonitor signal (see call.cpp).
inline constexpr uint8_t kSigMonitorDropped = 4;

struct Signal : SignalLink {
  SignalKind kind = SignalKind::Message;
  uint8_t flags = 0;
  uint32_t aux = 0;
  Term from;
  Term payload;
  Term ref;

  Signal* next_signal() const noexcept { return static_cast<Signal*>(next.load(std::memory_order_relaxed)); }
};

using RunFunction = InlineFunction<void(Process&), 48>;
struct RunSignal : Signal {
  RunFunction fn;
};

// Pool: allocate on any thread, free on any thread (block_pool.h).
Signal* alloc_signal(SignalKind kind);
RunSignal* alloc_run_signal(RunFunction fn);
void free_signal(Signal* s) noexcept;

}  // namespace ergod::runtime
