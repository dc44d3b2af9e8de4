// systemd's notify protocol (sd_notify(3)) without libsystemd: "KEY=VALUE" lines in one
// datagram to the unix socket named by $NOTIFY_SOCKET (a path, or an abstract address when
// it starts with '@'), and the watchdog pings every WATCHDOG_USEC/2 when systemd asks for
// them (WATCHDOG_USEC set and WATCHDOG_PID, if set, our pid). Outside systemd, with no
// NOTIFY_SOCKET, every call does nothing.
// It does not decide when the node is ready: node.cpp does.
//
// Threads: the pure functions and Notifier::send may be called from any thread (send is one
// sendto on a socket made once). Watchdog's constructor and destructor from one thread; the
// liveness check runs on the watchdog's own thread.
#pragma once

#include <sys/socket.h>
#include <sys/un.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "term/result.h"

namespace ergod::cli {

// A parsed $NOTIFY_SOCKET.
struct NotifyAddress {
  sockaddr_un addr{};
  socklen_t length = 0;  // what sendto takes: abstract addresses are not NUL-terminated
  bool abstract = false;
};

// "/run/systemd/notify" or "@name" (abstract). Other forms (vsock:...) are refused.
Result<NotifyAddress> parse_notify_address(std::string_view value);

// STATUS=text as one line: newlines would start a new KEY=VALUE assignment.
std::string notify_status(std::string_view text);

// "RELOADING=1\nMONOTONIC_USEC=<now>": systemd (since 253) wants the clock with RELOADING=1
// to tell this reload from an earlier one.
std::string notify_reloading();

// The ping interval systemd asks for: half of WATCHDOG_USEC, or nothing when watchdog_usec
// is unset, not a positive integer, or watchdog_pid names another process.
std::optional<std::chrono::microseconds> watchdog_interval(const char* watchdog_usec,
                                                           const char* watchdog_pid,
                                                           long our_pid);

class Notifier {
 public:
  // From $NOTIFY_SOCKET; disabled when unset or empty. A value that cannot be parsed is
  // logged once and disables notification (the daemon still runs).
  static Notifier from_environment();
  Notifier() = default;  // disabled
  explicit Notifier(const NotifyAddress& address);
  ~Notifier();
  Notifier(Notifier&& other) noexcept;
  Notifier& operator=(Notifier&&) = delete;
  Notifier(const Notifier&) = delete;

  bool enabled() const noexcept { return fd_ >= 0; }
  // One datagram; false (and a debug log line) when it could not be sent.
  bool send(std::string_view message) const;

 private:
  int fd_ = -1;
  NotifyAddress address_{};
};

// Sends WATCHDOG=1 every interval while alive() says the node is healthy. alive() may block
// (it is expected to wait on a round trip through the runtime); while it returns false or
// blocks, no ping is sent, and past WATCHDOG_USEC systemd's watchdog fires.
class Watchdog {
 public:
  Watchdog(const Notifier& notifier, std::chrono::microseconds interval,
           std::function<bool()> alive);
  ~Watchdog();  // stops and joins the thread (waits for a running alive() to return)
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

 private:
  void run();

  const Notifier& notifier_;
  std::chrono::microseconds interval_;
  std::function<bool()> alive_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace ergod::cli
