// See control.h. The server is a poll loop over the listening socket and an eventfd (stop);
// each accepted connection is read, answered and closed before the next accept.
#include "cli/control.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <exception>

#include "base/log.h"
#include "base/thread_name.h"
#include "cli/config.h"

namespace ergod::cli {
namespace fs = std::filesystem;

namespace {

constexpr int kReadTimeoutMs = 5000;  // a client that connects and says nothing is dropped

std::string errno_text(int e) { return std::strerror(e); }

std::vector<std::string_view> words(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && line[i] == ' ') ++i;
    size_t start = i;
    while (i < line.size() && line[i] != ' ') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

struct CommandInfo {
  ControlCommand command;
  std::string_view name;
  bool takes_app;
};

constexpr CommandInfo kCommands[] = {
    {ControlCommand::status, "status", false},
    {ControlCommand::applications, "applications", false},
    {ControlCommand::processes, "processes", false},
    {ControlCommand::connections, "connections", false},
    {ControlCommand::start, "start", true},
    {ControlCommand::stop, "stop", true},
    {ControlCommand::restart, "restart", true},
    {ControlCommand::reload, "reload", false},
};

std::string command_list() {
  std::string out;
  for (const auto& c : kCommands) {
    if (!out.empty()) out += ", ";
    out += c.name;
    if (c.takes_app) out += " APP";
  }
  return out;
}

Result<std::string> no_controller() {
  return make_error("no application controller yet");
}

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// Reads up to the first '\n' (kept out), EOF, or the size limit. nullopt: timeout or error.
std::optional<std::string> read_line(int fd, bool& too_long) {
  std::string line;
  too_long = false;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kReadTimeoutMs);
  char buf[256];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) return std::nullopt;
    pollfd p{fd, POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(left));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return std::nullopt;
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::nullopt;
    if (n == 0) return line;  // EOF without '\n': take what came
    for (ssize_t i = 0; i < n; ++i) {
      if (buf[i] == '\n') return line;
      line += buf[i];
    }
    if (line.size() > kMaxControlLine) {
      too_long = true;
      return line;
    }
  }
}

sockaddr_un unix_address(const fs::path& path) {
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::memcpy(a.sun_path, path.c_str(), path.native().size());
  return a;
}

}  // namespace

// ---- protocol ---------------------------------------------------------------------------------

std::string_view to_string(ControlCommand command) {
  for (const auto& c : kCommands)
    if (c.command == command) return c.name;
  return "?";
}

Result<ControlRequest> parse_request(std::string_view line) {
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.size() > kMaxControlLine) {
    return make_error("request longer than " + std::to_string(kMaxControlLine) + " bytes");
  }
  for (char c : line) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return make_error("control character in request");
    }
  }
  auto w = words(line);
  if (w.empty()) return make_error("empty request (expected one of: " + command_list() + ")");
  for (const auto& c : kCommands) {
    if (w[0] != c.name) continue;
    ControlRequest req;
    req.command = c.command;
    if (c.takes_app) {
      if (w.size() != 2) {
        return make_error(std::string(c.name) + " takes one application name (" +
                          std::string(c.name) + " APP)");
      }
      if (w[1].size() > 255) return make_error("application name longer than 255 bytes");
      req.app = std::string(w[1]);
    } else if (w.size() != 1) {
      return make_error(std::string(c.name) + " takes no argument");
    }
    return req;
  }
  return make_error("unknown command \"" + std::string(w[0]) +
                    "\" (expected one of: " + command_list() + ")");
}

std::string format_request(const ControlRequest& request) {
  std::string out(to_string(request.command));
  if (!request.app.empty()) out += " " + request.app;
  return out + "\n";
}

std::string format_response(const Result<std::string>& result) {
  if (!result) {
    std::string out = "error: ";
    for (char c : result.error()) out += (c == '\n' || c == '\r') ? ' ' : c;
    return out + "\n";
  }
  std::string out = "ok\n" + result.value();
  if (!result.value().empty() && result.value().back() != '\n') out += '\n';
  return out;
}

// ---- handler ----------------------------------------------------------------------------------

Result<std::string> ControlHandler::applications() { return no_controller(); }
Result<std::string> ControlHandler::start_app(const std::string&) { return no_controller(); }
Result<std::string> ControlHandler::stop_app(const std::string&) { return no_controller(); }
Result<std::string> ControlHandler::restart_app(const std::string&) { return no_controller(); }
Result<std::string> ControlHandler::reload() { return no_controller(); }

Result<std::string> dispatch(ControlHandler& handler, const ControlRequest& request) {
  try {
    switch (request.command) {
      case ControlCommand::status: return handler.status();
      case ControlCommand::applications: return handler.applications();
      case ControlCommand::processes: return handler.processes();
      case ControlCommand::connections: return handler.connections();
      case ControlCommand::start: return handler.start_app(request.app);
      case ControlCommand::stop: return handler.stop_app(request.app);
      case ControlCommand::restart: return handler.restart_app(request.app);
      case ControlCommand::reload: return handler.reload();
    }
    return make_error("unhandled command");
  } catch (const std::exception& e) {
    return make_error(std::string("internal error: ") + e.what());
  }
}

// ---- where the socket is ----------------------------------------------------------------------

fs::path default_control_socket(const Config& cfg, const char* runtime_directory) {
  if (!cfg.control_socket.empty()) return cfg.control_socket;
  if (runtime_directory && *runtime_directory) {
    std::string_view dirs(runtime_directory);
    std::string_view first = dirs.substr(0, dirs.find(':'));
    if (!first.empty()) return fs::path(std::string(first)) / "ergod.sock";
  }
  return fs::path("/tmp") / ("ergod-" + cfg.node.name + ".sock");
}

// ---- server -----------------------------------------------------------------------------------

ControlServer::~ControlServer() {
  stop();
  if (listen_fd_ >= 0) ::close(listen_fd_);
  if (wake_fd_ >= 0) ::close(wake_fd_);
  // Only our own file: a daemon started after us with the stale-socket rule may own it now.
  struct stat st {};
  if (!path_.empty() && ::lstat(path_.c_str(), &st) == 0 && st.st_dev == dev_ &&
      st.st_ino == ino_) {
    ::unlink(path_.c_str());
  }
}

Status ControlServer::open(const fs::path& path) {
  const std::string shown = "control socket " + path.string();
  if (path.native().size() >= sizeof(sockaddr_un{}.sun_path)) {
    return make_error(shown + ": path longer than " +
                      std::to_string(sizeof(sockaddr_un{}.sun_path) - 1) + " bytes");
  }
  sockaddr_un addr = unix_address(path);

  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) return make_error(shown + ": exists and is not a socket");
    int probe = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (probe < 0) return make_error(shown + ": socket: " + errno_text(errno));
    int rc = ::connect(probe, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    int e = errno;
    ::close(probe);
    if (rc == 0) return make_error(shown + ": another ergod is running there");
    if (e != ECONNREFUSED && e != ENOENT) return make_error(shown + ": " + errno_text(e));
    // Nobody accepts: the file of a daemon that died without removing it.
    if (e == ECONNREFUSED && ::unlink(path.c_str()) != 0 && errno != ENOENT) {
      return make_error(shown + ": cannot remove the stale socket: " + errno_text(errno));
    }
    log_notice("replaced the stale " + shown);
  }

  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return make_error(shown + ": socket: " + errno_text(errno));
  // The file gets mode 0600 from its creation: a chmod after bind would leave a window.
  mode_t old = ::umask(0177);
  int rc = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  int e = errno;
  ::umask(old);
  if (rc != 0) {
    ::close(fd);
    return make_error(shown + ": bind: " + errno_text(e));
  }
  if (::lstat(path.c_str(), &st) == 0) {
    dev_ = st.st_dev;
    ino_ = st.st_ino;
  }
  path_ = path;
  listen_fd_ = fd;
  if (::listen(fd, 16) != 0) return make_error(shown + ": listen: " + errno_text(errno));
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd_ < 0) return make_error(shown + ": eventfd: " + errno_text(errno));
  return Ok{};
}

void ControlServer::serve(ControlHandler& handler) {
  if (listen_fd_ < 0 || thread_.joinable()) return;
  thread_ = std::thread([this, &handler] {
    base::name_this_thread("ergod-ctl");
    run(handler);
  });
}

void ControlServer::stop() {
  if (!thread_.joinable()) return;
  uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof one);
  thread_.join();
}

void ControlServer::run(ControlHandler& handler) {
  for (;;) {
    pollfd p[2] = {{listen_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    int r = ::poll(p, 2, -1);
    if (r < 0) {
      if (errno == EINTR) continue;
      log_error("control socket: poll: " + errno_text(errno));
      return;
    }
    if (p[1].revents) return;
    if (!(p[0].revents & POLLIN)) continue;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno != EINTR && errno != EAGAIN && errno != ECONNABORTED)
        log_warning("control socket: accept: " + errno_text(errno));
      continue;
    }
    serve_one(handler, fd);
    ::close(fd);
  }
}

void ControlServer::serve_one(ControlHandler& handler, int fd) {
  ucred peer{};
  socklen_t len = sizeof peer;
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &len) != 0) {
    write_all(fd, format_response(make_error("cannot identify the peer")));
    return;
  }
  if (peer.uid != ::geteuid() && peer.uid != 0) {
    log_warning("control socket: refused uid " + std::to_string(peer.uid) + " (pid " +
                std::to_string(peer.pid) + ")");
    write_all(fd, format_response(make_error("permission denied")));
    return;
  }
  bool too_long = false;
  auto line = read_line(fd, too_long);
  if (!line) return;  // timed out or gone: nobody to answer
  Result<std::string> result = make_error("request longer than " +
                                          std::to_string(kMaxControlLine) + " bytes");
  if (!too_long) {
    auto request = parse_request(*line);
    if (!request) {
      result = make_error(request.error());
    } else {
      std::string shown = format_request(request.value());
      shown.pop_back();
      log_debug("control: " + shown);
      result = dispatch(handler, request.value());
    }
  }
  write_all(fd, format_response(result));
}

}  // namespace ergod::cli
