// libuv TCP helpers (see tcp.h).
#include "dist/tcp.h"

#include <arpa/inet.h>
#include <netdb.h>

#include <cstring>

namespace ergod::dist {

std::string uv_error_text(int code) { return std::string(uv_err_name(code)) + " (" + uv_strerror(code) + ")"; }

namespace {

std::string format_address(const sockaddr_storage& ss) {
  char host[INET6_ADDRSTRLEN] = "?";
  if (ss.ss_family == AF_INET) {
    auto* in = reinterpret_cast<const sockaddr_in*>(&ss);
    uv_ip4_name(in, host, sizeof host);
    std::string out(host);
    out.append(":").append(std::to_string(ntohs(in->sin_port)));
    return out;
  }
  if (ss.ss_family == AF_INET6) {
    auto* in6 = reinterpret_cast<const sockaddr_in6*>(&ss);
    uv_ip6_name(in6, host, sizeof host);
    std::string out = "[";
    out.append(host).append("]:").append(std::to_string(ntohs(in6->sin6_port)));
    return out;
  }
  return "?";
}

bool is_loopback(const sockaddr_storage& ss) {
  if (ss.ss_family == AF_INET) {
    auto a = ntohl(reinterpret_cast<const sockaddr_in*>(&ss)->sin_addr.s_addr);
    return (a & 0xFF000000u) == 0x7F000000u;
  }
  if (ss.ss_family == AF_INET6) {
    auto& a = reinterpret_cast<const sockaddr_in6*>(&ss)->sin6_addr;
    if (IN6_IS_ADDR_LOOPBACK(&a)) return true;
    if (IN6_IS_ADDR_V4MAPPED(&a)) return a.s6_addr[12] == 127;
  }
  return false;
}

bool same_host(const sockaddr_storage& a, const sockaddr_storage& b) {
  if (a.ss_family != b.ss_family) return false;
  if (a.ss_family == AF_INET)
    return reinterpret_cast<const sockaddr_in*>(&a)->sin_addr.s_addr ==
           reinterpret_cast<const sockaddr_in*>(&b)->sin_addr.s_addr;
  if (a.ss_family == AF_INET6)
    return std::memcmp(&reinterpret_cast<const sockaddr_in6*>(&a)->sin6_addr,
                       &reinterpret_cast<const sockaddr_in6*>(&b)->sin6_addr, 16) == 0;
  return false;
}

}  // namespace

std::string peer_address(const uv_tcp_t* tcp) {
  sockaddr_storage ss{};
  int len = sizeof ss;
  if (uv_tcp_getpeername(tcp, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return "?";
  return format_address(ss);
}

bool peer_is_local(const uv_tcp_t* tcp) {
  sockaddr_storage peer{}, self{};
  int len = sizeof peer;
  if (uv_tcp_getpeername(tcp, reinterpret_cast<sockaddr*>(&peer), &len) != 0) return false;
  if (is_loopback(peer)) return true;
  len = sizeof self;
  if (uv_tcp_getsockname(tcp, reinterpret_cast<sockaddr*>(&self), &len) != 0) return false;
  return same_host(peer, self);
}

int tcp_listen(uv_tcp_t* tcp, const std::string& address, uint16_t port, uv_connection_cb on_connection,
               int backlog) {
  sockaddr_storage ss{};
  int rc;
  if (address.find(':') != std::string::npos) {
    rc = uv_ip6_addr(address.c_str(), port, reinterpret_cast<sockaddr_in6*>(&ss));
  } else {
    rc = uv_ip4_addr(address.c_str(), port, reinterpret_cast<sockaddr_in*>(&ss));
  }
  if (rc != 0) return rc;
  rc = uv_tcp_bind(tcp, reinterpret_cast<const sockaddr*>(&ss), 0);
  if (rc != 0) return rc;
  return uv_listen(reinterpret_cast<uv_stream_t*>(tcp), backlog, on_connection);
}

uint16_t bound_port(const uv_tcp_t* tcp) {
  sockaddr_storage ss{};
  int len = sizeof ss;
  if (uv_tcp_getsockname(tcp, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return 0;
  if (ss.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  if (ss.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
  return 0;
}

// ---- Dial -----------------------------------------------------------------------------------

std::shared_ptr<Dial> Dial::start(uv_loop_t* loop, const std::string& host, uint16_t port, Done done) {
  std::shared_ptr<Dial> d(new Dial(loop, host, port, std::move(done)));
  d->self_ = d;
  auto* req = new uv_getaddrinfo_t;
  req->data = d.get();
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  std::string service = std::to_string(port);
  int rc = uv_getaddrinfo(
      loop, req,
      [](uv_getaddrinfo_t* r, int status, addrinfo* res) {
        auto* self = static_cast<Dial*>(r->data);
        delete r;
        if (status != 0) {
          self->finish(nullptr, "cannot resolve " + self->host_ + ": " + uv_error_text(status));
          return;
        }
        self->addrs_ = res;
        self->next_ = res;
        self->try_next("no address for " + self->host_);
      },
      host.c_str(), service.c_str(), &hints);
  if (rc != 0) {
    delete req;
    d->finish(nullptr, "cannot resolve " + host + ": " + uv_error_text(rc));
  }
  return d;
}

void Dial::try_next(const std::string& last_error) {
  if (!done_ || !next_) {
    finish(nullptr, last_error);
    return;
  }
  addrinfo* ai = next_;
  next_ = next_->ai_next;
  auto* tcp = new uv_tcp_t;
  uv_tcp_init(loop_, tcp);
  auto* req = new uv_connect_t;
  req->data = this;
  int rc = uv_tcp_connect(req, tcp, ai->ai_addr, [](uv_connect_t* r, int status) {
    auto* self = static_cast<Dial*>(r->data);
    auto* tcp = reinterpret_cast<uv_tcp_t*>(r->handle);
    delete r;
    if (status == 0 && self->done_) {
      self->finish(tcp, {});
      return;
    }
    close_and_delete(tcp);
    if (status == UV_ECANCELED || !self->done_) {
      self->finish(nullptr, "cancelled");
      return;
    }
    self->try_next("cannot connect to " + self->host_ + ":" + std::to_string(self->port_) + ": " +
                   uv_error_text(status));
  });
  if (rc != 0) {
    delete req;
    close_and_delete(tcp);
    try_next("cannot connect to " + host_ + ":" + std::to_string(port_) + ": " + uv_error_text(rc));
  }
}

void Dial::finish(uv_tcp_t* tcp, const std::string& error) {
  if (addrs_) {
    uv_freeaddrinfo(addrs_);
    addrs_ = nullptr;
    next_ = nullptr;
  }
  Done done = std::move(done_);
  done_ = nullptr;
  if (done) {
    done(tcp, error);
  } else if (tcp) {
    close_and_delete(tcp);
  }
  self_.reset();  // may delete this; nothing may follow
}

}  // namespace ergod::dist
