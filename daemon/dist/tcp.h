// Small libuv TCP helpers shared by EPMD and the distribution connections: binding a
// listener, dialling a host (name resolution included), peer addresses for log lines, and
// closing a handle whose memory is freed in its close callback.
//
// Threads: everything here runs on the loop thread of the loop passed in.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace ergod::dist {

std::string uv_error_text(int code);

// "127.0.0.1:4369", "[::1]:4369", or "?" when unknown.
std::string peer_address(const uv_tcp_t* tcp);

// True when the peer is on this host: a loopback address, or the address we were reached at
// (epmd's rule for who may register, dump and kill).
bool peer_is_local(const uv_tcp_t* tcp);

// Binds and listens on a numeric address ("0.0.0.0", "::", "127.0.0.1"). Returns 0 or a libuv
// error (UV_EADDRINUSE when the port is taken, whether bind or listen noticed it).
int tcp_listen(uv_tcp_t* tcp, const std::string& address, uint16_t port, uv_connection_cb on_connection,
               int backlog = 128);

// The port a bound handle listens on.
uint16_t bound_port(const uv_tcp_t* tcp);

// Closes a heap-allocated handle and deletes it once libuv is done with it.
template <class Handle>
void close_and_delete(Handle* h) {
  auto* base = reinterpret_cast<uv_handle_t*>(h);
  if (uv_is_closing(base)) return;
  uv_close(base, [](uv_handle_t* p) { delete reinterpret_cast<Handle*>(p); });
}

// Dials host:port: resolves the name (numeric addresses skip the resolver), tries each
// address in turn, and hands the connected handle (heap-allocated, owned by the callee; free
// it with close_and_delete) or an error message to `done`, exactly once, unless cancelled.
class Dial {
 public:
  using Done = std::function<void(uv_tcp_t* connected, const std::string& error)>;
  static std::shared_ptr<Dial> start(uv_loop_t* loop, const std::string& host, uint16_t port, Done done);
  // `done` will not be called; a connection that completes anyway is closed.
  void cancel() { done_ = nullptr; }

 private:
  Dial(uv_loop_t* loop, std::string host, uint16_t port, Done done)
      : loop_(loop), host_(std::move(host)), port_(port), done_(std::move(done)) {}
  void try_next(const std::string& last_error);
  void finish(uv_tcp_t* tcp, const std::string& error);

  uv_loop_t* loop_;
  std::string host_;
  uint16_t port_;
  Done done_;
  addrinfo* addrs_ = nullptr;
  addrinfo* next_ = nullptr;
  std::shared_ptr<Dial> self_;  // keeps the dial alive while libuv holds requests
};

}  // namespace ergod::dist
