// net_kernel: the registered process that other nodes call for authentication. An OTP node's
// net_adm:ping(ergod@host) is gen_server:call({net_kernel, ergod@host}, {is_auth, Node}):
// as in net_kernel.erl, the call reaching us proves the cookie, so the answer is `yes`.
// Connecting, disconnecting, ticktime changes and spawn requests are asked of net_kernel only
// by local processes in OTP; ergod's dist layer does that work, so other calls get no answer
// (OTP's own would not serve them for a remote caller either) and other messages are dropped.
// Threads: start() from a non-worker thread (it blocks until net_kernel is registered).
#pragma once

#include "runtime/runtime.h"

namespace ergod::services {

// Starts and registers `net_kernel`; returns its pid, or none on failure.
term::Term start_net_kernel(runtime::Runtime& rt);

}  // namespace ergod::services
