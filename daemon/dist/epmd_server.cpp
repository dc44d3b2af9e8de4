// The embedded EPMD server (see epmd_server.h).
#include "dist/epmd_server.h"

#include <array>
#include <ctime>

#include "base/log.h"
#include "dist/tcp.h"
#include "dist/wire.h"

namespace ergod::dist {

using namespace epmd;

namespace {
constexpr Registry::Owner kLocalOwner = 1;

int uv_fileno_of(uv_tcp_t* tcp) {
  uv_os_fd_t fd = -1;
  return uv_fileno(reinterpret_cast<uv_handle_t*>(tcp), &fd) == 0 ? fd : -1;
}
}

// One accepted connection. Owns two handles; freed when both have closed.
struct EpmdServer::Conn {
  EpmdServer* server;
  uv_tcp_t tcp;
  uv_timer_t timer;
  int open_handles = 2;
  Registry::Owner owner;
  std::string peer;
  bool local = false;
  bool registered = false;
  bool answered = false;  // a one-shot reply is on its way; the connection closes after it
  bool refused = false;   // ALIVE2_REQ answered with an error; open until the peer goes
  bool closing = false;
  std::string in;
  std::array<char, 4096> read_buf;

  void close() {
    if (closing) return;
    closing = true;
    if (server) server->drop(this);
    auto done = [](uv_handle_t* h) {
      auto* c = static_cast<Conn*>(h->data);
      if (--c->open_handles == 0) delete c;
    };
    uv_close(reinterpret_cast<uv_handle_t*>(&tcp), done);
    uv_close(reinterpret_cast<uv_handle_t*>(&timer), done);
  }

  void fail(const std::string& what) {
    log_warning("epmd: " + peer + ": " + what + "; connection closed");
    close();
  }

  // Writes `bytes`; closes the connection after it when `then_close`.
  void reply(std::string bytes, bool then_close) {
    struct Write {
      uv_write_t req;
      std::string data;
      bool then_close;
    };
    auto* w = new Write{{}, std::move(bytes), then_close};
    w->req.data = w;
    if (then_close) answered = true;
    uv_buf_t buf = uv_buf_init(w->data.data(), static_cast<unsigned>(w->data.size()));
    int rc = uv_write(&w->req, reinterpret_cast<uv_stream_t*>(&tcp), &buf, 1, [](uv_write_t* req, int status) {
      auto* w = static_cast<Write*>(req->data);
      auto* c = static_cast<Conn*>(req->handle->data);
      bool then_close = w->then_close;
      delete w;
      if (status == UV_ECANCELED) return;  // the connection is already closing
      if (status != 0 || then_close) c->close();
    });
    if (rc != 0) {
      delete w;
      fail("cannot write reply: " + uv_error_text(rc));
    }
  }

  void on_read(ssize_t nread, const uv_buf_t*) {
    if (nread < 0) {
      if (!registered && !answered && !refused && !in.empty())
        log_warning("epmd: " + peer + ": connection closed after " + std::to_string(in.size()) +
                    " bytes of an incomplete request");
      close();
      return;
    }
    if (nread == 0) return;
    if (answered) return;  // closing once the reply is out
    // epmd takes one request per connection: anything after a registration (or a refused one)
    // closes the connection, and with it the registration.
    if (registered || refused) return fail("data after ALIVE2_REQ");
    in.append(read_buf.data(), static_cast<size_t>(nread));
    if (in.size() < 2) return;
    size_t len = wire::u16(in, 0);
    if (len == 0) return fail("empty request (length 0)");
    if (len > kMaxRequest)
      return fail("request length " + std::to_string(len) + " exceeds the limit of " + std::to_string(kMaxRequest));
    if (in.size() < 2 + len) return;
    auto req = parse_request(std::string_view(in).substr(2, len));
    if (!req) return fail(req.error());
    // epmd reads a request whole and does not answer one that came with more bytes than its
    // length (a second request in the same segment, say).
    if (in.size() > 2 + len)
      return fail(std::to_string(in.size() - 2 - len) + " bytes after a request of " + std::to_string(len) + " bytes");
    if (server) server->handle(this, req.value());
  }
};

EpmdServer::EpmdServer(uv_loop_t* loop, EpmdServerOptions options) : loop_(loop), options_(std::move(options)) {}

EpmdServer::~EpmdServer() { close(); }

int EpmdServer::listen(uint16_t port) {
  if (listener_) return UV_EALREADY;
  auto* tcp = new uv_tcp_t;
  uv_tcp_init(loop_, tcp);
  tcp->data = this;
  int rc = tcp_listen(tcp, options_.address, port, &EpmdServer::on_connection);
  if (rc != 0) {
    close_and_delete(tcp);
    return rc;
  }
  listener_ = tcp;
  port_ = bound_port(tcp);
  log_info("epmd: embedded EPMD listening on " + options_.address + ":" + std::to_string(port_));
  return 0;
}

void EpmdServer::close() {
  if (listener_) {
    listener_->data = nullptr;
    close_and_delete(listener_);
    listener_ = nullptr;
    log_info("epmd: embedded EPMD on port " + std::to_string(port_) + " stopped");
  }
  auto conns = conns_;
  for (Conn* c : conns) c->close();
  conns_.clear();
  registry_.remove_owner(kLocalOwner);
}

void EpmdServer::on_connection(uv_stream_t* stream, int status) {
  auto* self = static_cast<EpmdServer*>(stream->data);
  if (!self) return;
  if (status != 0) {
    log_warning("epmd: accept failed: " + uv_error_text(status));
    return;
  }
  auto* c = new Conn;
  c->server = self;
  c->owner = self->next_owner_++;
  uv_tcp_init(self->loop_, &c->tcp);
  uv_timer_init(self->loop_, &c->timer);
  c->tcp.data = c;
  c->timer.data = c;
  self->conns_.insert(c);
  if (uv_accept(stream, reinterpret_cast<uv_stream_t*>(&c->tcp)) != 0) {
    c->close();
    return;
  }
  c->peer = peer_address(&c->tcp);
  c->local = peer_is_local(&c->tcp);
  if (self->conns_.size() > self->options_.max_connections) {
    c->fail("too many connections (" + std::to_string(self->options_.max_connections) + ")");
    return;
  }
  uv_timer_start(&c->timer, [](uv_timer_t* t) {
    auto* c = static_cast<Conn*>(t->data);
    if (!c->registered && !c->answered) c->fail("no complete request in time");
  }, self->options_.request_timeout_ms, 0);
  uv_read_start(reinterpret_cast<uv_stream_t*>(&c->tcp),
                [](uv_handle_t* h, size_t, uv_buf_t* buf) {
                  auto* c = static_cast<Conn*>(h->data);
                  *buf = uv_buf_init(c->read_buf.data(), static_cast<unsigned>(c->read_buf.size()));
                },
                [](uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) {
                  static_cast<Conn*>(s->data)->on_read(nread, buf);
                });
}

void EpmdServer::drop(Conn* c) {
  conns_.erase(c);
  c->server = nullptr;
  for (const auto& name : registry_.remove_owner(c->owner))
    log_info("epmd: unregistered " + name + " (its connection closed)");
}

void EpmdServer::handle(Conn* c, const Request& req) {
  bool local_only = std::holds_alternative<Alive2Req>(req) || std::holds_alternative<DumpReq>(req) ||
                    std::holds_alternative<KillReq>(req) || std::holds_alternative<StopReq>(req);
  if (local_only && !c->local) return c->fail(std::string(request_name(req)) + " from a non-local address refused");
  uv_timer_stop(&c->timer);

  if (auto* a = std::get_if<Alive2Req>(&req)) {
    const NodeEntry& e = a->entry;
    bool extended = e.highest_version >= 6;
    // A refusal is result 1 with creation 99, and epmd leaves the connection open.
    auto refuse = [&](const std::string& why) {
      log_warning("epmd: " + c->peer + ": " + why + "; refused");
      c->refused = true;
      c->reply(encode_alive2_resp({1, 99, extended}), false);
    };
    if (auto ok = check_alive2(e); !ok) return refuse(ok.error());
    auto creation = registry_.add(e, c->owner, static_cast<uint64_t>(std::time(nullptr)), uv_fileno_of(&c->tcp));
    if (!creation) return refuse("name " + e.name + " is already registered");
    c->registered = true;
    log_info("epmd: registered " + e.name + " at port " + std::to_string(e.port) + " (creation " +
             std::to_string(*creation) + ")");
    uint32_t told = extended ? *creation : Registry::short_creation(*creation);
    return c->reply(encode_alive2_resp({0, told, extended}), false);
  }
  if (auto* p = std::get_if<PortPlease2Req>(&req)) {
    Port2Resp r;
    if (const NodeEntry* e = registry_.find(p->name)) {
      r.found = true;
      r.entry = *e;
    }
    return c->reply(encode_port2_resp(r), true);
  }
  if (std::holds_alternative<NamesReq>(req)) return c->reply(encode_names_resp(port_, registry_.names()), true);
  if (std::holds_alternative<DumpReq>(req)) {
    std::string out;
    wire::put_u32(out, port_);
    return c->reply(out + registry_.dump_text(), true);
  }
  if (std::holds_alternative<KillReq>(req)) {
    if (!registry_.empty()) {
      log_notice("epmd: " + c->peer + ": KILL_REQ refused, nodes are registered");
      return c->reply("NO", true);
    }
    log_notice("epmd: " + c->peer + ": KILL_REQ with no node registered; embedded EPMD stops");
    // Detach the asking connection first, so that closing the server does not cancel "OK".
    conns_.erase(c);
    c->server = nullptr;
    c->reply("OK", true);
    close();
    if (on_killed) on_killed();
    return;
  }
  if (std::holds_alternative<StopReq>(req)) {
    // Like epmd without -relaxed_command_check: no answer, the connection closes.
    return c->fail("STOP_REQ refused (only allowed with relaxed command checks)");
  }
}

Result<uint32_t> EpmdServer::register_local(const NodeEntry& entry) {
  // Our node has no socket of its own here; DUMP shows the listener's.
  int fd = listener_ ? uv_fileno_of(listener_) : -1;
  auto creation = registry_.add(entry, kLocalOwner, static_cast<uint64_t>(std::time(nullptr)), fd);
  if (!creation) return make_error("node name " + entry.name + " is already registered with the embedded EPMD");
  log_info("epmd: registered our node " + entry.name + " at port " + std::to_string(entry.port) +
           " (creation " + std::to_string(*creation) + ")");
  return *creation;
}

void EpmdServer::unregister_local(const std::string& name) {
  if (registry_.remove_name(name, kLocalOwner)) log_info("epmd: unregistered our node " + name);
}

}  // namespace ergod::dist
