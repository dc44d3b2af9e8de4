// This node's view of global's names and locks, kept by global_name_server (global.h) and
// read from any thread: as OTP's global reads its ETS tables, so that global:whereis_name and
// the lock functions' local check do not ask the server. One table per node name (tests run
// several nodes in one process).
// Threads: any; the set/erase functions from global_name_server only.
#pragma once

#include <vector>

#include "services/functions.h"

namespace ergod::services {

// The pid global has registered as name on node (this node's own view), or a none Term, so
// that gen_server:call({global, Name}, ...) resolves without asking global_name_server.
term::Term global_whereis(term::Atom node, const term::Term& name);

// The names global has for pid on node (global.erl's global_pid_names).
std::vector<term::Term> global_names_of(term::Atom node, const term::Term& pid);

// Whether id ({ResourceId, LockRequesterId}) could be set on node now: the resource is free or
// held by that requester (global.erl's can_set_lock).
bool global_can_set_lock(term::Atom node, const term::Term& id);

// global:whereis_name/1 and global:registered_names/0 for rpc and erpc, from the table.
void add_global_functions(FunctionRegistry& fns);

// The server's updates.
void global_table_set_name(term::Atom node, const term::Term& name, const term::Term& pid);
void global_table_erase_name(term::Atom node, const term::Term& name);
void global_table_set_lock(term::Atom node, const term::Term& resource, const term::Term& requester);
void global_table_del_lock(term::Atom node, const term::Term& resource);

}  // namespace ergod::services
