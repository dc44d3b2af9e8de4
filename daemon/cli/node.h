// Running a node in the foreground: signal handling and the order of start-up and shutdown.
// It does not parse the command line or the config (main.cpp and config.cpp do).
// Thread safety: call run_node once, from the main thread, before any other thread exists,
// so that every thread started later inherits the blocked signal mask.
#pragma once

#include "cli/config.h"

namespace ergod::cli {

// Runs the node described by cfg until SIGTERM or SIGINT, then shuts it down in order.
// SIGHUP is the reload request (manifests). Returns the process exit status.
int run_node(const Config& cfg);

}  // namespace ergod::cli
