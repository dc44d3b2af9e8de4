// The node's set of distribution connections: the listener, dialling a node (EPMD lookup on
// its host, then the handshake), the PeerTable that settles simultaneous connects and
// reconnects, and callbacks to the layer above when a node comes up, sends a frame, or goes
// down. It is the part of net_kernel below the control messages.
//
// What it does not do: register our name (epmd_manager.h), decode frames or route control
// messages (the next layer, through on_frame).
//
// Threads: construct, use and destroy on the loop thread; callbacks run there.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "dist/allow_list.h"
#include "dist/connection.h"
#include "dist/listener.h"
#include "dist/peer_table.h"

namespace ergod::dist {

struct DistConfig {
  // Our full name, "alive@host". A host alone asks the first node we connect to for a name
  // (NAME_ME, like erl -sname undefined); such a node cannot accept connections until named.
  std::string node_name;
  std::string cookie;
  uint32_t creation = 0;  // from the EPMD registration; set_creation() when it arrives
  bool hidden = false;
  std::string listen_address = "0.0.0.0";
  uint16_t port_min = 0, port_max = 0;  // 0: any port
  uint16_t epmd_port = 4369;            // where peers' EPMDs listen
  ConnectionOptions connection;
};

class ConnectionManager final : private ConnectionHandler {
 public:
  ConnectionManager(uv_loop_t* loop, DistConfig config);
  ~ConnectionManager() override;
  ConnectionManager(const ConnectionManager&) = delete;
  ConnectionManager& operator=(const ConnectionManager&) = delete;

  // Starts accepting; 0 or a libuv error. port() then tells where.
  int listen();
  uint16_t port() const { return listener_.port(); }
  void set_creation(uint32_t creation) { config_.creation = creation; }
  const DistConfig& config() const { return config_; }

  // Makes sure a connection to `node` is up: `done` gets Ok once it is, or why not. A node
  // already connected answers at once; one being connected joins the waiters. hidden: dial it
  // without PUBLISHED (net_kernel:hidden_connect_node), so the connection is hidden on both
  // sides; as with OTP, the first connect to a node decides, and one already up stays as it is.
  void connect(const std::string& node, std::function<void(Status)> done, bool hidden = false);
  // net_kernel:allow/1: from now on only these nodes (and those allowed before) may connect
  // in (others get the handshake status not_allowed) or be connected to.
  void allow(const std::vector<std::string>& nodes) { allow_.add(nodes); }
  // Ends the connection to `node`, if any.
  void disconnect(const std::string& node, const std::string& reason = "disconnected");
  // Closes the listener and every connection.
  void close();
  // net_kernel:set_net_ticktime: every connection, and those to come (ConnectionOptions).
  void set_ticks(uint32_t net_ticktime_ms, uint32_t tick_every_ms);
  // net_kernel:setopts(new, Opts): tried on the listening socket first (its answer if not ok,
  // as net_kernel's setopts_on_listen), then set on connections still being set up and kept
  // for every new one.
  term::Term set_new_socket_options(const term::Term& opts);

  Connection* connection(const std::string& node) const;  // up connections only
  std::vector<std::string> nodes() const;                 // nodes with an up connection
  const PeerTable& table() const { return table_; }

  // For the layer above.
  std::function<void(Connection&)> on_node_up;
  std::function<void(Connection&, const Frame&)> on_node_frame;
  std::function<void(Connection&)> on_node_written;  // an up connection finished a write
  std::function<uint8_t*(Connection&, std::span<const uint8_t>, size_t)> on_node_frame_destination;
  std::function<void(const std::string& node, const std::string& reason)> on_node_down;

 private:
  HandshakeConfig handshake_config() const;
  void dial(const std::string& node, const std::string& host, uint16_t port);
  void finish_waiters(const std::string& node, const Status& result);
  void fail_later_unless_up(const std::string& node, const std::string& why);

  // ConnectionHandler
  void on_peer_named(Connection& c) override;
  bool on_alive(Connection& c) override;
  void on_replace_old(Connection& c) override;
  void on_up(Connection& c) override;
  void on_frame(Connection& c, const Frame& frame) override;
  void on_written(Connection& c) override;
  uint8_t* frame_destination(Connection& c, std::span<const uint8_t> head, size_t length) override;
  void on_closed(Connection& c, const std::string& reason, bool was_up) override;

  uv_loop_t* loop_;
  DistConfig config_;
  Listener listener_;
  PeerTable table_;
  AllowList allow_;
  std::unordered_map<ConnId, Connection*> conns_;
  std::unordered_map<std::string, std::vector<std::function<void(Status)>>> waiters_;
  std::unordered_set<std::string> dial_hidden_;  // nodes to dial hidden (connect's first waiter)
  ConnId next_id_ = 1;
  bool closed_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // for callbacks that outlive us
  struct SetupTimer;
  static void end_setup_timer(SetupTimer* t);
  std::unordered_set<SetupTimer*> setup_timers_;  // fail_later_unless_up's, until they fire
};

}  // namespace ergod::dist
