// The embedded EPMD server on libuv: answers ALIVE2_REQ (a registration lives as long as its
// TCP connection), PORT_PLEASE2_REQ, NAMES_REQ and DUMP_REQ as real epmd does, so Erlang
// nodes and the `epmd` command line talk to it unchanged. KILL_REQ is honoured only when no
// node is registered and STOP_REQ is refused: epmd's behaviour without
// -relaxed_command_check. Our own node registers in-process (register_local), without a
// socket. Every malformed request costs only its connection, with a warning naming the peer
// and what was wrong.
//
// What it does not do: choose between embedded and external EPMD (epmd_manager.h).
// Threads: construct, use and destroy on the loop thread.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <string>
#include <unordered_set>

#include "dist/epmd_protocol.h"
#include "dist/epmd_registry.h"
#include "term/result.h"

namespace ergod::dist {

struct EpmdServerOptions {
  std::string address = "0.0.0.0";  // epmd listens on every interface
  // A connection that has not sent a complete request by then is closed (registered ones,
  // and refused ones, are exempt: they only wait). OTP 25's epmd sweeps idle connections
  // after a minute (checked: closed 61-65 s after connecting, still open at 15 s).
  uint64_t request_timeout_ms = 60000;
  size_t max_connections = 1000;
};

class EpmdServer {
 public:
  explicit EpmdServer(uv_loop_t* loop, EpmdServerOptions options = {});
  ~EpmdServer();  // closes everything; libuv frees the handles in later loop turns
  EpmdServer(const EpmdServer&) = delete;
  EpmdServer& operator=(const EpmdServer&) = delete;

  // 0, or a libuv error: UV_EADDRINUSE when another EPMD (or anything) has the port.
  int listen(uint16_t port);
  bool listening() const { return listener_ != nullptr; }
  uint16_t port() const { return port_; }
  // Stops listening and drops every connection, and with them their registrations.
  void close();

  // Registers a node of this process; it stays until unregister_local or close.
  Result<uint32_t> register_local(const epmd::NodeEntry& entry);
  void unregister_local(const std::string& name);

  const epmd::Registry& registry() const { return registry_; }

  // Called after a KILL_REQ was honoured (the server has closed itself).
  std::function<void()> on_killed;

  struct Conn;  // one accepted connection (epmd_server.cpp)

 private:
  friend struct Conn;
  static void on_connection(uv_stream_t* server, int status);
  void handle(Conn* c, const epmd::Request& req);
  void drop(Conn* c);  // the connection ended

  uv_loop_t* loop_;
  EpmdServerOptions options_;
  uv_tcp_t* listener_ = nullptr;
  uint16_t port_ = 0;
  epmd::Registry registry_;
  std::unordered_set<Conn*> conns_;
  uint64_t next_owner_ = 2;  // 1 is ourselves
};

}  // namespace ergod::dist
