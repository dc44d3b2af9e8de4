// supervisor_detail: what supervisor.cpp (the server) and supervisor_api.cpp (start functions
// and calls) share; not for other layers.
// Threads: start_server runs inside the starting process; the pending-spec table may be used
// from any thread (a mutex: start_child is not a hot path).
#pragma once

#include <optional>

#include "behaviors/supervisor.h"

namespace ergod::behaviors::detail {

// {'$ergod_supervisor_started', SupPid, Result}: a supervisor started by start_server sends
// this to its starter once its children have started (or failed to).
Atom started_tag();

// Implemented in supervisor.cpp: when server is a supervisor, tells it its starter (and its
// parent, for a link) and returns true.
bool prepare_supervisor(GenServer& server, const Term& starter, bool link);

// Starts a server as a supervisor's child or from supervisor::start*: a gen_server, or a
// supervisor (then the result waits for its children, and the supervisor handles its
// parent's exit itself, so that it can wait for its own children while stopping).
void start_server(Process& self, std::unique_ptr<GenServer> server, Term args, const StartOptions& opts, bool link,
                  gen_server::StartContinuation k);

// A ChildSpec cannot travel in a term: start_child(ChildSpec) parks it here and sends
// {'$ergod_child_spec', Key}; the supervisor takes it. drop_spec forgets it after the call (a
// no-op when the supervisor took it).
Term park_spec(ChildSpec spec);
std::optional<ChildSpec> take_spec(const Term& marker);
void drop_spec(const Term& marker);

// ---- child specs in Erlang's words (supervisor_childspec.cpp) -----------------------------
// which_children's Modules: [Id] for an atom id, else dynamic.
Term child_modules(const ChildSpec& c);
// get_childspec's start MFA (ChildSpec::start, or {ergod_cxx, start_link, [Args]}).
Term child_start(const ChildSpec& c);
// get_childspec's map (OTP 25's child_to_spec).
Term child_spec_map(const ChildSpec& c);
// supervisor.erl's check_childspec on a spec from Erlang (a map or the old 6-tuple), in its
// order, for a supervisor whose auto_shutdown is never: none when valid (id is set), else
// the error term OTP replies inside {error, _}.
Term check_erlang_child_spec(const Term& spec, Term& id);

}  // namespace ergod::behaviors::detail
