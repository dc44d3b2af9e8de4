// See sd_notify.h. The protocol is the one documented as stable in sd_notify(3); writing it
// here saves a dependency on libsystemd for about a hundred lines.
#include "cli/sd_notify.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include "base/log.h"
#include "base/thread_name.h"

namespace ergod::cli {

Result<NotifyAddress> parse_notify_address(std::string_view value) {
  NotifyAddress a;
  a.addr.sun_family = AF_UNIX;
  if (value.empty()) return make_error("NOTIFY_SOCKET is empty");
  if (value[0] != '/' && value[0] != '@') {
    return make_error("NOTIFY_SOCKET \"" + std::string(value) +
                      "\": expected an absolute path or @abstract-name");
  }
  // Both forms fill sun_path from its first byte; the abstract one starts with a NUL and
  // its length counts exactly the name's bytes (no terminator).
  if (value.size() >= sizeof a.addr.sun_path) {
    return make_error("NOTIFY_SOCKET is longer than a unix socket address allows");
  }
  std::memcpy(a.addr.sun_path, value.data(), value.size());
  a.abstract = value[0] == '@';
  if (a.abstract) {
    a.addr.sun_path[0] = '\0';
    a.length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + value.size());
  } else {
    a.length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + value.size() + 1);
  }
  return a;
}

std::string notify_status(std::string_view text) {
  std::string out = "STATUS=";
  for (char c : text) out += (c == '\n' || c == '\r') ? ' ' : c;
  return out;
}

std::string notify_reloading() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  uint64_t usec = static_cast<uint64_t>(ts.tv_sec) * 1000000u +
                  static_cast<uint64_t>(ts.tv_nsec) / 1000u;
  return "RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec);
}

std::optional<std::chrono::microseconds> watchdog_interval(const char* watchdog_usec,
                                                           const char* watchdog_pid,
                                                           long our_pid) {
  auto parse = [](const char* s, uint64_t& out) {
    if (!s || !*s) return false;
    const char* end = s + std::strlen(s);
    auto [p, ec] = std::from_chars(s, end, out);
    return ec == std::errc() && p == end;
  };
  uint64_t usec = 0;
  if (!parse(watchdog_usec, usec) || usec == 0) return std::nullopt;
  // WATCHDOG_PID tells a child that inherited the environment that the pings are not its own.
  if (watchdog_pid && *watchdog_pid) {
    uint64_t pid = 0;
    if (!parse(watchdog_pid, pid) || pid != static_cast<uint64_t>(our_pid)) return std::nullopt;
  }
  uint64_t half = usec / 2;
  return std::chrono::microseconds(half == 0 ? 1 : half);
}

Notifier Notifier::from_environment() {
  const char* value = std::getenv("NOTIFY_SOCKET");
  if (!value || !*value) return Notifier();
  auto address = parse_notify_address(value);
  if (!address) {
    log_warning("not notifying systemd: " + address.error());
    return Notifier();
  }
  return Notifier(address.value());
}

Notifier::Notifier(const NotifyAddress& address) : address_(address) {
  fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) log_warning(std::string("not notifying systemd: socket: ") + std::strerror(errno));
}

Notifier::~Notifier() {
  if (fd_ >= 0) ::close(fd_);
}

Notifier::Notifier(Notifier&& other) noexcept : fd_(other.fd_), address_(other.address_) {
  other.fd_ = -1;
}

bool Notifier::send(std::string_view message) const {
  if (fd_ < 0) return false;
  ssize_t n = ::sendto(fd_, message.data(), message.size(), MSG_NOSIGNAL,
                       reinterpret_cast<const sockaddr*>(&address_.addr), address_.length);
  if (n < 0) {
    log_debug(std::string("systemd notify failed: ") + std::strerror(errno));
    return false;
  }
  return true;
}

Watchdog::Watchdog(const Notifier& notifier, std::chrono::microseconds interval,
                   std::function<bool()> alive)
    : notifier_(notifier), interval_(interval), alive_(std::move(alive)) {
  thread_ = std::thread([this] {
    base::name_this_thread("ergod-watchdog");
    run();
  });
}

Watchdog::~Watchdog() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void Watchdog::run() {
  auto next = std::chrono::steady_clock::now();
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    if (alive_()) {
      notifier_.send("WATCHDOG=1");
    } else {
      log_warning("watchdog: the runtime did not answer; not pinging systemd");
    }
    lock.lock();
    // Fixed steps from the start rather than from the end of the check, so a slow check does
    // not stretch the period; after a very slow one, start again from now.
    next += interval_;
    auto now = std::chrono::steady_clock::now();
    if (next < now) next = now;
    wake_.wait_until(lock, next, [this] { return stopping_; });
  }
}

}  // namespace ergod::cli
