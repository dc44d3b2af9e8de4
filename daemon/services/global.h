// global_name_server: ergod's side of OTP's global (kernel/src/global.erl), so that an OTP node
// connecting to ergod completes global's connection protocol (global:sync() returns) and
// global:register_name/trans on that node get their lock, register and del_lock answers; two
// ergods complete the same protocol with each other (our locker takes the lock too).
// ergod registers no names of its own; names other nodes register (register calls,
// exchange/resolved, new_nodes) are kept, monitored and handed on to nodes that join later.
// Protocol version 8, OTP 25's, with its prevention of overlapping partitions (the subset is
// in daemon/services/README.md). The locker is in global_locker.h, the resolver of name
// clashes in global_resolve.h, the tables other threads read in global_table.h.
// Threads: watch_nodes_for_global() from the controlling thread before Distribution::attach;
// start_global() from a non-worker thread.
#pragma once

#include "dist/distribution.h"
#include "runtime/runtime.h"
#include "services/functions.h"
#include "services/global_table.h"

namespace ergod::services {

// Forwards the Distribution's node up/down events to global_name_server as
// {nodeup, Node, #{}} and {nodedown, Node, #{}} (net_kernel:monitor_nodes's messages), sent
// before any traffic of the new connection and after the last of the old one.
// also_call, when set, sees every event first (on the dist loop thread).
void watch_nodes_for_global(dist::Distribution& dist, runtime::Runtime& rt,
                            std::function<void(const std::string& node, bool up)> also_call = {});

term::Term start_global(runtime::Runtime& rt);

}  // namespace ergod::services
