// EPMD client (see epmd_client.h). One EpmdCall per request: dial, send, read until the
// answer is complete (or, for NAMES, until the server closes).
#include "dist/epmd_client.h"

#include <array>

#include "base/log.h"
#include "dist/tcp.h"

namespace ergod::dist {

using namespace epmd;

struct EpmdCall : std::enable_shared_from_this<EpmdCall> {
  enum class Kind { alive, port, names };
  uv_loop_t* loop;
  Kind kind;
  EpmdTarget target;
  std::string request;
  std::string what;  // for messages: "registering x", "looking up x", "listing names"
  std::shared_ptr<Dial> dial;
  uv_tcp_t* tcp = nullptr;
  uv_timer_t* timer = nullptr;
  std::string in;
  std::array<char, 4096> buf;
  bool finished = false;   // the first callback ran (or was cancelled)
  bool closed = false;
  std::shared_ptr<EpmdCall> keep;  // alive while libuv may call back

  std::function<void(Result<uint32_t>)> on_alive;
  std::function<void(const std::string&)> on_lost;
  std::function<void(Result<Port2Resp>)> on_port;
  std::function<void(Result<NamesResp>)> on_names;

  std::string where() const { return "EPMD at " + target.host + ":" + std::to_string(target.port); }

  void start() {
    keep = shared_from_this();
    timer = new uv_timer_t;
    uv_timer_init(loop, timer);
    timer->data = this;
    uv_timer_start(timer, [](uv_timer_t* t) {
      auto* self = static_cast<EpmdCall*>(t->data);
      self->error("no answer from " + self->where() + " in " + std::to_string(self->target.timeout_ms) + " ms");
    }, target.timeout_ms, 0);
    dial = Dial::start(loop, target.host, target.port, [this](uv_tcp_t* t, const std::string& err) {
      dial.reset();
      if (!t) return error(err);
      tcp = t;
      tcp->data = this;
      send();
    });
  }

  void send() {
    auto* req = new uv_write_t;
    req->data = this;
    uv_buf_t b = uv_buf_init(request.data(), static_cast<unsigned>(request.size()));
    int rc = uv_write(req, reinterpret_cast<uv_stream_t*>(tcp), &b, 1, [](uv_write_t* r, int status) {
      auto* self = static_cast<EpmdCall*>(r->data);
      delete r;
      if (status != 0 && status != UV_ECANCELED) self->error("cannot write to " + self->where() + ": " + uv_error_text(status));
    });
    if (rc != 0) {
      delete req;
      return error("cannot write to " + where() + ": " + uv_error_text(rc));
    }
    uv_read_start(reinterpret_cast<uv_stream_t*>(tcp),
                  [](uv_handle_t* h, size_t, uv_buf_t* out) {
                    auto* self = static_cast<EpmdCall*>(h->data);
                    *out = uv_buf_init(self->buf.data(), static_cast<unsigned>(self->buf.size()));
                  },
                  [](uv_stream_t* s, ssize_t n, const uv_buf_t*) { static_cast<EpmdCall*>(s->data)->on_read(n); });
  }

  void on_read(ssize_t n) {
    if (n == 0) return;
    if (n < 0) return on_eof(n);
    if (finished) return;  // a registered connection carries nothing more
    in.append(buf.data(), static_cast<size_t>(n));
    if (in.size() > 1 << 20) return error(where() + " sent more than 1 MiB");
    if (kind == Kind::alive) {
      auto r = parse_alive2_resp(in);
      if (!r) return error(where() + ": " + r.error());
      if (!r.value()) return;
      if (r.value()->result != 0)
        return error(where() + " refused to register " + what + " (result " + std::to_string(r.value()->result) +
                     "): the name is probably taken");
      uv_timer_stop(timer);
      finished = true;
      auto cb = std::move(on_alive);
      cb(r.value()->creation);  // the connection stays: it is the registration
    } else if (kind == Kind::port) {
      auto r = parse_port2_resp(in);
      if (!r) return error(where() + ": " + r.error());
      if (!r.value()) return;
      finished = true;
      auto cb = std::move(on_port);
      shut();
      cb(*r.value());
    }
  }

  void on_eof(ssize_t status) {
    if (kind == Kind::names && !finished) {
      auto r = parse_names_resp(in);
      finished = true;
      auto cb = std::move(on_names);
      shut();
      if (!r) return cb(make_error(where() + ": " + r.error()));
      return cb(std::move(r.value()));
    }
    if (kind == Kind::alive && finished) {
      auto lost = std::move(on_lost);
      shut();
      if (lost) lost(where() + " closed our registration (" + (status == UV_EOF ? std::string("EOF") : uv_error_text(int(status))) + ")");
      return;
    }
    error(where() + " closed the connection before answering" + (in.empty() ? "" : " completely"));
  }

  // Fails the pending first callback (if any) and closes.
  void error(const std::string& message) {
    if (finished) {
      if (kind == Kind::alive) {  // a registration that was up: report it lost
        auto lost = std::move(on_lost);
        shut();
        if (lost) lost(message);
        return;
      }
      shut();
      return;
    }
    finished = true;
    auto alive = std::move(on_alive);
    auto port = std::move(on_port);
    auto names = std::move(on_names);
    shut();
    if (alive) alive(make_error(message));
    if (port) port(make_error(message));
    if (names) names(make_error(message));
  }

  // Releases everything; no callback after this.
  void shut() {
    if (closed) return;
    closed = true;
    if (dial) dial->cancel();
    dial.reset();
    if (tcp) close_and_delete(tcp);
    if (timer) close_and_delete(timer);
    tcp = nullptr;
    timer = nullptr;
    // Drop our self-reference last, from the loop, so that `this` stays valid until return.
    auto self = std::move(keep);
    if (self) {
      auto* idle = new uv_idle_t;
      uv_idle_init(loop, idle);
      idle->data = new std::shared_ptr<EpmdCall>(std::move(self));
      uv_idle_start(idle, [](uv_idle_t* h) {
        delete static_cast<std::shared_ptr<EpmdCall>*>(h->data);
        uv_idle_stop(h);
        close_and_delete(h);
      });
    }
  }

  void cancel() {
    on_alive = nullptr;
    on_lost = nullptr;
    on_port = nullptr;
    on_names = nullptr;
    finished = true;
    shut();
  }
};

std::unique_ptr<EpmdRegistration> EpmdRegistration::start(uv_loop_t* loop, const EpmdTarget& target,
                                                          const NodeEntry& entry, Registered registered, Lost lost) {
  auto call = std::make_shared<EpmdCall>();
  call->loop = loop;
  call->kind = EpmdCall::Kind::alive;
  call->target = target;
  call->request = encode_request(Alive2Req{entry});
  call->what = entry.name;
  call->on_alive = std::move(registered);
  call->on_lost = std::move(lost);
  call->start();
  return std::unique_ptr<EpmdRegistration>(new EpmdRegistration(call));
}

EpmdRegistration::~EpmdRegistration() { close(); }

void EpmdRegistration::close() {
  if (call_) call_->cancel();
  call_.reset();
}

void epmd_port_please(uv_loop_t* loop, const EpmdTarget& target, const std::string& name,
                      std::function<void(Result<Port2Resp>)> done) {
  auto call = std::make_shared<EpmdCall>();
  call->loop = loop;
  call->kind = EpmdCall::Kind::port;
  call->target = target;
  call->request = encode_request(PortPlease2Req{name});
  call->what = name;
  call->on_port = std::move(done);
  call->start();
}

void epmd_names(uv_loop_t* loop, const EpmdTarget& target, std::function<void(Result<NamesResp>)> done) {
  auto call = std::make_shared<EpmdCall>();
  call->loop = loop;
  call->kind = EpmdCall::Kind::names;
  call->target = target;
  call->request = encode_request(NamesReq{});
  call->what = "names";
  call->on_names = std::move(done);
  call->start();
}

}  // namespace ergod::dist
