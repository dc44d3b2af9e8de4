// The distribution listener: a libuv TCP server on the first free port of a range, handing
// each accepted socket to a callback (which makes an acceptor Connection of it).
//
// Threads: construct, use and destroy on the loop thread.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <string>

namespace ergod::dist {

class Listener {
 public:
  // Gets the accepted handle (heap-allocated; the callee owns it, see close_and_delete).
  using OnAccept = std::function<void(uv_tcp_t* accepted)>;

  Listener(uv_loop_t* loop, OnAccept on_accept) : loop_(loop), on_accept_(std::move(on_accept)) {}
  ~Listener() { close(); }
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  // Listens on `address` at the first port in [port_min, port_max] that is free; port 0
  // means any port. Returns 0 or the libuv error of the last port tried.
  int listen(const std::string& address, uint16_t port_min = 0, uint16_t port_max = 0);
  uint16_t port() const { return port_; }
  bool listening() const { return tcp_ != nullptr; }
  int socket_fd() const;  // -1 when not listening
  void close();

 private:
  uv_loop_t* loop_;
  OnAccept on_accept_;
  uv_tcp_t* tcp_ = nullptr;
  uint16_t port_ = 0;
};

}  // namespace ergod::dist
