// The distribution listener (see listener.h).
#include "dist/listener.h"

#include "base/log.h"
#include "dist/tcp.h"

namespace ergod::dist {

int Listener::listen(const std::string& address, uint16_t port_min, uint16_t port_max) {
  if (tcp_) return UV_EALREADY;
  if (port_max < port_min) port_max = port_min;
  int rc = UV_EINVAL;
  for (uint32_t port = port_min; port <= port_max; ++port) {
    auto* tcp = new uv_tcp_t;
    uv_tcp_init(loop_, tcp);
    tcp->data = this;
    rc = tcp_listen(tcp, address, static_cast<uint16_t>(port), [](uv_stream_t* server, int status) {
      auto* self = static_cast<Listener*>(server->data);
      if (!self) return;
      if (status != 0) {
        log_warning("distribution listener: accept failed: " + uv_error_text(status));
        return;
      }
      auto* client = new uv_tcp_t;
      uv_tcp_init(self->loop_, client);
      if (uv_accept(server, reinterpret_cast<uv_stream_t*>(client)) != 0) {
        close_and_delete(client);
        return;
      }
      self->on_accept_(client);
    });
    if (rc == 0) {
      tcp_ = tcp;
      port_ = bound_port(tcp);
      log_info("distribution listening on " + address + ":" + std::to_string(port_));
      return 0;
    }
    close_and_delete(tcp);
  }
  log_error("distribution listener: no free port in " + std::to_string(port_min) + ".." + std::to_string(port_max) +
            " on " + address + ": " + uv_error_text(rc));
  return rc;
}

void Listener::close() {
  if (!tcp_) return;
  tcp_->data = nullptr;
  close_and_delete(tcp_);
  tcp_ = nullptr;
}

int Listener::socket_fd() const {
  uv_os_fd_t fd;
  if (!tcp_ || uv_fileno(reinterpret_cast<const uv_handle_t*>(tcp_), &fd) != 0) return -1;
  return fd;
}

}  // namespace ergod::dist
