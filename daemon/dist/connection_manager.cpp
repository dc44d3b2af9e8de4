// The node's distribution connections (see connection_manager.h). The verdict logic is
// PeerTable's; this file wires it to sockets and EPMD look-ups.
#include "dist/connection_manager.h"

#include "dist/digest.h"
#include "dist/epmd_client.h"
#include "base/log.h"
#include "dist/node_name.h"
#include "dist/socket_options.h"

namespace ergod::dist {

ConnectionManager::ConnectionManager(uv_loop_t* loop, DistConfig config)
    : loop_(loop), config_(std::move(config)), listener_(loop, [this](uv_tcp_t* tcp) {
        if (closed_) return close_and_delete(tcp);
        ConnId id = next_id_++;
        conns_[id] = Connection::accept(loop_, tcp, handshake_config(), config_.connection, this, id);
      }) {}

ConnectionManager::~ConnectionManager() {
  *alive_ = false;
  close();
  // The connections finish closing in later loop turns; they must not call back into us.
  for (auto& [id, c] : conns_) c->set_handler(nullptr);
}

int ConnectionManager::listen() {
  return listener_.listen(config_.listen_address, config_.port_min, config_.port_max);
}

HandshakeConfig ConnectionManager::handshake_config() const {
  HandshakeConfig h;
  h.this_node = config_.node_name;
  h.creation = config_.creation;
  h.hidden = config_.hidden;
  h.cookie = config_.cookie;
  return h;
}

void ConnectionManager::connect(const std::string& node, std::function<void(Status)> done, bool hidden) {
  if (closed_) return done(make_error("distribution is shut down"));
  if (node == config_.node_name) return done(Ok{});
  if (connection(node)) return done(Ok{});
  if (!allow_.dials(node)) {
    // net_kernel's setup_check: logged as OTP logs it, and the connect fails.
    log_error("** Connection attempt with disallowed node " + node + " **");
    return done(make_error("node " + node + " is not allowed (net_kernel:allow/1)"));
  }
  auto parsed = parse_peer_node_name(node);
  if (!parsed) return done(make_error(parsed.error()));
  // inet_tcp_dist's setup: a node of the other name domain is not dialled (it would accept
  // us: only the dialling side checks), and the attempt is logged as an error each time.
  if (auto d = check_name_domain(parsed.value(), own_name_domain(config_.node_name)); !d) {
    log_error("cannot connect to node " + node + ": " + d.error());
    return done(make_error(d.error()));
  }
  bool first = waiters_[node].empty();
  waiters_[node].push_back(std::move(done));
  if (!first || table_.state(node) != PeerTable::State::none) return;  // already on its way
  if (hidden) dial_hidden_.insert(node);

  EpmdTarget target;
  target.host = parsed.value().host;
  target.port = config_.epmd_port;
  target.timeout_ms = config_.connection.setup_timeout_ms;
  std::string alive = parsed.value().alive;
  auto alive_flag = alive_;
  epmd_port_please(loop_, target, alive, [this, alive_flag, node, host = target.host](Result<epmd::Port2Resp> r) {
    if (!*alive_flag) return;
    if (!r) return finish_waiters(node, make_error("cannot look up node " + node + ": " + r.error()));
    if (!r.value().found)
      return finish_waiters(node, make_error("node " + node + " is not registered with the EPMD on " + host));
    const auto& e = r.value().entry;
    if (e.highest_version < 6 || e.lowest_version > 6)
      return finish_waiters(node, make_error("node " + node + " speaks distribution versions " +
                                             std::to_string(e.lowest_version) + ".." +
                                             std::to_string(e.highest_version) + ", not 6"));
    dial(node, host, e.port);
  });
}

void ConnectionManager::dial(const std::string& node, const std::string& host, uint16_t port) {
  if (closed_) return;
  if (connection(node)) return finish_waiters(node, Ok{});
  ConnId id = next_id_++;
  if (!table_.start_connect(node, id)) return;  // the peer dialled us meanwhile; waiters wait for it
  HandshakeConfig h = handshake_config();
  h.hidden = h.hidden || dial_hidden_.count(node);
  conns_[id] = Connection::dial(loop_, host, port, std::move(h), node, config_.connection, this, id);
}

void ConnectionManager::finish_waiters(const std::string& node, const Status& result) {
  dial_hidden_.erase(node);
  auto it = waiters_.find(node);
  if (it == waiters_.end()) return;
  auto list = std::move(it->second);
  waiters_.erase(it);
  for (auto& w : list) w(result);
}

// After losing a simultaneous connect, the peer's own connection should come up soon; if it
// has not within the setup time, the waiters hear why.
// The timer is ours until it fires or close() ends it: a loop stopped before then would
// otherwise never free it.
struct ConnectionManager::SetupTimer {
  uv_timer_t handle;
  ConnectionManager* self;
  std::string node, why;
};

void ConnectionManager::fail_later_unless_up(const std::string& node, const std::string& why) {
  if (closed_) return;  // close() has answered every waiter
  auto* t = new SetupTimer{{}, this, node, why};
  uv_timer_init(loop_, &t->handle);
  t->handle.data = t;
  setup_timers_.insert(t);
  uv_timer_start(&t->handle, [](uv_timer_t* h) {
    auto* t = static_cast<SetupTimer*>(h->data);
    ConnectionManager* self = t->self;
    self->setup_timers_.erase(t);
    if (!self->connection(t->node) && self->table_.state(t->node) == PeerTable::State::none)
      self->finish_waiters(t->node, make_error(t->why));
    end_setup_timer(t);
  }, config_.connection.setup_timeout_ms, 0);
}

void ConnectionManager::end_setup_timer(SetupTimer* t) {
  uv_close(reinterpret_cast<uv_handle_t*>(&t->handle),
           [](uv_handle_t* h) { delete static_cast<SetupTimer*>(h->data); });
}

void ConnectionManager::disconnect(const std::string& node, const std::string& reason) {
  if (Connection* c = connection(node)) c->close(reason);
}

void ConnectionManager::close() {
  if (closed_) return;
  closed_ = true;
  listener_.close();
  for (SetupTimer* t : setup_timers_) end_setup_timer(t);
  setup_timers_.clear();
  auto conns = conns_;
  for (auto& [id, c] : conns) c->close("distribution shutting down");
  for (auto& [node, list] : waiters_)
    for (auto& w : list) w(make_error("distribution is shut down"));
  waiters_.clear();
}

void ConnectionManager::set_ticks(uint32_t net_ticktime_ms, uint32_t tick_every_ms) {
  config_.connection.net_ticktime_ms = net_ticktime_ms;
  config_.connection.tick_every_ms = tick_every_ms;
  for (auto& [id, c] : conns_) c->set_ticks(net_ticktime_ms, tick_every_ms);
}

term::Term ConnectionManager::set_new_socket_options(const term::Term& opts) {
  term::Term r = set_socket_options(listener_.socket_fd(), opts);
  if (!r.is_atom(term::atoms::ok)) return r;
  for (auto& [id, c] : conns_)
    if (!c->is_up() && c->socket_fd() >= 0) set_socket_options(c->socket_fd(), opts);
  std::vector<term::Term> all = term::list_elements(config_.connection.socket_options);
  for (const term::Term& o : term::list_elements(opts)) all.push_back(o);
  config_.connection.socket_options = term::Term::list(all);
  return r;
}

Connection* ConnectionManager::connection(const std::string& node) const {
  if (table_.state(node) != PeerTable::State::up && table_.state(node) != PeerTable::State::up_pending) return nullptr;
  auto it = conns_.find(table_.owner(node));
  return it != conns_.end() && it->second->is_up() ? it->second : nullptr;
}

std::vector<std::string> ConnectionManager::nodes() const {
  std::vector<std::string> out;
  for (const auto& [id, c] : conns_)
    if (c->is_up() && table_.owner(c->peer_node()) == id) out.push_back(c->peer_node());
  return out;
}

// ---- ConnectionHandler ------------------------------------------------------------------------

void ConnectionManager::on_peer_named(Connection& c) {
  if (closed_) return c.set_verdict(AcceptVerdict::not_allowed);
  std::string peer = c.peer_node();
  if (!allow_.accepts(peer)) {
    // dist_util's check_allowed: status not_allowed, then the connection ends.
    log_error("** Connection attempt from disallowed node " + peer + " **");
    return c.set_verdict(AcceptVerdict::not_allowed);
  }
  std::string dynamic_name;
  uint32_t dynamic_creation = 0;
  if (c.handshake().peer_wants_dynamic_name()) {
    // As net_kernel names such nodes: a random base-36 name on the host they gave.
    static constexpr char digits[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    do {
      uint64_t r = (uint64_t(random_challenge()) << 32) | random_challenge();
      std::string name;
      do {
        name += digits[r % 36];
        r /= 36;
      } while (r);
      dynamic_name = name + "@" + peer;
    } while (table_.state(dynamic_name) != PeerTable::State::none);
    dynamic_creation = std::max<uint32_t>(random_challenge(), 4);
    peer = dynamic_name;
  }
  auto verdict = table_.accept(config_.node_name, peer, c.id());
  if (verdict.abandon) {
    // Our own attempt lost to the peer's: end it quietly (its waiters stay for this one).
    if (auto it = conns_.find(verdict.abandon); it != conns_.end())
      it->second->close("simultaneous connect with node " + peer + ": the peer's connection is kept");
  }
  if (!dynamic_name.empty() && verdict.verdict == AcceptVerdict::ok) {
    return c.set_verdict(AcceptVerdict::named, dynamic_name, dynamic_creation);
  }
  c.set_verdict(verdict.verdict);
}

bool ConnectionManager::on_alive(Connection& c) { return table_.is_pending(c.peer_node(), c.id()); }

void ConnectionManager::on_replace_old(Connection& c) {
  ConnId old = table_.owner(c.peer_node());
  auto it = conns_.find(old);
  if (it == conns_.end() || old == c.id()) return c.old_connection_gone();
  it->second->close("node " + c.peer_node() + " connected again: the old connection is replaced");
  // on_closed of the old connection lets this one finish.
}

void ConnectionManager::on_up(Connection& c) {
  if (c.handshake().this_node() != config_.node_name) {
    // We had no name and the peer gave us one (NAME_ME): it is ours from now on.
    config_.node_name = c.handshake().this_node();
    config_.creation = c.handshake().this_creation();
    log_notice("node " + c.peer_node() + " named us " + config_.node_name + " (creation " +
               std::to_string(config_.creation) + ")");
  }
  table_.mark_up(c.peer_node(), c.id());
  if (table_.owner(c.peer_node()) != c.id()) {
    return c.close("node " + c.peer_node() + " already has a connection");
  }
  if (on_node_up) on_node_up(c);
  finish_waiters(c.peer_node(), Ok{});
}

void ConnectionManager::on_frame(Connection& c, const Frame& frame) {
  if (on_node_frame) on_node_frame(c, frame);
}

void ConnectionManager::on_written(Connection& c) {
  if (on_node_written) on_node_written(c);
}

uint8_t* ConnectionManager::frame_destination(Connection& c, std::span<const uint8_t> head, size_t length) {
  return on_node_frame_destination ? on_node_frame_destination(c, head, length) : nullptr;
}

void ConnectionManager::on_closed(Connection& c, const std::string& reason, bool was_up) {
  std::string node = c.peer_node();
  conns_.erase(c.id());
  table_.remove(node, c.id());
  if (was_up) {
    log_info("connection to node " + node + " down: " + reason);
    if (on_node_down) on_node_down(node, reason);
  }
  if (closed_) return;
  // A replacement waiting for this connection to end may now finish.
  if (table_.state(node) == PeerTable::State::pending) {
    auto it = conns_.find(table_.owner(node));
    if (it != conns_.end() && it->second->handshake().state() == Handshake::State::await_old_gone) {
      it->second->old_connection_gone();
      return;
    }
  }
  if (table_.state(node) != PeerTable::State::none) return;  // another connection carries on
  if (c.handshake().failure() == Handshake::Failure::simultaneous && c.is_initiator()) {
    fail_later_unless_up(node, reason);
    return;
  }
  finish_waiters(node, make_error(reason));
}

}  // namespace ergod::dist
