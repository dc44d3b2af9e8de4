// net_kernel: the registered process that other nodes call. It answers what OTP 25's
// net_kernel.erl answers a remote caller, where ergod has a truthful value:
//   {is_auth, Node}          yes (the call reaching us proves the cookie; net_adm:ping)
//   {connect, Type, Node}    true | false once the connection is up or has failed (the
//   {passive_cnct, Node}     local node: true); Type hidden dials a hidden connection
//   {disconnect, Node}       true once the connection is gone (its links and monitors fired),
//                            false for the local node or a node not connected
//   get_state                #{started => static, name_type => static, name => node(),
//                            name_domain => shortnames | longnames}
//   ticktime                 net_ticktime in milliseconds (net_kernel.erl keeps it so)
//   longnames, nodename      true | false, node()
//   {allow, Nodes}           ok (a list of atoms, added to the allow list: Distribution then
//                            refuses other nodes' handshakes with not_allowed and does not
//                            connect to them), else error
//   allowed                  {ok, AllowList}
//   {getopts | setopts, Node, Opts}  inet:getopts/setopts on the node's socket (see
//                            dist/socket_options.h), {error, noconnection} when not connected
//   ticktime                 net_ticktime in ms, or {ongoing_change_to, NewMs} while changing
//   {new_ticktime, Ms, TransitionMs}  unchanged | change_initiated | {ongoing_change_to, Ms},
//                            with net_kernel's transition: a longer time ticks at the old rate
//                            and times out at the new one at once; a shorter one ticks at the
//                            new rate at once and times out at it when the transition ends
//                            (after the period, rounded up to whole ticks of the shorter time)
// Any other call gets no answer, as net_kernel.erl's catch-all (`{noreply, State}`) gives; so
// do spawn requests, which ergod does not implement. setopts(new, Opts) tries Opts on the
// listening socket and keeps them for every new connection (ok, or that socket's error).
// The cast {async_disconnect, Node} drops the connection without an answer; other casts are
// ignored (as OTP does); other messages are logged as OTP logs them (an error, "Net kernel got
// ~tw") and dropped.
// Threads: start() from a non-worker thread (it blocks until net_kernel is registered).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "dist/distribution.h"
#include "runtime/runtime.h"
#include "services/functions.h"

namespace ergod::services {

// Drops the connection to node: done(true) once it is gone (links and monitors across it have
// fired), done(false) when it was not up; done may run on any thread.
using DisconnectFn = std::function<void(const std::string& node, std::function<void(bool)> done)>;

struct NetKernelEnv {
  // Connects to node (a node already connected answers at once); done(true | false) may run
  // on any thread. Unset: connect answers false.
  std::function<void(const std::string& node, std::function<void(bool)> done)> connect;
  // The same for {connect, hidden, Node} (net_kernel:hidden_connect_node). Unset: false.
  std::function<void(const std::string& node, std::function<void(bool)> done)> hidden_connect;
  DisconnectFn disconnect;  // unset: no node is connected
  std::function<bool(const std::string& node)> connected;  // unset: none is
  std::function<void(std::vector<std::string> nodes)> allow;  // unset: the list is kept only
  // inet:getopts/setopts on the connection's socket; done(answer) may run on any thread
  // (Distribution::socket_options). Unset: getopts/setopts answer {error, noconnection}.
  std::function<void(const std::string& node, bool set, Term opts, std::function<void(Term)> done)> socket_options;
  // setopts(new, Opts): the options of connections to come (Distribution::
  // set_new_socket_options). Unset: no answer, as before ergod had it.
  std::function<void(Term opts, std::function<void(Term)> done)> new_socket_options;
  // The connections' tick timing (Distribution::set_ticks). Unset: only the answers change.
  std::function<void(uint32_t net_ticktime_ms, uint32_t tick_every_ms)> set_ticks;
  int64_t ticktime_ms = 60000;
};

// Starts and registers `net_kernel`; returns its pid, or none on failure.
term::Term start_net_kernel(runtime::Runtime& rt, NetKernelEnv env = {});

// net_kernel:disconnect/1 and erlang:disconnect_node/1 (which calls it) for rpc and erpc:
// true once the connection is gone, false for this node, a node not connected or a non-atom.
void add_disconnect_functions(FunctionRegistry& fns, DisconnectFn disconnect);

// net_kernel:connect_node/1 and hidden_connect_node/1 (hidden: the connection is hidden on
// both sides, see dist::ConnectionManager::connect) for rpc and erpc: true once connected (or
// this node, or a node already connected either way), false when the connect failed; a
// non-atom fails function_clause, as net_kernel.erl's guard.
using ConnectFn = std::function<void(const std::string& node, std::function<void(bool)> done)>;
void add_connect_function(FunctionRegistry& fns, ConnectFn connect);
void add_hidden_connect_function(FunctionRegistry& fns, ConnectFn hidden_connect);

// net_kernel:node_info/1,2 and nodes_info/0 for rpc and erpc, from the up connections:
// [{state, up}, {address, #net_address{}}, {type, normal | hidden}, {in, N}, {out, N}] in
// OTP's order. No `owner`: OTP's is the connection's controller process, which ergod has not
// (so node_info(N, owner) is {error, invalid_key}). in and out count frames, ticks included,
// since the handshake (OTP's count the socket's packets, the handshake's too). A node not
// connected (or this node, or a non-atom) is {error, bad_node}, as in net_kernel.erl.
using ConnectionInfoFn = std::function<void(std::function<void(std::vector<dist::ConnectionInfo>)> done)>;
void add_node_info_functions(FunctionRegistry& fns, ConnectionInfoFn info);

// net_kernel:monitor_nodes/1,2 for rpc and erpc: ok, error or {error, Why}, as net_kernel.erl
// answers for what erts accepts or refuses. No subscription is made: OTP's subscriber is the
// process running the call (erpc's, or rpc.erl's helper), which ends with it; ergod's rex runs
// functions inside itself, where a subscription would outlive the call.
void add_monitor_nodes_functions(FunctionRegistry& fns);

// net_kernel:longnames/0, nodename/0 and get_state/0 for rpc and erpc, as net_kernel answers
// the calls they make.
void add_name_functions(FunctionRegistry& fns);

// net_kernel:get_net_ticktime/0, set_net_ticktime/1,2 (seconds; OTP's guards and 60 s of
// transition by default), getopts/2 and setopts/2 for rpc and erpc: calls to net_kernel.
void add_tick_and_opts_functions(FunctionRegistry& fns);

// net_kernel:allow/1 and allowed/0 (calls to net_kernel), and net_adm:ping/1 (is_auth asked of
// the node's net_kernel by the process running the rpc: pong, or pang after disconnect_node,
// as net_adm does) for rpc and erpc.
void add_allow_and_ping_functions(FunctionRegistry& fns, DisconnectFn disconnect);

}  // namespace ergod::services
