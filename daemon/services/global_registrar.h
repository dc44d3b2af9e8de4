// global's registrar for rpc and erpc callers: global:register_name/2,3,
// re_register_name/2,3, unregister_name/1, sync/0 and send/2 run on ergod as global.erl runs
// them on an OTP node. A registration is one transaction over every node global knows (ours
// and get_known's): lock {global, Registrar} on the boss (the greatest node name), then on all
// of them (a refusal releases what was taken and retries after a random sleep, as
// set_lock_known), then {register, Name, Pid, Method} (or {unregister, Name}) to each node's
// global_name_server, then del_lock. The OTP nodes' servers thus insert the name as they do
// for a registrar of their own, so global:whereis_name there sees the pid.
// register_name/2's method is fun global:random_exit_name/3, as in global.erl; a pid that
// already has a name is refused (no) with global's error log.
// start_global_register / start_global_unregister start the same transactions for a process
// of ergod's own (a plugin's, host->global_register_name): the answer comes to it later as a
// message {Ref, yes | no} or {Ref, ok}.
// Not here: the name server (global.h).
// Threads: add_global_registrar_functions from the controlling thread; the functions run on a
// worker in the erpc/rex process, which waits (ApplyResult::later) for the registrar process.
// The start functions on the worker running self.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "services/functions.h"

namespace ergod::services {

// global:register_name(Name, Pid) (the default resolve method) for self: Ref of the answer
// {Ref, yes | no}, or none when no registrar process could be spawned.
term::Term start_global_register(runtime::Process& self, term::Term name, term::Term pid);
// global:unregister_name(Name) for self: Ref of the answer {Ref, ok}.
term::Term start_global_unregister(runtime::Process& self, term::Term name);

void add_global_registrar_functions(FunctionRegistry& fns,
                                    std::function<std::vector<std::string>()> visible_nodes);

}  // namespace ergod::services
