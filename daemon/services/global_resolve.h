// Name clashes between two partitions that global joins (global.erl's resolver and
// exchange_names): the node of the smaller name runs, for each clash, the resolve method of
// its own registration (Method2) as global:resolve_it(Method2, Name, HisPid, OurPid) on the
// node of OurPid, with rpc (rex's {call, ...}); the answer decides: HisPid or OurPid keeps
// the name, none (or anything else) removes it everywhere; a failed rpc keeps his.
// global's three methods (random_exit_name/3, the default: the pid of the greater node is
// killed; random_notify_name/3; notify_all_name/3) run here for a pid of ours, and are also
// rpc functions, as resolve_it/4 is, so that OTP nodes resolving a clash over a pid of ours
// get global.erl's answers. Any other method on ergod fails as a missing fun: resolve_it
// returns its {'EXIT', ...}, as global.erl's catch does.
// Not here: the name exchange (global.cpp).
// Threads: start_global_resolver from the server's process; the functions run on a worker.
#pragma once

#include <vector>

#include "runtime/process.h"
#include "services/functions.h"

namespace ergod::services {

struct NameClash {
  term::Term name, his_pid, his_method, our_pid, our_method;
};

// Resolves clashes with node's names in a process of its own, which then casts
// {exchange_ops, Node, Tag, Ops, Resolved} to our global_name_server (ops and resolved: those
// of the names without a clash, to which each clash's outcome is added).
void start_global_resolver(runtime::Process& server, term::Atom node, term::Term tag, std::vector<NameClash> clashes,
                           std::vector<term::Term> ops, std::vector<term::Term> resolved);

// catch Method(Name, Pid1, Pid2), for global's own methods (export funs or {global, F}).
term::Term run_resolve_method(runtime::Process& self, const term::Term& method, const term::Term& name,
                              const term::Term& pid1, const term::Term& pid2);

// global:resolve_it/4, random_exit_name/3, random_notify_name/3, notify_all_name/3.
void add_global_resolve_functions(FunctionRegistry& fns);

}  // namespace ergod::services
