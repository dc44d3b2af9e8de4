// The control channel of a running daemon (`ergod ctl`): the protocol, the handler the daemon
// implements, and the unix socket server. The client side is control_client.h.
//
// Protocol (text, one command per connection):
//   client -> daemon: one line, "COMMAND" or "COMMAND APP", ending in '\n' (at most 1024
//                     bytes), then the client may shut down its sending side.
//   daemon -> client: "ok\n" followed by the body (zero or more lines, each ending in '\n'),
//                     or "error: <why>\n"; then the daemon closes the connection.
//   Commands: status, applications, processes, connections, start APP, stop APP,
//             restart APP, reload. Words are separated by spaces; a trailing '\r' is ignored.
//
// Access: the socket file is created with mode 0600 (only the daemon's user can connect
// through the file system), and each connection's peer is checked with SO_PEERCRED: the
// daemon's own uid and root are served, anyone else gets "error: permission denied".
//
// Where it lives: control.socket in the config; by default $RUNTIME_DIRECTORY/ergod.sock
// when systemd gives a runtime directory (RuntimeDirectory=ergod: /run/ergod/ergod.sock),
// else /tmp/ergod-<node name>.sock. See default_control_socket.
//
// Threads: parse_request/format_response/default_control_socket from any thread. The server
// serves one connection at a time on its own thread, so the handler's functions run there,
// one at a time, and may block (a slow command delays the next client, nothing else).
// ControlServer's functions from one thread (the daemon's main thread).
#pragma once

#include <sys/types.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "term/result.h"

namespace ergod::cli {

struct Config;

// ---- protocol ---------------------------------------------------------------------------------

enum class ControlCommand {
  status,
  applications,
  processes,
  connections,
  start,
  stop,
  restart,
  reload,
};

struct ControlRequest {
  ControlCommand command = ControlCommand::status;
  std::string app;  // start, stop, restart only
};

inline constexpr size_t kMaxControlLine = 1024;

std::string_view to_string(ControlCommand command);
// One request line, without or with its '\n'. Errors say what was expected.
Result<ControlRequest> parse_request(std::string_view line);
// The request line a client sends (with its '\n').
std::string format_request(const ControlRequest& request);
// The bytes of a response: "ok\n" + body (a missing final '\n' is added), or
// "error: <why>\n" with newlines in why replaced by spaces.
std::string format_response(const Result<std::string>& result);

// ---- what the daemon answers ------------------------------------------------------------------

// The daemon's side of each command, called on the server's thread. Bodies are text, one
// item per line. The application commands answer "no application controller yet" until a
// subclass (the application controller's) overrides them; add a command by adding a
// virtual here with such a default, so that older handlers keep compiling.
class ControlHandler {
 public:
  virtual ~ControlHandler() = default;
  virtual Result<std::string> status() = 0;
  virtual Result<std::string> processes() = 0;
  virtual Result<std::string> connections() = 0;
  virtual Result<std::string> applications();
  virtual Result<std::string> start_app(const std::string& name);
  virtual Result<std::string> stop_app(const std::string& name);
  virtual Result<std::string> restart_app(const std::string& name);
  virtual Result<std::string> reload();
};

// Runs one parsed request against handler; exceptions from the handler become errors.
Result<std::string> dispatch(ControlHandler& handler, const ControlRequest& request);

// ---- where the socket is ----------------------------------------------------------------------

// control.socket when the config gives one; else $RUNTIME_DIRECTORY/ergod.sock (its first
// entry: systemd separates several with ':'); else /tmp/ergod-<node name>.sock.
std::filesystem::path default_control_socket(const Config& cfg, const char* runtime_directory);

// ---- the server -------------------------------------------------------------------------------

class ControlServer {
 public:
  ControlServer() = default;
  ~ControlServer();  // stop(), then removes the socket file if it is still ours
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  // Binds and listens (mode 0600). A stale socket file (nothing accepts on it) is replaced;
  // a live one means another daemon serves there, and open fails saying so. Call it before
  // other threads start if possible: it sets the process umask around bind.
  Status open(const std::filesystem::path& path);
  // Starts the serving thread. handler must outlive stop().
  void serve(ControlHandler& handler);
  // Stops accepting and joins the thread (after the request in progress, if any).
  void stop();

  const std::filesystem::path& path() const noexcept { return path_; }

 private:
  void run(ControlHandler& handler);
  void serve_one(ControlHandler& handler, int fd);

  std::filesystem::path path_;
  int listen_fd_ = -1;
  int wake_fd_ = -1;  // eventfd: stop() wakes the poll with it
  dev_t dev_ = 0;     // identity of the file bound, so we remove only our own
  ino_t ino_ = 0;
  std::thread thread_;
};

}  // namespace ergod::cli
