// RemoteRouter: where the runtime hands every operation on a pid, reference or name of
// another node. The distribution layer implements it; the runtime knows no sockets.
//
// Threads: the runtime calls these from any worker thread (and from any thread that uses the
// Runtime facade), concurrently; they must not block. A function returns false when the node
// cannot be reached; the runtime then does what Erlang does without a connection: a send is
// dropped, a link fires {'EXIT', Pid, noconnection}, a monitor fires a DOWN with noconnection.
// Signals from one local process to one remote process must leave in the order of the calls.
//
// The opposite direction (signals arriving from other nodes, and nodedown) is Runtime's
// deliver_* and node_down functions (runtime.h).
#pragma once

#include "term/term.h"

namespace ergod::runtime {

class RemoteRouter {
 public:
  virtual ~RemoteRouter() = default;

  // from is always a local pid; to a pid of node `to`'s node. Messages: SEND_SENDER.
  virtual bool send(const term::Term& from, const term::Term& to, term::Term message) = 0;
  // REG_SEND: {Name, Node} ! Message.
  virtual bool send_registered(const term::Term& from, term::Atom name, term::Atom node,
                               term::Term message) = 0;
  // The same as erlang:send(Dest, Msg, [noconnect]): dropped unless the node is connected
  // (global's messages that must not bring a connection back). Routers without connections
  // of their own may keep the default.
  virtual bool send_registered_noconnect(const term::Term& from, term::Atom name, term::Atom node,
                                         term::Term message) {
    return send_registered(from, name, node, std::move(message));
  }
  // ALIAS_SEND: a message to a remote alias reference.
  virtual bool send_alias(const term::Term& from, const term::Term& alias, term::Term message) = 0;

  virtual bool link(const term::Term& from, const term::Term& to) = 0;    // LINK
  virtual bool unlink(const term::Term& from, const term::Term& to) = 0;  // UNLINK_ID
  // EXIT: a process linked to `to` ended with reason.
  virtual bool link_exit(const term::Term& from, const term::Term& to, term::Term reason) = 0;
  // EXIT2: erlang:exit(To, Reason).
  virtual bool exit(const term::Term& from, const term::Term& to, term::Term reason) = 0;

  // MONITOR_P: `to` is a remote pid, or a registered name (atom) on `node`.
  virtual bool monitor(const term::Term& from, term::Atom node, const term::Term& to,
                       const term::Term& ref) = 0;
  // DEMONITOR_P: as monitor().
  virtual bool demonitor(const term::Term& from, term::Atom node, const term::Term& to,
                         const term::Term& ref) = 0;
  // MONITOR_P_EXIT: the local process `from` (a pid, or the name it was monitored by) that
  // the remote process `to` monitored with ref has ended with reason.
  virtual bool down(const term::Term& from, const term::Term& to, const term::Term& ref,
                    term::Term reason) = 0;

  // erlang:monitor_node on a node that is not up: connect to it. When that fails, the router
  // calls Runtime::node_down(node) (which sends the monitors their nodedown). false: no
  // connection can be tried (the runtime sends the nodedown at once).
  virtual bool connect_node(term::Atom node) {
    (void)node;
    return false;
  }
};

}  // namespace ergod::runtime
