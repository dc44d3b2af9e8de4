// ergod.hpp: the C++20 layer of the ergod plugin SDK, header only, over the C ABI of ergod.h
// (it uses nothing else of ergod). A plugin includes this one header:
//
//   namespace sdk = ergod::sdk;
//   class Counter : public sdk::GenServer {
//     int64_t n_ = 0;
//     sdk::Task<sdk::CallResult> handle_call(const sdk::Term& r, const sdk::From&) override {
//       if (r.is_atom("next")) return sdk::Reply{++n_};
//       return sdk::Stop{sdk::atom("function_clause")};
//     }
//   };
//   ERGOD_PLUGIN("counter", "1.0.0", ERGOD_BEHAVIOR("counter", Counter))
//
// The parts, in ergod/sdk/ (in dependency order): host.hpp, the host table; term.hpp, Term
// (an owned handle: copy = host->copy, release in the destructor) and its builders;
// convert.hpp, to_term(x) / from_term<T>(t), declared once per type in Convert<T>
// (ERGOD_STRUCT for user structs); task.hpp, Exit and Task<T>, the coroutine type of
// callbacks; gen_server.hpp, GenServer, the base class of behaviors; plugin.hpp,
// ERGOD_PLUGIN / ERGOD_BEHAVIOR / ERGOD_FUNCTION, the descriptor and the entry point;
// names.hpp, pg::get_members / get_local_members and global::whereis_name (GenServer's
// pg_join, pg_leave, register_global and unregister_global change them).
//
// Errors: a term of the wrong shape throws BadTerm (its message says what was expected and
// what came). An exception escaping a callback ends the process with {cxx_exception, <<What>>}
// (Exit ends it with Exit's reason, as erlang:exit/1 would); when the daemon runs with
// --abort-on-crash, other exceptions reach std::terminate instead, for a core dump.
//
// Threads: Term, the builders and conversions may be used on any thread (they only call the
// host's term functions). GenServer's process functions (send, call, link, ...) only inside
// that server's callbacks, on the thread running them (rule T6 of ergod.h): they throw
// std::logic_error elsewhere. The host table pointer is per shared object (hidden), set once
// by the entry point before anything else runs.
#pragma once

#include <ergod/ergod.h>

#include <ergod/sdk/host.hpp>
#include <ergod/sdk/term.hpp>
#include <ergod/sdk/convert.hpp>
#include <ergod/sdk/task.hpp>
#include <ergod/sdk/gen_server.hpp>
#include <ergod/sdk/plugin.hpp>
#include <ergod/sdk/names.hpp>
