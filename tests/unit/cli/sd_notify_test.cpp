// systemd notify: $NOTIFY_SOCKET parsing (paths and abstract names), message formatting, the
// watchdog interval rules, and datagrams arriving at a socket the test owns.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstddef>
#include <cstring>
#include <string>

#include <catch2/catch.hpp>

#include "cli/sd_notify.h"

using namespace ergod;
using namespace ergod::cli;
using namespace std::chrono_literals;

namespace {

// A datagram socket bound to an abstract name unique to this process, as systemd's would be.
struct Receiver {
  int fd = -1;
  std::string name;
  Receiver() {
    name = "@ergod-notify-test-" + std::to_string(::getpid());
    fd = ::socket(AF_UNIX, SOCK_DGRAM, 0);
    auto a = parse_notify_address(name);
    REQUIRE(a.ok());
    REQUIRE(::bind(fd, reinterpret_cast<const sockaddr*>(&a.value().addr), a.value().length) == 0);
  }
  ~Receiver() { ::close(fd); }
  std::string receive() const {  // blocks until a datagram arrives
    char buf[512];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    return n < 0 ? std::string() : std::string(buf, static_cast<size_t>(n));
  }
};

}  // namespace

TEST_CASE("a NOTIFY_SOCKET path is a NUL-terminated sun_path", "[cli][sd_notify]") {
  auto a = parse_notify_address("/run/systemd/notify");
  REQUIRE(a.ok());
  CHECK_FALSE(a.value().abstract);
  CHECK(std::string(a.value().addr.sun_path) == "/run/systemd/notify");
  CHECK(a.value().length == offsetof(sockaddr_un, sun_path) + 20);
}

TEST_CASE("a NOTIFY_SOCKET starting with @ is an abstract name without terminator",
          "[cli][sd_notify]") {
  auto a = parse_notify_address("@sd-notify");
  REQUIRE(a.ok());
  CHECK(a.value().abstract);
  CHECK(a.value().addr.sun_path[0] == '\0');
  CHECK(std::string(a.value().addr.sun_path + 1, 9) == "sd-notify");
  CHECK(a.value().length == offsetof(sockaddr_un, sun_path) + 10);
}

TEST_CASE("a NOTIFY_SOCKET that is neither form, or too long, is refused", "[cli][sd_notify]") {
  CHECK_FALSE(parse_notify_address("").ok());
  CHECK(parse_notify_address("vsock:2:1234").error() ==
        "NOTIFY_SOCKET \"vsock:2:1234\": expected an absolute path or @abstract-name");
  CHECK_FALSE(parse_notify_address("relative/path").ok());
  CHECK(parse_notify_address("/" + std::string(200, 'x')).error() ==
        "NOTIFY_SOCKET is longer than a unix socket address allows");
}

TEST_CASE("STATUS text stays on one line", "[cli][sd_notify]") {
  CHECK(notify_status("running") == "STATUS=running");
  CHECK(notify_status("a\nb\r") == "STATUS=a b ");
}

TEST_CASE("RELOADING=1 carries the monotonic clock", "[cli][sd_notify]") {
  std::string m = notify_reloading();
  REQUIRE(m.rfind("RELOADING=1\nMONOTONIC_USEC=", 0) == 0);
  std::string usec = m.substr(std::strlen("RELOADING=1\nMONOTONIC_USEC="));
  CHECK_FALSE(usec.empty());
  CHECK(usec.find_first_not_of("0123456789") == std::string::npos);
}

TEST_CASE("the watchdog pings at half of WATCHDOG_USEC, only for the pid it names",
          "[cli][sd_notify]") {
  CHECK(watchdog_interval("200000", nullptr, 42) == std::chrono::microseconds(100000));
  CHECK(watchdog_interval("200000", "", 42) == std::chrono::microseconds(100000));
  CHECK(watchdog_interval("200000", "42", 42) == std::chrono::microseconds(100000));
  CHECK(watchdog_interval("200000", "43", 42) == std::nullopt);
  CHECK(watchdog_interval("200000", "4x", 42) == std::nullopt);
  CHECK(watchdog_interval(nullptr, "42", 42) == std::nullopt);
  CHECK(watchdog_interval("", nullptr, 42) == std::nullopt);
  CHECK(watchdog_interval("0", nullptr, 42) == std::nullopt);
  CHECK(watchdog_interval("-5", nullptr, 42) == std::nullopt);
  CHECK(watchdog_interval("30s", nullptr, 42) == std::nullopt);
  CHECK(watchdog_interval("1", nullptr, 42) == std::chrono::microseconds(1));
}

TEST_CASE("a disabled notifier sends nothing and says so", "[cli][sd_notify]") {
  Notifier n;
  CHECK_FALSE(n.enabled());
  CHECK_FALSE(n.send("READY=1"));
}

TEST_CASE("notifications arrive as one datagram each at an abstract socket", "[cli][sd_notify]") {
  Receiver r;
  Notifier n(parse_notify_address(r.name).value());
  REQUIRE(n.enabled());
  CHECK(n.send("READY=1\n" + notify_status("up")));
  CHECK(r.receive() == "READY=1\nSTATUS=up");
  CHECK(n.send("STOPPING=1"));
  CHECK(r.receive() == "STOPPING=1");
}

TEST_CASE("the watchdog pings while the node answers and not when it does not",
          "[cli][sd_notify]") {
  Receiver r;
  Notifier n(parse_notify_address(r.name).value());
  std::atomic<int> checks{0};
  {
    // Every other check fails: the pings that arrive are the answered ones only.
    Watchdog w(n, 1ms, [&checks] { return checks.fetch_add(1) % 2 == 0; });
    CHECK(r.receive() == "WATCHDOG=1");
    CHECK(r.receive() == "WATCHDOG=1");
  }
  int done = checks.load();
  CHECK(done >= 3);  // the second ping needed a failed check in between
}
