// sys: the system messages of sys.erl (OTP 25) for ergod's gen_servers and supervisors, so
// that sys:get_state/get_status/suspend/resume/change_code/trace/log/terminate from an Erlang
// node get OTP's answers. GenServerProcess (gen_server.cpp) hands every {system, From,
// Request} here; this file answers From and tells the process how to go on.
//
// What differs from OTP, forced by C++: the server's state is the C++ object, not a term, so
// get_state shows GenServer::sys_state() (a supervisor: a tuple shaped as OTP's #state
// record; others: {cxx_state, Module} unless they describe themselves); replace_state cannot
// run an Erlang fun on it and answers {error, {callback_failed, {gen_server,
// system_replace_state}, {error, cxx_state}}}; code cannot change through code_change, so a
// suspended server answers change_code as an OTP module without code_change/3 does
// ({error, {'EXIT', {undef, [{Module, code_change, [Vsn, State, Extra], []}]}}}). There is no
// debug output: trace, log, statistics, log_to_file and install answer `unknown_debug` (sys's
// answer to a debug option the process does not take), while turning them off, no_debug and
// remove answer ok, {log, get} {ok, []} and {statistics, get} {ok, no_statistics}, which is
// what a process with no debug options installed answers in OTP.
//
// Threads: inside the server's process only.
#pragma once

#include "behaviors/gen_server.h"

namespace ergod::behaviors::sys {

// The process's sys state.
struct Context {
  Term parent;     // OTP's Parent: the linked starter, else the process itself
  Term ancestors;  // '$ancestors' in get_status's process dictionary
  bool suspended = false;
};

struct Next {
  bool terminate = false;  // {terminate, Reason} was answered: terminate, exit with reason
  Term reason;
};

// {system, From, Request}
bool is_system_message(const Term& m);

// Answers request to from and updates ctx (suspend, resume). While ctx.suspended, the process
// takes only system messages (and its parent's EXIT), as sys's suspend_loop.
Next handle(Process& self, GenServer& server, Context& ctx, const Term& from, const Term& request);

}  // namespace ergod::behaviors::sys
