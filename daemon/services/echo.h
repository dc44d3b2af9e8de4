// echo: the interop example gen_server, registered as `echo`, speaking exactly the protocol
// of /work/shared/interop/README.md (the reference is echo_ref.erl). It traps exits and keeps
// every info message other than {echo, From, T} for the `events` call. It moves into an
// example plugin once the plugin host exists.
// Threads: start_echo() from a non-worker thread; the server runs on workers.
#pragma once

#include <memory>

#include "behaviors/gen_server.h"

namespace ergod::services {

std::unique_ptr<behaviors::GenServer> make_echo_server();
// Starts `echo` under a restarter registered as `echo_sup` (one_for_one, permanent, 1000
// restarts a second as echo_ref's supervisor). Returns the restarter's pid, or none.
term::Term start_echo(runtime::Runtime& rt);

}  // namespace ergod::services
