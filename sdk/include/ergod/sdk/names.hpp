// names.hpp: what any thread may read of pg's process groups (scope pg) and global's names
// (ABI 3): a group's members, on every node or this one, newest first; a global name's pid.
// Joining, leaving and registering are process functions of GenServer (pg_join, pg_leave,
// register_global, unregister_global). Part of ergod.hpp (include that).
// Threads: any.
#pragma once

#include <ergod/ergod.h>

#include <ergod/sdk/host.hpp>
#include <ergod/sdk/term.hpp>

namespace ergod::sdk::pg {

// pg:get_members(pg, Group): a list of pids ([] for a group nobody is in).
inline Term get_members(const TermRef& group) { return Term::adopt(host().pg_get_members(group.get())); }
// pg:get_local_members(pg, Group): the members on this node.
inline Term get_local_members(const TermRef& group) {
  return Term::adopt(host().pg_get_local_members(group.get()));
}

}  // namespace ergod::sdk::pg

namespace ergod::sdk::global {

// global:whereis_name(Name): the pid, or the empty Term when nobody has the name.
inline Term whereis_name(const TermRef& name) { return Term::adopt(host().global_whereis_name(name.get())); }

}  // namespace ergod::sdk::global
