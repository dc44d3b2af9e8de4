// net_kernel: the registered process that other nodes call. It answers what OTP 25's
// net_kernel.erl answers a remote caller, where ergod has a truthful value:
//   {is_auth, Node}          yes (the call reaching us proves the cookie; net_adm:ping)
//   {connect, Type, Node}    true | false once the connection is up or has failed (the
//   {passive_cnct, Node}     local node: true)
//   {disconnect, Node}       false for the local node or a node not connected
//   get_state                #{started => static, name_type => static, name => node(),
//                            name_domain => shortnames | longnames}
//   ticktime                 net_ticktime in milliseconds (net_kernel.erl keeps it so)
//   longnames, nodename      true | false, node()
//   allowed                  {ok, []} (ergod has no allow list)
// Any other call gets no answer, as net_kernel.erl's catch-all (`{noreply, State}`) gives; so
// do {disconnect, Node} for a connected node (ergod cannot drop a connection on request yet),
// {allow, _}, ticktime changes, setopts and spawn requests, which ergod does not implement.
// Casts are ignored (as OTP does); other messages are logged as a warning and dropped (OTP
// logs "Net kernel got ~tw" as an error).
// Threads: start() from a non-worker thread (it blocks until net_kernel is registered).
#pragma once

#include <functional>
#include <string>

#include "runtime/runtime.h"

namespace ergod::services {

struct NetKernelEnv {
  // Connects to node (a node already connected answers at once); done(true | false) may run
  // on any thread. Unset: connect answers false.
  std::function<void(const std::string& node, std::function<void(bool)> done)> connect;
  std::function<bool(const std::string& node)> connected;  // unset: none is
  int64_t ticktime_ms = 60000;
};

// Starts and registers `net_kernel`; returns its pid, or none on failure.
term::Term start_net_kernel(runtime::Runtime& rt, NetKernelEnv env = {});

}  // namespace ergod::services
