// The distribution controller (see distribution.h): the loop thread, the hand-off queue, and
// the routing of control messages between connections and the runtime.
#include "dist/distribution.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <uv.h>

#include <chrono>
#include <unordered_map>

#include "dist/flags.h"
#include "base/log.h"
#include "base/thread_name.h"
#include "dist/socket_options.h"
#include "dist/tcp.h"

namespace ergod::dist {

using term::Atom;
using term::Term;
namespace atoms = term::atoms;

struct Distribution::Impl {
  uv_loop_t loop;
  uv_async_t wake;
  uv_timer_t pump_timer;
  std::unique_ptr<EpmdManager> epmd;
  std::unique_ptr<ConnectionManager> cm;
  std::unordered_map<std::string, std::shared_ptr<NodeLink>> links;
  // Traffic for nodes being connected, in order.
  std::unordered_map<std::string, std::vector<Outgoing>> connecting;
  std::vector<Outgoing> batch;
  // disconnect()'s callers, answered when the node's connection is gone.
  std::unordered_map<std::string, std::vector<std::function<void(bool)>>> disconnecting;
  bool stopped = false;
};

namespace {
// OTP's dist_util publish_type: a connection is hidden when either side is (we are hidden or
// dialled it hidden, or the peer did not send PUBLISHED).
bool hidden_connection(const Connection& c, bool we_are_hidden) {
  return we_are_hidden || c.handshake().hidden() || !(c.handshake().peer_flags() & dflag::published);
}

// inet:peername's {Ip, Port} of a socket, with its family: {{A, B, C, D}, Port} and inet, or
// an 8-tuple of 16-bit groups and inet6; undefined for both when it has none.
std::pair<Term, Term> peer_name(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  Term undefined = Term::atom("undefined");
  if (fd < 0 || ::getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return {undefined, undefined};
  std::vector<Term> ip;
  int port = 0;
  if (ss.ss_family == AF_INET) {
    const auto& a = reinterpret_cast<const sockaddr_in&>(ss);
    const auto* b = reinterpret_cast<const uint8_t*>(&a.sin_addr);
    for (int k = 0; k < 4; ++k) ip.push_back(Term::integer(b[k]));
    port = ntohs(a.sin_port);
  } else if (ss.ss_family == AF_INET6) {
    const auto& a = reinterpret_cast<const sockaddr_in6&>(ss);
    const auto* b = reinterpret_cast<const uint8_t*>(&a.sin6_addr);
    for (int k = 0; k < 16; k += 2) ip.push_back(Term::integer((b[k] << 8) | b[k + 1]));
    port = ntohs(a.sin6_port);
  } else {
    return {undefined, undefined};
  }
  Term family = Term::atom(ss.ss_family == AF_INET ? "inet" : "inet6");
  return {Term::tuple({Term::tuple(ip), Term::integer(port)}), family};
}

Atom node_of(const Term& t) {
  if (t.is_pid()) return t.as<term::PidBox>()->node;
  if (t.is_reference()) return t.as<term::RefBox>()->node;
  if (t.is_port()) return t.as<term::PortBox>()->node;
  return atoms::nonode_nohost;
}

// Our queued forms are the newest operations; older peers get what they understand. false:
// the peer cannot take this at all (the message is dropped, as OTP does for ALIAS_SEND).
bool adapt_to_peer(Control& c, Term& payload, uint64_t flags) {
  switch (c.op) {
    case ControlOp::send_sender:
      if (!(flags & dflag::send_sender)) c.op = ControlOp::send, c.from = Term();
      return true;
    case ControlOp::payload_exit:
    case ControlOp::payload_exit2:
    case ControlOp::payload_monitor_p_exit:
      if (!(flags & dflag::exit_payload)) {
        c.op = c.op == ControlOp::payload_exit    ? ControlOp::exit
               : c.op == ControlOp::payload_exit2 ? ControlOp::exit2
                                                  : ControlOp::monitor_p_exit;
        c.reason = std::move(payload);
        payload = Term();
      }
      return true;
    case ControlOp::unlink_id:
      if (!(flags & dflag::unlink_id)) c.op = ControlOp::unlink;
      return true;
    case ControlOp::alias_send: return (flags & dflag::alias) != 0;
    case ControlOp::monitor_p:
    case ControlOp::demonitor_p: return (flags & dflag::dist_monitor) != 0;
    case ControlOp::spawn_reply: return (flags & dflag::spawn) != 0;
    default: return true;
  }
}
}  // namespace

Distribution::Distribution(DistributionOptions options) : options_(std::move(options)), impl_(std::make_unique<Impl>()) {}

Distribution::~Distribution() { stop(); }

Result<uint32_t> Distribution::start() {
  std::promise<Result<uint32_t>> started;
  auto f = started.get_future();
  thread_ = std::thread([this, &started] {
    base::name_this_thread("ergod-dist");
    run_loop(&started);
  });
  auto r = f.get();
  if (!r) {
    if (thread_.joinable()) thread_.join();
  }
  return r;
}

void Distribution::run_loop(std::promise<Result<uint32_t>>* started) {
  Impl& m = *impl_;
  loop_id_ = std::this_thread::get_id();
  uv_loop_init(&m.loop);
  uv_async_init(&m.loop, &m.wake, [](uv_async_t* a) { static_cast<Distribution*>(a->data)->drain(); });
  m.wake.data = this;
  uv_timer_init(&m.loop, &m.pump_timer);
  m.pump_timer.data = this;
  m.cm = std::make_unique<ConnectionManager>(&m.loop, options_.dist);
  m.cm->on_node_up = [this](Connection& c) { node_up(c); };
  m.cm->on_node_down = [this](const std::string& node, const std::string& reason) { node_gone(node, reason); };
  m.cm->on_node_frame = [this](Connection& c, const Frame& f) {
    auto it = impl_->links.find(c.peer_node());
    if (it != impl_->links.end()) it->second->on_frame(c, f);
  };
  m.cm->on_node_frame_destination = [this](Connection& c, std::span<const uint8_t> head, size_t length) -> uint8_t* {
    auto it = impl_->links.find(c.peer_node());
    return it == impl_->links.end() ? nullptr : it->second->frame_destination(head, length);
  };
  // The next fragments of a big message leave when a write completes, not on a timer.
  m.cm->on_node_written = [this](Connection& c) {
    auto it = impl_->links.find(c.peer_node());
    if (it != impl_->links.end()) pump_link(it->first, *it->second);
  };
  if (int rc = m.cm->listen(); rc != 0) {
    started->set_value(make_error("cannot listen for distribution: " + uv_error_text(rc)));
    shutdown_loop();
  } else {
    port_ = m.cm->port();
    m.epmd = std::make_unique<EpmdManager>(&m.loop, options_.epmd);
    epmd::NodeEntry e;
    e.name = options_.dist.node_name.substr(0, options_.dist.node_name.find('@'));
    e.port = port_;
    if (options_.dist.hidden) e.node_type = epmd::kNodeTypeHidden;
    m.epmd->start(e, [this, started](Result<uint32_t> r) {
      if (r) impl_->cm->set_creation(r.value());
      bool ok = r.ok();
      started->set_value(std::move(r));
      if (!ok) shutdown_loop();
    });
  }
  // Runs until shutdown_loop() has closed our handles and every connection is gone.
  run_until_closed();
  for (auto& [node, link] : m.links) link->detach();
  {
    std::lock_guard<std::mutex> l(direct_mu_);
    direct_links_.clear();
  }
  m.links.clear();
  m.cm.reset();
  m.epmd.reset();
  uv_run(&m.loop, UV_RUN_DEFAULT);
  uv_loop_close(&m.loop);
}

// The loop, polled: after a message arrives the thread keeps polling (non-blocking, yielding
// the core between polls) for kLoopSpin before it blocks in epoll again, as the workers spin
// before they sleep. A peer's next message is then usually read at once instead of after a
// wake-up: 64 remote callers went from about 220 k to 250-470 k calls/s (2 cores, ergod to
// ergod). An idle node blocks as before; a busy one was awake anyway.
void Distribution::run_until_closed() {
  Impl& m = *impl_;
  constexpr auto kLoopSpin = std::chrono::microseconds(50);
  uint64_t seen = messages_in_.load(std::memory_order_relaxed);
  auto active = std::chrono::steady_clock::now();
  for (;;) {
    int alive;
    if (std::chrono::steady_clock::now() - active < kLoopSpin) {
      alive = uv_run(&m.loop, UV_RUN_NOWAIT);
      std::this_thread::yield();
    } else {
      alive = uv_run(&m.loop, UV_RUN_ONCE);
    }
    if (!alive) return;  // shutdown_loop() closed our handles and every connection is gone
    // Any message, also one an idle worker read: counting only the loop's own reads let it
    // sleep in epoll while workers read, and 64 remote callers fell from 400-500 k to
    // 200-250 k calls/s (a lone caller's rate did not change either way).
    uint64_t in = messages_in_.load(std::memory_order_relaxed);
    if (in != seen) {
      seen = in;
      active = std::chrono::steady_clock::now();
    }
  }
}

void Distribution::shutdown_loop() {
  Impl& m = *impl_;
  if (m.stopped) return;
  m.stopped = true;
  m.cm->close();
  if (m.epmd) m.epmd->stop();
  uv_close(reinterpret_cast<uv_handle_t*>(&m.wake), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&m.pump_timer), nullptr);
}

void Distribution::attach(runtime::Runtime& runtime) {
  runtime_.store(&runtime, std::memory_order_release);
  runtime.set_remote_router(this);
}

void Distribution::stop() {
  if (!thread_.joinable()) return;
  if (auto* rt = runtime_.load(std::memory_order_acquire)) {
    rt->set_remote_router(nullptr);
  }
  post_task([this] { shutdown_loop(); });
  {
    std::lock_guard<std::mutex> l(queue_mu_);
    stopping_ = true;
  }
  thread_.join();
  runtime_.store(nullptr, std::memory_order_release);
  std::lock_guard<std::mutex> l(nodes_mu_);
  nodes_.clear();
  nodes_hidden_.clear();
}

std::vector<std::string> Distribution::nodes() const {
  std::lock_guard<std::mutex> l(nodes_mu_);
  return nodes_;
}

std::vector<std::string> Distribution::visible_nodes() const {
  std::lock_guard<std::mutex> l(nodes_mu_);
  std::vector<std::string> out;
  for (size_t i = 0; i < nodes_.size(); ++i)
    if (!nodes_hidden_[i]) out.push_back(nodes_[i]);
  return out;
}

std::vector<std::string> Distribution::hidden_nodes() const {
  std::lock_guard<std::mutex> l(nodes_mu_);
  std::vector<std::string> out;
  for (size_t i = 0; i < nodes_.size(); ++i)
    if (nodes_hidden_[i]) out.push_back(nodes_[i]);
  return out;
}

void Distribution::update_nodes() {
  auto list = impl_->cm->nodes();
  std::vector<bool> hidden;
  for (const auto& n : list) {
    auto it = impl_->links.find(n);
    hidden.push_back(it != impl_->links.end() && hidden_connection(it->second->connection(), options_.dist.hidden));
  }
  std::lock_guard<std::mutex> l(nodes_mu_);
  nodes_ = std::move(list);
  nodes_hidden_ = std::move(hidden);
}

// ---- hand-off ---------------------------------------------------------------------------------

bool Distribution::post(Atom node, Control control, Term payload, bool noconnect) {
  if (send_direct(node, control, payload)) return true;
  {
    std::lock_guard<std::mutex> l(queue_mu_);
    if (stopping_) return false;
    queue_.push_back(Outgoing{node, std::move(control), std::move(payload), {}, noconnect});
    ++unrouted_;
  }
  uv_async_send(&impl_->wake);
  return true;
}

void Distribution::post_task(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> l(queue_mu_);
    if (stopping_) return;
    queue_.push_back(Outgoing{Atom(), Control{}, Term(), std::move(task)});
    ++unrouted_;
  }
  uv_async_send(&impl_->wake);
}

void Distribution::drain() {
  Impl& m = *impl_;
  {
    std::lock_guard<std::mutex> l(queue_mu_);
    m.batch.swap(queue_);
  }
  uint64_t routed = 0;
  for (auto& o : m.batch) {
    if (o.task) {
      o.task();
      ++routed;
    } else if (m.stopped || !route_out(o)) {
      ++routed;
    }
  }
  m.batch.clear();
  std::lock_guard<std::mutex> l(queue_mu_);
  unrouted_ -= routed;
}

bool Distribution::send_direct(Atom node, Control& control, Term& payload) {
  if (std::this_thread::get_id() == loop_id_) return false;  // the loop keeps its queue's order
  if (stopping_.load(std::memory_order_acquire) || unrouted_.load(std::memory_order_acquire) != 0) return false;
  std::shared_ptr<NodeLink> link;
  {
    std::lock_guard<std::mutex> l(direct_mu_);
    auto it = direct_links_.find(node.index());
    if (it == direct_links_.end()) return false;
    link = it->second;
  }
  if (!adapt_to_peer(control, payload, link->flags())) return true;  // dropped, as OTP does
  // A failure sent nothing. A connection closing (or gone) takes the message with it, as in
  // route_out and as erts drops what is sent to a connection going down: queued, it would
  // dial the node again once the loop has seen it down (found with a spawn reply sent while
  // a disconnect that the spawned process asked for was waiting for this read to end).
  // Otherwise (output queue full) the queue retries, and the loop closes the connection if it
  // fails again.
  if (!link->send(control, payload)) return link->going();
  messages_out_.fetch_add(1, std::memory_order_relaxed);
  // Fragments over the watermark: the loop pumps them (a write completion may not follow if
  // this thread's direct write emptied the connection's queue).
  if (link->has_queued()) post_task([this] { schedule_pump(); });
  return true;
}

void Distribution::publish_link(Atom node, std::shared_ptr<NodeLink> link) {
  std::lock_guard<std::mutex> l(direct_mu_);
  if (link)
    direct_links_[node.index()] = std::move(link);
  else
    direct_links_.erase(node.index());
}

// ---- out --------------------------------------------------------------------------------------

bool Distribution::route_out(Outgoing& o) {
  Impl& m = *impl_;
  std::string node(o.node.name());
  if (node == options_.dist.node_name) return false;
  auto it = m.links.find(node);
  if (it == m.links.end()) {
    if (o.noconnect) return false;  // erlang:send's noconnect: not connected, dropped
    auto& held = m.connecting[node];
    held.push_back(std::move(o));
    if (held.size() == 1) {
      log_debug("node " + node + " not connected: dialling it for " + (o.task ? "a task" : describe(o.control)));
      m.cm->connect(node, [this, node](Status s) { connect_done(node, s); });
    }
    return true;
  }
  NodeLink& link = *it->second;
  // A connection being closed (net_kernel:disconnect, a lost peer) takes nothing more: the
  // message is lost with it, as on a connection that went down, and node_gone follows.
  if (link.connection().is_closing()) return false;
  if (!adapt_to_peer(o.control, o.payload, link.flags())) return false;
  auto s = link.send(o.control, o.payload);
  if (!s) {
    log_error("closing the connection to node " + node + ": " + s.error());
    link.connection().close(s.error());
    return false;
  }
  messages_out_.fetch_add(1, std::memory_order_relaxed);
  return false;
}

void Distribution::connect_done(const std::string& node, const Status& s) {
  Impl& m = *impl_;
  auto it = m.connecting.find(node);
  if (it == m.connecting.end()) return;
  auto held = std::move(it->second);
  m.connecting.erase(it);
  struct Routed {  // the held items are through route_out when this scope ends, either way
    Distribution* d;
    uint64_t n;
    ~Routed() {
      std::lock_guard<std::mutex> l(d->queue_mu_);
      d->unrouted_ -= n;
    }
  } routed{this, held.size()};
  if (s && m.links.count(node)) {
    for (auto& o : held) route_out(o);
    return;
  }
  std::string dropped = held.empty() ? "" : "; dropping " + std::to_string(held.size()) + " signal(s)";
  log_notice("cannot connect to node " + node + ": " + (s ? std::string("connection went down") : s.error()) +
             dropped);
  Atom a;
  if (auto* rt = runtime_.load(std::memory_order_acquire); rt && Atom::find(node, a)) rt->node_down(a);
}

void Distribution::schedule_pump() {
  if (uv_is_active(reinterpret_cast<uv_handle_t*>(&impl_->pump_timer))) return;
  uv_timer_start(&impl_->pump_timer, [](uv_timer_t* t) { static_cast<Distribution*>(t->data)->pump(); }, 0, 0);
}

// Work left after a pump means the connection's output is over the watermark: its next write
// completion (on_node_written) pumps again.
void Distribution::pump() {
  for (auto& [node, link] : impl_->links) pump_link(node, *link);
}

void Distribution::pump_link(const std::string& node, NodeLink& link) {
  if (!link.has_queued() || link.connection().is_closing()) return;
  auto r = link.pump();
  if (!r) {
    log_error("closing the connection to node " + node + ": " + r.error());
    link.connection().close(r.error());
  }
}

bool Distribution::connect_node(Atom node) {
  // As a held signal would: dial unless up or already dialling; a failure ends in node_down.
  std::string name(node.name());
  post_task([this, name] {
    Impl& m = *impl_;
    if (m.stopped || name == options_.dist.node_name || m.links.count(name) || m.connecting.count(name)) return;
    m.connecting[name];
    m.cm->connect(name, [this, name](Status s) { connect_done(name, s); });
  });
  return true;
}

void Distribution::connect(const std::string& node, std::function<void(Status)> done, bool hidden) {
  post_task([this, node, done = std::move(done), hidden] { impl_->cm->connect(node, done, hidden); });
}

void Distribution::connection_info(std::function<void(std::vector<ConnectionInfo>)> done) {
  post_task([this, done = std::move(done)] {
    std::vector<ConnectionInfo> out;
    if (impl_->stopped) return done(std::move(out));
    for (const auto& node : impl_->cm->nodes()) {
      const Connection* c = impl_->cm->connection(node);
      if (!c) continue;
      ConnectionInfo i;
      i.node = node;
      i.hidden = hidden_connection(*c, options_.dist.hidden);
      auto [address, family] = peer_name(c->socket_fd());
      i.address = std::move(address), i.family = std::move(family);
      i.in = c->frames_received();
      i.out = c->frames_sent() + c->ticks_sent();
      out.push_back(std::move(i));
    }
    done(std::move(out));
  });
}

void Distribution::allow(std::vector<std::string> nodes) {
  post_task([this, nodes = std::move(nodes)] {
    if (!impl_->stopped) impl_->cm->allow(nodes);
  });
}

void Distribution::disconnect(const std::string& node, std::function<void(bool)> done) {
  post_task([this, node, done = std::move(done)] {
    Impl& m = *impl_;
    if (m.stopped || !m.cm->connection(node)) return done(false);
    m.disconnecting[node].push_back(std::move(done));
    m.cm->disconnect(node, "disconnected on request (net_kernel:disconnect)");
  });
}

void Distribution::socket_options(const std::string& node, bool set, Term opts, std::function<void(Term)> done) {
  post_task([this, node, set, opts = std::move(opts), done = std::move(done)] {
    Impl& m = *impl_;
    Connection* c = m.stopped ? nullptr : m.cm->connection(node);
    int fd = c ? c->socket_fd() : -1;
    if (fd < 0) return done(Term::tuple({Term::atom(term::atoms::error), Term::atom("noconnection")}));
    done(set ? set_socket_options(fd, opts) : get_socket_options(fd, opts));
  });
}

void Distribution::set_new_socket_options(Term opts, std::function<void(Term)> done) {
  post_task([this, opts = std::move(opts), done = std::move(done)] {
    if (impl_->stopped) return done(Term::tuple({Term::atom(term::atoms::error), Term::atom("einval")}));
    done(impl_->cm->set_new_socket_options(opts));
  });
}

void Distribution::set_ticks(uint32_t net_ticktime_ms, uint32_t tick_every_ms) {
  post_task([this, net_ticktime_ms, tick_every_ms] {
    if (!impl_->stopped) impl_->cm->set_ticks(net_ticktime_ms, tick_every_ms);
  });
}

void Distribution::send_spawn_reply(Atom node, const Term& req_id, const Term& to, uint64_t flags, const Term& result) {
  Control c;
  c.op = ControlOp::spawn_reply;
  c.ref = req_id;
  c.to = to;
  c.flags = flags;
  c.result = result;
  post(node, std::move(c));
}

// ---- nodes up and down ------------------------------------------------------------------------

void Distribution::node_up(Connection& c) {
  Impl& m = *impl_;
  auto link = std::make_shared<NodeLink>(c, options_.link, &fragmented_out_);
  link->set_deliver([this](NodeLink& l, DistMessage& msg) { route_in(l, msg); }, &fragmented_in_);
  auto& slot = m.links[c.peer_node()];
  if (slot) slot->detach();
  slot = link;
  update_nodes();
  // Workers may send to it directly from now on (once nothing held for it is left unrouted).
  publish_link(Atom::make(c.peer_node()), link);
  // nodeup before anything from the node is delivered (this runs before its first frame).
  bool hidden = hidden_connection(c, options_.dist.hidden);
  if (auto* rt = runtime_.load(std::memory_order_acquire)) rt->node_up(Atom::make(c.peer_node()), hidden);
  if (node_event_) node_event_(c.peer_node(), true, hidden);
  // Idle workers read it too from now on (the connection holds its input lock until the
  // handshake's leftover frames are delivered).
  link->poll_from_workers();
  // Held traffic is sent by connect_done, which follows at once.
}

void Distribution::node_gone(const std::string& node, const std::string& reason) {
  Impl& m = *impl_;
  Atom a;
  bool hidden = true;  // never up: nobody was told of it
  if (auto it = m.links.find(node); it != m.links.end()) {
    hidden = hidden_connection(it->second->connection(), options_.dist.hidden);
    if (Atom::find(node, a)) publish_link(a, nullptr);
    it->second->detach();  // a worker still holding it sends nothing more to the connection
    m.links.erase(it);
  }
  update_nodes();
  (void)reason;
  if (auto* rt = runtime_.load(std::memory_order_acquire); rt && Atom::find(node, a)) rt->node_down(a);
  if (node_event_) node_event_(node, false, hidden);
  if (auto it = m.disconnecting.find(node); it != m.disconnecting.end()) {
    auto waiting = std::move(it->second);
    m.disconnecting.erase(it);
    for (auto& done : waiting) done(true);
  }
}

// ---- in ---------------------------------------------------------------------------------------

// On the loop thread or on a worker that read the message (see NodeLink::poll_thread).
void Distribution::route_in(NodeLink& link, DistMessage& msg) {
  messages_in_.fetch_add(1, std::memory_order_relaxed);
  if (std::this_thread::get_id() == loop_id_) loop_messages_in_.fetch_add(1, std::memory_order_relaxed);
  runtime::Runtime* rt = runtime_.load(std::memory_order_acquire);
  Control& c = msg.control;
  const std::string& peer = link.connection().peer_node();
  switch (without_token(c.op)) {
    case ControlOp::send:
    case ControlOp::send_sender:
      if (rt) rt->deliver_send(c.to, std::move(msg.payload));
      return;
    case ControlOp::reg_send:
      if (rt) rt->deliver_reg_send(c.from, c.to.atom_value(), std::move(msg.payload));
      return;
    case ControlOp::alias_send:
      if (rt) rt->deliver_alias_send(c.from, c.to, std::move(msg.payload));
      return;
    case ControlOp::link:
      if (rt) rt->deliver_link(c.from, c.to);
      return;
    case ControlOp::unlink:
      if (rt) rt->deliver_unlink(c.from, c.to);
      return;
    case ControlOp::unlink_id: {
      if (rt) rt->deliver_unlink(c.from, c.to);
      Control ack;
      ack.op = ControlOp::unlink_id_ack;
      ack.id = c.id;
      ack.from = c.to;
      ack.to = c.from;
      if (auto s = link.send(ack, Term()); !s) link.connection().fail(s.error());
      return;
    }
    case ControlOp::unlink_id_ack:
      return;  // the runtime removed the link when it unlinked; nothing waits for the ack
    case ControlOp::exit:
      if (rt) rt->deliver_link_exit(c.from, c.to, std::move(c.reason));
      return;
    case ControlOp::payload_exit:
      if (rt) rt->deliver_link_exit(c.from, c.to, std::move(msg.payload));
      return;
    case ControlOp::exit2:
      if (rt) rt->deliver_exit(c.from, c.to, std::move(c.reason));
      return;
    case ControlOp::payload_exit2:
      if (rt) rt->deliver_exit(c.from, c.to, std::move(msg.payload));
      return;
    case ControlOp::monitor_p:
      if (rt) rt->deliver_monitor(c.from, c.to, c.ref);
      return;
    case ControlOp::demonitor_p:
      if (rt) rt->deliver_demonitor(c.from, c.to, c.ref);
      return;
    case ControlOp::monitor_p_exit:
      if (rt) rt->deliver_down(c.from, c.to, c.ref, std::move(c.reason));
      return;
    case ControlOp::payload_monitor_p_exit:
      if (rt) rt->deliver_down(c.from, c.to, c.ref, std::move(msg.payload));
      return;
    case ControlOp::spawn_request: {
      Atom node;
      Atom::find(peer, node);
      if (spawn_handler_) {
        spawn_handler_(SpawnRequest{node, c.ref, c.from, c.group_leader, c.mfa, c.options, std::move(msg.payload)});
        return;
      }
      Control reply;
      reply.op = ControlOp::spawn_reply;
      reply.ref = c.ref;
      reply.to = c.from;
      reply.result = Term::atom("notsup");
      Term none;
      if (adapt_to_peer(reply, none, link.flags()))
        if (auto s = link.send(reply, Term()); !s) link.connection().fail(s.error());
      return;
    }
    case ControlOp::spawn_reply:
      log_debug("SPAWN_REPLY from node " + peer + " ignored: ergod sends no spawn requests yet");
      return;
    case ControlOp::group_leader:
      log_debug("GROUP_LEADER from node " + peer + " ignored: ergod processes have no group leader");
      return;
    case ControlOp::node_link:
      return;
    default:
      log_warning("unexpected " + describe(c) + " from node " + peer);
      return;
  }
}

// ---- runtime::RemoteRouter --------------------------------------------------------------------

bool Distribution::send(const Term& from, const Term& to, Term message) {
  Control c;
  c.op = ControlOp::send_sender;
  c.from = from;
  c.to = to;
  return post(node_of(to), std::move(c), std::move(message));
}

bool Distribution::send_registered(const Term& from, Atom name, Atom node, Term message) {
  Control c;
  c.op = ControlOp::reg_send;
  c.from = from;
  c.to = Term::atom(name);
  return post(node, std::move(c), std::move(message));
}

bool Distribution::send_registered_noconnect(const Term& from, Atom name, Atom node, Term message) {
  Control c;
  c.op = ControlOp::reg_send;
  c.from = from;
  c.to = Term::atom(name);
  return post(node, std::move(c), std::move(message), true);
}

bool Distribution::send_alias(const Term& from, const Term& alias, Term message) {
  Control c;
  c.op = ControlOp::alias_send;
  c.from = from;
  c.to = alias;
  return post(node_of(alias), std::move(c), std::move(message));
}

bool Distribution::link(const Term& from, const Term& to) {
  Control c;
  c.op = ControlOp::link;
  c.from = from;
  c.to = to;
  return post(node_of(to), std::move(c));
}

bool Distribution::unlink(const Term& from, const Term& to) {
  Control c;
  c.op = ControlOp::unlink_id;
  c.from = from;
  c.to = to;
  // Ids only need to be unique per link and direction: one counter for the node does.
  static std::atomic<uint64_t> next_id{1};
  c.id = next_id.fetch_add(1, std::memory_order_relaxed);
  return post(node_of(to), std::move(c));
}

bool Distribution::link_exit(const Term& from, const Term& to, Term reason) {
  Control c;
  c.op = ControlOp::payload_exit;
  c.from = from;
  c.to = to;
  return post(node_of(to), std::move(c), std::move(reason));
}

bool Distribution::exit(const Term& from, const Term& to, Term reason) {
  Control c;
  c.op = ControlOp::payload_exit2;
  c.from = from;
  c.to = to;
  return post(node_of(to), std::move(c), std::move(reason));
}

bool Distribution::monitor(const Term& from, Atom node, const Term& to, const Term& ref) {
  Control c;
  c.op = ControlOp::monitor_p;
  c.from = from;
  c.to = to;
  c.ref = ref;
  return post(node, std::move(c));
}

bool Distribution::demonitor(const Term& from, Atom node, const Term& to, const Term& ref) {
  Control c;
  c.op = ControlOp::demonitor_p;
  c.from = from;
  c.to = to;
  c.ref = ref;
  return post(node, std::move(c));
}

bool Distribution::down(const Term& from, const Term& to, const Term& ref, Term reason) {
  Control c;
  c.op = ControlOp::payload_monitor_p_exit;
  c.from = from;
  c.to = to;
  c.ref = ref;
  return post(node_of(to), std::move(c), std::move(reason));
}

}  // namespace ergod::dist
