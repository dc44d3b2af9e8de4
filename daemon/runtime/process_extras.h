// ProcessExtras: the parts of a process that most processes never need, allocated the first
// time one is used: links, monitors in both directions, aliases, the call in progress and the
// nodes this process has links or monitors with. Keeping them out of Process keeps an idle
// process small. Only the process itself touches its extras (runtime-internal header).
#pragma once

#include <cstdint>
#include <exception>
#include <optional>
#include <vector>

#include "runtime/process.h"
#include "runtime/ref_table.h"

namespace ergod::runtime {

// Flags of an OutEntry.
inline constexpr uint8_t kOutMonitor = 1;        // a monitor this process holds
inline constexpr uint8_t kOutAlias = 2;          // an active alias
inline constexpr uint8_t kOutAliasWithMon = 4;   // the alias ends with the monitor
inline constexpr uint8_t kOutAliasReply = 8;     // the alias ends with the first message
                                                 // (and the monitor too, if there is one)

// A reference this process made and still cares about: a monitor it holds, an alias, or both.
struct OutEntry {
  Term target;  // the monitored pid, or {Name, Node} for a remote monitor by name
  Term object;  // what the DOWN message names when not the target itself: {Name, Node}
  uint8_t flags = 0;
  uint32_t seq = 0;  // ProcessExtras::next_seq when made (fits the padding)
};

// A monitor another process holds on this one.
struct InEntry {
  Term origin;              // the monitoring pid
  uint32_t name_plus1 = 0;  // registered name it monitored by (atom index + 1), or 0
  bool call = false;        // set up by a local call(): the caller demonitors on the reply
};

// A link: when it was made (ProcessExtras::next_seq).
struct LinkEntry {
  uint32_t seq = 0;
};

struct CallWait {
  bool active = false;
  bool select = false;       // receive(), not call()
  bool alias_tag = false;    // Tag is [alias | Mref], else the plain Mref
  bool timed_out = false;
  bool has_outcome = false;  // finished before waiting (calling_self, noproc by name)
  uint64_t deadline = 0;     // steady-clock ns; 0 = infinity
  Term mref;
  Term dest;
  CallOutcome outcome;
  CallContinuation k;
  ReceiveMatcher match;      // receive()
  ReceiveContinuation rk;    // receive()
};

struct ProcessExtras {
  KeyTable<OutEntry> out;    // key: ref_key
  KeyTable<InEntry> in;      // key: ref_key
  KeyTable<LinkEntry> links;  // key: pid_key
  CallWait wait;
  uint64_t timer_armed_at = 0;          // earliest TimerCheck asked for (steady ns), 0 = none
  std::vector<uint32_t> remote_nodes;   // node atom indices noted in the runtime's node index
  // Counts links and monitors made: a lost connection fires them in the order they were made,
  // as erts does (its per-connection lists are in that order); the hash tables keep none.
  uint32_t next_seq = 0;
  uint32_t seq() noexcept { return next_seq++; }
  // Older entries first, also across the counter's wrap (live entries span far less than 2^32).
  uint32_t age(uint32_t seq) const noexcept { return next_seq - seq; }
};

// Runs a callback; an escaping C++ exception ends the process with {cxx_exception, What}.
template <class F>
void Process::guarded(F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    exit_reason_ = Term::tuple({Term::atom("cxx_exception"), Term::binary(std::string_view(e.what()))});
    flags_ |= kExitPending;
  } catch (...) {
    exit_reason_ = Term::tuple({Term::atom("cxx_exception"), Term::binary(std::string_view("unknown"))});
    flags_ |= kExitPending;
  }
}

}  // namespace ergod::runtime
