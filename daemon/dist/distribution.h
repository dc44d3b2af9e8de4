// Distribution: the node's distribution controller and the runtime's RemoteRouter. It owns a
// libuv loop thread with the EPMD registration (EpmdManager), the connections
// (ConnectionManager) and one NodeLink per up connection, and routes control messages both
// ways:
//   out: the runtime calls the RemoteRouter functions from any worker thread. To an up node,
//        with nothing of anyone's waiting in the queue below, the worker encodes and writes the
//        message itself (NodeLink::send, Connection's direct write): no thread hand-off. Else
//        the call becomes a control message on a queue that the loop thread drains (uv_async),
//        so one thread's calls leave in the order made. The first traffic to a node connects
//        to it; traffic is held, in order, while it connects. A failed connect drops the held
//        messages and tells the runtime the node is down (links and monitors fire noconnection).
//   in:  frames are decoded on the loop thread and handed to Runtime::deliver_*; UNLINK_ID is
//        acknowledged, SPAWN_REQUEST goes to the spawn handler (or is refused with notsup).
// One connection per node pair (ConnectionManager's PeerTable settles simultaneous connects).
//
// Node events: Runtime::node_up when a connection is up (before its first frame is delivered),
// Runtime::node_down when it is gone or a connect failed (monitor_node, monitor_nodes, and
// noconnection for links and monitors); then the node event handler, if one is set.
//
// Not here: net_kernel, global, rex/erpc, pg (services above, which use set_spawn_handler,
// send_spawn_reply and on_node_event).
//
// Threads: constructor, start(), attach(), stop() and the destructor on one controlling
// thread (not the loop thread, not a worker); the RemoteRouter functions, nodes(),
// send_spawn_reply() from any thread; handlers run on the loop thread and must not block.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "dist/connection_manager.h"
#include "dist/control.h"
#include "dist/epmd_manager.h"
#include "dist/node_link.h"
#include "runtime/remote_router.h"
#include "runtime/runtime.h"

namespace ergod::dist {

struct DistributionOptions {
  DistConfig dist;          // node name, cookie, listen address, connection options
  EpmdManagerOptions epmd;  // where we register
  NodeLinkOptions link;     // fragment size, message size limit
};

// A SPAWN_REQUEST from node: reply with Distribution::send_spawn_reply (any thread).
struct SpawnRequest {
  term::Atom node;
  term::Term req_id;        // reference
  term::Term from;          // the parent pid
  term::Term group_leader;
  term::Term mfa;           // {Module, Function, Arity}
  term::Term options;       // list
  term::Term args;          // list
};
using SpawnHandler = std::function<void(const SpawnRequest&)>;

// An up connection, for net_kernel:node_info and nodes_info.
struct ConnectionInfo {
  std::string node;
  bool hidden = false;
  // The peer's socket address as inet:peername gives it ({Ip, Port}), and its family
  // (inet | inet6); `undefined` when the socket has none (it is closing).
  term::Term address;
  term::Term family;
  uint64_t in = 0, out = 0;  // frames read and written since the handshake, ticks included
};

class Distribution final : public runtime::RemoteRouter {
 public:
  explicit Distribution(DistributionOptions options);
  ~Distribution() override;  // stop()
  Distribution(const Distribution&) = delete;
  Distribution& operator=(const Distribution&) = delete;

  // Starts the loop thread, listens and registers with EPMD; blocks until that is done.
  // Returns the creation EPMD gave us (for RuntimeConfig::creation).
  Result<uint32_t> start();
  // Routes between this node and the runtime (both ways). The runtime must outlive stop().
  void attach(runtime::Runtime& runtime);
  // Detaches from the runtime, closes every connection, unregisters, joins the loop thread.
  void stop();

  const std::string& node_name() const { return options_.dist.node_name; }
  uint32_t net_ticktime_ms() const { return options_.dist.connection.net_ticktime_ms; }
  uint16_t port() const { return port_; }
  std::vector<std::string> nodes() const;  // nodes with an up connection (any thread)
  // erlang:nodes(visible) and nodes(hidden): a connection is hidden when either side is
  // (OTP's rule). Any thread.
  std::vector<std::string> visible_nodes() const;
  std::vector<std::string> hidden_nodes() const;

  // Set before attach(). Without one, spawn requests are answered {error, notsup}.
  void set_spawn_handler(SpawnHandler handler) { spawn_handler_ = std::move(handler); }
  // SPAWN_REPLY to `to` on node: result is the new pid (flags: 1 linked, 2 monitored) or an
  // error atom.
  void send_spawn_reply(term::Atom node, const term::Term& req_id, const term::Term& to, uint64_t flags,
                        const term::Term& result);
  // Called on the loop thread when a node comes up (up = true) or goes down. hidden: the
  // connection is hidden (we or the peer are), or the node never was up (a failed connect).
  void set_node_event_handler(std::function<void(const std::string& node, bool up, bool hidden)> handler) {
    node_event_ = std::move(handler);
  }
  // Dials node now (net_kernel:connect_node; hidden: hidden_connect_node, see
  // ConnectionManager::connect); done runs on the loop thread.
  void connect(const std::string& node, std::function<void(Status)> done, bool hidden = false);
  // The up connections (any thread): done, on the loop thread, gets them in no set order.
  void connection_info(std::function<void(std::vector<ConnectionInfo>)> done);
  // net_kernel:allow/1 (any thread): only these nodes, and those allowed before, may connect
  // in or be connected to from now on.
  void allow(std::vector<std::string> nodes);
  // Ends the connection to node (net_kernel:disconnect): done(true) on the loop thread once it
  // is gone and the runtime has fired its links and monitors (as net_kernel answers only after
  // the connection's controller exited), done(false) when it is not up.
  void disconnect(const std::string& node, std::function<void(bool)> done);
  // net_kernel:getopts/setopts of a connected node (any thread): done, on the loop thread, gets
  // what inet:getopts/setopts answer on its socket (socket_options.h), or {error, noconnection}.
  void socket_options(const std::string& node, bool set, term::Term opts, std::function<void(term::Term)> done);
  // net_kernel:setopts(new, Opts) (any thread): done gets ok, {error, einval} or
  // {error, {badopts, _}} (ConnectionManager::set_new_socket_options), on the loop thread.
  void set_new_socket_options(term::Term opts, std::function<void(term::Term)> done);
  // net_kernel:set_net_ticktime (any thread): each connection, and each to come, is down after
  // net_ticktime_ms of silence and ticks every tick_every_ms (0: a quarter of it).
  void set_ticks(uint32_t net_ticktime_ms, uint32_t tick_every_ms);

  // ---- runtime::RemoteRouter (any thread) ----------------------------------------------------
  bool send(const term::Term& from, const term::Term& to, term::Term message) override;
  bool send_registered(const term::Term& from, term::Atom name, term::Atom node, term::Term message) override;
  bool send_registered_noconnect(const term::Term& from, term::Atom name, term::Atom node,
                                 term::Term message) override;
  bool send_alias(const term::Term& from, const term::Term& alias, term::Term message) override;
  bool link(const term::Term& from, const term::Term& to) override;
  bool unlink(const term::Term& from, const term::Term& to) override;
  bool link_exit(const term::Term& from, const term::Term& to, term::Term reason) override;
  bool exit(const term::Term& from, const term::Term& to, term::Term reason) override;
  bool monitor(const term::Term& from, term::Atom node, const term::Term& to, const term::Term& ref) override;
  bool demonitor(const term::Term& from, term::Atom node, const term::Term& to, const term::Term& ref) override;
  bool down(const term::Term& from, const term::Term& to, const term::Term& ref, term::Term reason) override;
  // monitor_node on a node that is not up: dial it; a failure calls Runtime::node_down.
  bool connect_node(term::Atom node) override;

  // Counters for tests and status (any thread).
  uint64_t messages_in() const { return messages_in_.load(std::memory_order_relaxed); }
  // Of those, the ones an idle worker read (NodeLink::poll_thread) rather than the loop thread.
  uint64_t messages_read_by_workers() const {
    return messages_in() - loop_messages_in_.load(std::memory_order_relaxed);
  }
  uint64_t messages_out() const { return messages_out_.load(std::memory_order_relaxed); }
  uint64_t fragmented_in() const { return fragmented_in_.load(std::memory_order_relaxed); }
  uint64_t fragmented_out() const { return fragmented_out_.load(std::memory_order_relaxed); }

 private:
  // A message bound for `node`, or (generic) a function to run on the loop thread.
  struct Outgoing {
    term::Atom node;
    Control control;
    term::Term payload;
    std::function<void()> task;
    bool noconnect = false;  // dropped, not dialled, when the node has no connection
  };
  struct Impl;

  bool post(term::Atom node, Control control, term::Term payload = term::Term(), bool noconnect = false);
  // A worker's message to an up node, sent from the calling thread; false: use the queue.
  bool send_direct(term::Atom node, Control& control, term::Term& payload);
  void post_task(std::function<void()> task);
  void run_loop(std::promise<Result<uint32_t>>* started);
  void run_until_closed();  // the loop thread's uv_run, polled a while after each message
  void shutdown_loop();
  // Loop thread:
  void drain();
  bool route_out(Outgoing& o);  // true: held until the node is connected
  void route_in(NodeLink& link, DistMessage& m);
  void node_up(Connection& c);
  void node_gone(const std::string& node, const std::string& reason);
  void connect_done(const std::string& node, const Status& s);
  void pump();
  void pump_link(const std::string& node, NodeLink& link);
  void schedule_pump();
  void publish_link(term::Atom node, std::shared_ptr<NodeLink> link);  // null: withdraw
  void update_nodes();

  DistributionOptions options_;
  std::unique_ptr<Impl> impl_;
  std::thread thread_;
  std::atomic<runtime::Runtime*> runtime_{nullptr};
  uint16_t port_ = 0;
  SpawnHandler spawn_handler_;
  std::function<void(const std::string&, bool, bool)> node_event_;
  // The hand-off from other threads: swapped out whole by the loop thread.
  std::mutex queue_mu_;
  std::vector<Outgoing> queue_;
  // Items posted and not yet through route_out (in queue_, in the loop's batch, or held for a
  // node being connected). Workers send directly only when it is 0: a sender's message must not
  // pass one of its own that is still on the way. Changed under queue_mu_; send_direct reads
  // both without it (a thread sees its own earlier posts counted, and the loop's decrement
  // only after what it routed is queued on the connection).
  std::atomic<uint64_t> unrouted_{0};
  std::atomic<bool> stopping_{false};
  std::thread::id loop_id_;
  // The up links, for workers (keyed by the node atom's index); the loop publishes and
  // withdraws them.
  std::mutex direct_mu_;
  std::unordered_map<uint32_t, std::shared_ptr<NodeLink>> direct_links_;
  mutable std::mutex nodes_mu_;
  std::vector<std::string> nodes_;
  std::vector<bool> nodes_hidden_;  // one per nodes_ entry
  std::atomic<uint64_t> messages_in_{0}, messages_out_{0}, fragmented_in_{0}, fragmented_out_{0};
  std::atomic<uint64_t> loop_messages_in_{0};  // read by the loop thread (not by a worker)
};

}  // namespace ergod::dist
