// See control_client.h.
#include "cli/control_client.h"

#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "cli/config.h"

namespace ergod::cli {
namespace fs = std::filesystem;

namespace {

const fs::path kSystemdSocket = "/run/ergod/ergod.sock";  // RuntimeDirectory=ergod
constexpr int kResponseTimeoutSeconds = 60;  // a wedged daemon must not hang a script forever

// Closes the descriptor on every return path.
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

std::vector<fs::path> control_socket_candidates(const Config* cfg, const char* runtime_directory) {
  std::vector<fs::path> out;
  if (cfg) {
    out.push_back(default_control_socket(*cfg, runtime_directory));
    if (!cfg->control_socket.empty()) return out;
  } else if (runtime_directory && *runtime_directory) {
    Config none;
    none.node.name = "ergod";
    out.push_back(default_control_socket(none, runtime_directory));
  }
  if (out.empty() || out.front() != kSystemdSocket) out.push_back(kSystemdSocket);
  return out;
}

fs::path pick_control_socket(const std::vector<fs::path>& candidates) {
  for (const auto& p : candidates) {
    std::error_code ec;
    if (fs::exists(p, ec)) return p;
  }
  return candidates.empty() ? fs::path() : candidates.front();
}

Result<std::string> parse_response(std::string_view response) {
  size_t eol = response.find('\n');
  std::string_view first = response.substr(0, eol);
  std::string_view rest = eol == std::string_view::npos ? std::string_view()
                                                        : response.substr(eol + 1);
  if (first == "ok") return std::string(rest);
  constexpr std::string_view prefix = "error: ";
  if (first.substr(0, prefix.size()) == prefix) {
    return make_error(std::string(first.substr(prefix.size())));
  }
  std::string shown(first.substr(0, 80));
  return make_error("bad response from the daemon: \"" + shown + "\"");
}

Result<std::string> control_request(const fs::path& socket, const ControlRequest& request) {
  const std::string where = socket.string();
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (where.size() >= sizeof addr.sun_path) {
    return make_error("control socket path too long: " + where);
  }
  std::memcpy(addr.sun_path, where.data(), where.size());

  Fd s{::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  if (s.fd < 0) return make_error(std::string("socket: ") + std::strerror(errno));
  if (::connect(s.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    int e = errno;
    if (e == ENOENT) return make_error("ergod is not running: no control socket at " + where);
    if (e == ECONNREFUSED) {
      return make_error("ergod is not running: nothing accepts on " + where +
                        " (a stale socket file)");
    }
    if (e == EACCES || e == EPERM) {
      return make_error("permission denied on " + where +
                        " (run as the daemon's user or root)");
    }
    return make_error("cannot connect to " + where + ": " + std::strerror(e));
  }
  timeval tv{kResponseTimeoutSeconds, 0};
  ::setsockopt(s.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);

  std::string line = format_request(request);
  std::string_view left = line;
  while (!left.empty()) {
    ssize_t n = ::send(s.fd, left.data(), left.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    // The daemon may answer (permission denied) and close before reading: read that answer.
    if (n <= 0) break;
    left.remove_prefix(static_cast<size_t>(n));
  }
  ::shutdown(s.fd, SHUT_WR);

  std::string response;
  char buf[4096];
  for (;;) {
    ssize_t n = ::recv(s.fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        return make_error("no answer from ergod on " + where + " within " +
                          std::to_string(kResponseTimeoutSeconds) + " s");
      }
      if (errno == ECONNRESET && !response.empty()) break;
      return make_error("reading from " + where + ": " + std::strerror(errno));
    }
    if (n == 0) break;
    response.append(buf, static_cast<size_t>(n));
  }
  if (response.empty()) return make_error("ergod closed the connection without an answer");
  return parse_response(response);
}

}  // namespace ergod::cli
