// pg: the scope process of OTP's pg (kernel/src/pg.erl) for the default scope `pg`, so that
// Erlang nodes (and Phoenix.PubSub, which uses pg scopes) see ergod as a member of the overlay
// with no groups: at init and on every nodeup it sends {discover, self()} to the scope on the
// visible nodes; {discover, Peer} is answered with a {sync, Self, LocalGroups} cast and our own
// discover (once per peer, with a monitor, as pg does); a sync makes its sender a peer too;
// sync, join and leave from known peers are tracked; DOWN forgets a peer.
// Local members (ergod's processes, through pg:join/leave over rpc): {join_local, G, Pids} and
// {leave_local, G, Pids} calls, monitored, broadcast to the peers as join/leave, and gone with
// their DOWN. monitor and {monitor, Group} calls (pg:monitor_scope, pg:monitor) monitor the
// caller and send it {Ref, join | leave, Group, Pids} on each change, until {demonitor, Ref}.
// An unknown call, cast or message crashes the scope as pg.erl's catch-all clauses do
// (erlang:error(badarg)): a caller sees {{badarg, [{pg, handle_call, 3, []}]}, {gen_server,
// call, ...}}; the scope runs under kernel_safe_sup (services.cpp), which restarts it.
// Not yet: scopes other than `pg` (an OTP node too runs only the scopes its applications start).
// Threads: make_pg_scope() from any thread; visible_nodes is called on the scope's process.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "behaviors/gen_server.h"

namespace ergod::services {

using VisibleNodes = std::function<std::vector<std::string>()>;

// The scope's server, to be started registered as `scope` (by kernel_safe_sup).
std::unique_ptr<behaviors::GenServer> make_pg_scope(term::Atom scope, VisibleNodes visible_nodes);

}  // namespace ergod::services
