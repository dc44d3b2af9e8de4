// pg: the scope process of OTP's pg (kernel/src/pg.erl) for the default scope `pg`, so that
// Erlang nodes (and Phoenix.PubSub, which uses pg scopes) see ergod as a member of the overlay
// with no groups: {discover, Peer} is answered with a {sync, Self, []} cast and our own
// discover (once per peer, with a monitor, as pg does); sync, join and leave from known peers
// are tracked (remote groups are kept, though nothing local reads them yet); DOWN forgets a peer.
// Not yet: local processes joining groups, get_members for ergod processes, other scopes.
// Threads: start_pg() from a non-worker thread.
#pragma once

#include "runtime/runtime.h"

namespace ergod::services {

// Starts the scope process registered as `scope`; returns its pid, or none.
term::Term start_pg(runtime::Runtime& rt, term::Atom scope);

}  // namespace ergod::services
