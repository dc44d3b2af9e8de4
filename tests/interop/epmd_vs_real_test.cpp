// Our embedded EPMD and a real OTP 25 epmd, side by side: the same bytes go to both, and both
// must answer the same bytes and close (or keep) the connection alike. Only what cannot match
// is masked: creations (the clock), the servers' ports and socket numbers in DUMP_RESP.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <regex>

#include "dist/epmd_protocol.h"
#include "dist_support.h"

using namespace ergod;
using namespace ergod::test;
using namespace std::chrono_literals;

namespace {

namespace epmd = dist::epmd;

// One client connection to an EPMD on 127.0.0.1.
class Client {
 public:
  explicit Client(uint16_t port) : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  ~Client() { close(fd_); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  bool connected() const { return connected_; }
  void send(const std::string& bytes) { (void)!write(fd_, bytes.data(), bytes.size()); }
  // What arrives until the server closes or stays quiet for `quiet`; "closed" when it closed
  // (a reset counts: epmd resets when it closes with our bytes unread).
  std::string read(std::chrono::milliseconds quiet = 300ms) {
    std::string out;
    for (;;) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(quiet.count())) <= 0) return out;
      char buf[4096];
      ssize_t n = ::read(fd_, buf, sizeof buf);
      if (n <= 0) return out + "<closed>";
      out.append(buf, static_cast<size_t>(n));
    }
  }

 private:
  int fd_;
  bool connected_ = false;
};

std::string frame(const std::string& body) {
  std::string out;
  out += static_cast<char>(body.size() >> 8);
  out += static_cast<char>(body.size() & 0xff);
  return out + body;
}

std::string alive(const std::string& name, const std::string& extra = "", uint16_t port = 5000) {
  epmd::NodeEntry e;
  e.name = name;
  e.extra = extra;
  e.port = port;
  e.lowest_version = 5;
  return epmd::encode_request(epmd::Alive2Req{e});
}

// Creations come from the clock; a successful ALIVE2_X_RESP's are masked.
std::string masked(std::string s) {
  if (s.size() >= 6 && s[0] == 'v' && s[1] == 0) s.replace(2, 4, "CCCC");
  return std::regex_replace(s, std::regex("fd = [0-9]+"), "fd = N");
}

std::string printable(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (c >= 32 && c < 127) {
      out += static_cast<char>(c);
    } else {
      char b[8];
      snprintf(b, sizeof b, "\\x%02x", c);
      out += b;
    }
  }
  return out;
}

// NAMES_RESP and DUMP_RESP start with the server's own port.
std::string without_port(std::string s, uint16_t port) {
  std::string p{'\0', '\0', static_cast<char>(port >> 8), static_cast<char>(port & 0xff)};
  if (s.starts_with(p)) s.replace(0, 4, "PPPP");
  return s;
}

// The answer to `segments`, sent 50 ms apart on one connection.
std::string exchange(uint16_t port, const std::vector<std::string>& segments) {
  Client c(port);
  if (!c.connected()) return "<no connection>";
  for (size_t i = 0; i < segments.size(); ++i) {
    if (i > 0) std::this_thread::sleep_for(50ms);
    c.send(segments[i]);
  }
  return without_port(masked(c.read()), port);
}

struct SideBySide : InteropTest {
  uint16_t real_port = free_port();
  std::unique_ptr<Child> real;
  LoopOwned<dist::EpmdServer> ours;

  SideBySide() : ours(start_epmd_server(lt, epmd_port)) {
    real = std::make_unique<Child>(std::vector<std::string>{"epmd", "-port", std::to_string(real_port)});
    wait_until([&] { return run_command({"epmd", "-port", std::to_string(real_port), "-names"}).find("up and running") !=
                            std::string::npos; }, 5s);
  }
  ~SideBySide() { real->kill_now(); }

  // Runs `scenario` (given a port) against both; they must give the same text.
  void same(const std::string& what, const std::function<std::string(uint16_t)>& scenario) {
    std::string theirs = scenario(real_port);
    std::string mine = scenario(epmd_port);
    INFO(what << "\n  real epmd: " << printable(theirs) << "\n  ours:      " << printable(mine));
    CHECK(mine == theirs);
  }
  void same(const std::string& what, const std::vector<std::string>& segments) {
    same(what, [&](uint16_t port) { return exchange(port, segments); });
  }
};

}  // namespace

TEST_CASE_METHOD(SideBySide, "our EPMD answers malformed and odd requests byte for byte as OTP 25's epmd", "[interop][epmd]") {
  std::string names = frame("n");
  same("NAMES_REQ", {names});
  same("NAMES_REQ split over three segments", {names.substr(0, 1), names.substr(1, 1), names.substr(2)});
  same("NAMES_REQ with bytes inside its length", {frame("nabc")});
  same("two requests in one segment", {names + names});
  same("length 0, then a request", {std::string("\0\0", 2) + names});
  same("length 0", {std::string("\0\0", 2)});
  same("unknown tag", {frame("\x01" "abc")});
  same("truncated request", {std::string("\x00\x10", 2) + "n"});
  same("length 3057 with its bytes", {frame(std::string("n").append(3056, 'x'))});
  same("length 3058 without its bytes", {std::string("\x0b\xf2", 2) + "n"});
  same("PORT_PLEASE2_REQ, unknown name", {frame("znobody")});
  same("PORT_PLEASE2_REQ, empty name", {frame("z")});
  same("PORT_PLEASE2_REQ, trailing NUL", {frame(std::string("znobody\0", 8))});
  same("PORT_PLEASE2_REQ, NUL inside", {frame(std::string("zno\0body", 8))});
  same("PORT_PLEASE2_REQ, bad UTF-8", {frame("z\xff\xfe")});
  same("PORT_PLEASE2_REQ, 254 characters", {frame(std::string("z").append(254, 'q'))});
  same("PORT_PLEASE2_REQ, 255 characters", {frame(std::string("z").append(255, 'q'))});
  same("STOP_REQ", {frame("sfoo")});
  same("ALIVE2_REQ, empty name", {alive("")});
  same("ALIVE2_REQ, NUL in the name", {alive(std::string("a\0b", 3))});
  same("ALIVE2_REQ, 256 characters", {alive(std::string(256, 'r'))});
  same("ALIVE2_REQ, bad UTF-8", {alive("ab\xff")});
  same("ALIVE2_REQ, 1021 bytes of extra", {alive("ex", std::string(1021, 'e'))});
  same("ALIVE2_REQ, too short", {frame("x\x00\x01")});
  std::string past = alive("cc");
  past[12] = 50;  // name length past the end
  same("ALIVE2_REQ, name length past the end", {past});
  same("ALIVE2_REQ, bytes after a refused one", {alive(std::string(256, 'r')), names});
}

TEST_CASE_METHOD(SideBySide, "our EPMD keeps registrations and refusals and answers DUMP as OTP 25's epmd does", "[interop][epmd]") {
  // 255 characters and 1020 bytes of extra are still accepted.
  same("ALIVE2_REQ, 255 characters and 1020 bytes of extra",
       {alive(std::string(255, 'b'), std::string(1020, 'e'))});
  same("a registration, a taken name, and what the refused connection does next", [](uint16_t port) {
    Client holder(port);
    holder.send(alive("taken", "", 5001));
    std::string out = masked(holder.read()) + " | ";
    Client second(port);
    second.send(alive("taken", "", 5002));
    out += masked(second.read()) + " | ";
    second.send(frame("n"));
    out += second.read() + " | ";
    out += exchange(port, {frame("ztaken")});
    return out;
  });
  same("bytes after a registration end it", [](uint16_t port) {
    Client c(port);
    c.send(alive("chatty", "", 5003));
    std::string out = masked(c.read()) + " | ";
    c.send("x");
    out += c.read() + " | ";
    return out + exchange(port, {frame("zchatty")});
  });
  same("a registration ends with its connection; DUMP shows both kinds", [](uint16_t port) {
    auto first = std::make_unique<Client>(port);
    first->send(alive("first", "", 5004));
    std::string out = masked(first->read()) + " | ";
    Client second(port);
    second.send(alive("second", "xyz", 5005));
    out += masked(second.read()) + " | ";
    out += exchange(port, {frame("d")}) + " | ";
    first.reset();
    std::this_thread::sleep_for(200ms);
    out += exchange(port, {frame("zfirst")}) + " | ";
    out += exchange(port, {frame("n")}) + " | ";
    out += exchange(port, {frame("d")}) + " | ";
    out += exchange(port, {frame("k")});  // refused: a node is registered
    return out;
  });
}

TEST_CASE_METHOD(SideBySide, "our EPMD waits for a truncated request as long as OTP 25's epmd", "[interop][epmd]") {
  // epmd gives a connection a minute to complete its request; both must still listen at 12 s.
  Client theirs(real_port), mine(epmd_port);
  theirs.send(std::string("\x00\x05", 2) + "n");
  mine.send(std::string("\x00\x05", 2) + "n");
  std::this_thread::sleep_for(12s);
  std::string t = theirs.read(), m = mine.read();
  INFO("real epmd: " << printable(t) << "\nours: " << printable(m));
  CHECK(t.empty());
  CHECK(m == t);
  // The rest of the request is still answered.
  theirs.send("nnnn");
  mine.send("nnnn");
  CHECK(without_port(mine.read(), epmd_port) == without_port(theirs.read(), real_port));
}
