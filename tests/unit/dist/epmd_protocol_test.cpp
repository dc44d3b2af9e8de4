// EPMD requests and responses, and the embedded registry's creation rules.
#include <catch2/catch.hpp>

#include "dist/epmd_protocol.h"
#include "dist/epmd_registry.h"
#include "dist/wire.h"

using namespace ergod::dist;
using namespace ergod::dist::epmd;

namespace {
NodeEntry entry(std::string name, uint16_t port = 5000) {
  NodeEntry e;
  e.name = std::move(name);
  e.port = port;
  return e;
}
}  // namespace

TEST_CASE("an ALIVE2_REQ survives encoding and parsing", "[dist][epmd]") {
  NodeEntry e = entry("ergod", 40001);
  e.node_type = kNodeTypeHidden;
  e.extra = "xy";
  std::string wire_bytes = encode_request(Alive2Req{e});
  CHECK(wire::u16(wire_bytes, 0) == wire_bytes.size() - 2);
  auto r = parse_request(std::string_view(wire_bytes).substr(2));
  REQUIRE(r.ok());
  auto& a = std::get<Alive2Req>(r.value()).entry;
  CHECK(a.name == "ergod");
  CHECK(a.port == 40001);
  CHECK(a.node_type == kNodeTypeHidden);
  CHECK(a.highest_version == 6);
  CHECK(a.extra == "xy");
}

TEST_CASE("malformed EPMD requests are errors that say what was wrong", "[dist][epmd]") {
  CHECK_THAT(parse_request("").error(), Catch::Contains("empty"));
  CHECK_THAT(parse_request("\x01garbage").error(), Catch::Contains("unknown request tag 1"));
  CHECK_THAT(parse_request(std::string(kMaxRequest + 1, 'x')).error(), Catch::Contains("exceeds"));
  std::string alive = encode_request(Alive2Req{entry("node")}).substr(2);
  CHECK_THAT(parse_request(alive.substr(0, 10)).error(), Catch::Contains("too short"));
  std::string bad_len = alive;
  bad_len[9] = 0x10;  // name length 4096+
  CHECK_THAT(parse_request(bad_len).error(), Catch::Contains("name length"));
  std::string bad_extra = alive;
  bad_extra[bad_extra.size() - 1] = 9;  // extra length 9, no extra bytes
  CHECK_THAT(parse_request(bad_extra).error(), Catch::Contains("extra length"));
  std::string nul = encode_request(Alive2Req{entry(std::string("a\0b", 3))}).substr(2);
  CHECK_THAT(parse_request(nul).error(), Catch::Contains("NUL"));
  std::string bad_utf8 = encode_request(PortPlease2Req{"\xc3("}).substr(2);
  CHECK_THAT(parse_request(bad_utf8).error(), Catch::Contains("UTF-8"));
  CHECK_THAT(parse_request("z").error(), Catch::Contains("empty node name"));
}

TEST_CASE("PORT_PLEASE2_REQ accepts one trailing NUL as epmd does", "[dist][epmd]") {
  auto r = parse_request(std::string("zfoo\0", 5));
  REQUIRE(r.ok());
  CHECK(std::get<PortPlease2Req>(r.value()).name == "foo");
}

TEST_CASE("PORT2_RESP parses found and not found, waiting for complete input", "[dist][epmd]") {
  Port2Resp found;
  found.found = true;
  found.entry = entry("abc", 1234);
  std::string bytes = encode_port2_resp(found);
  for (size_t i = 0; i < bytes.size(); ++i) {
    auto partial = parse_port2_resp(std::string_view(bytes).substr(0, i));
    REQUIRE(partial.ok());
    CHECK_FALSE(partial.value().has_value());
  }
  auto full = parse_port2_resp(bytes);
  REQUIRE(full.ok());
  REQUIRE(full.value().has_value());
  CHECK(full.value()->found);
  CHECK(full.value()->entry.port == 1234);
  CHECK(full.value()->entry.name == "abc");
  auto nf = parse_port2_resp(encode_port2_resp(Port2Resp{}));
  REQUIRE(nf.ok());
  CHECK_FALSE(nf.value()->found);
  CHECK(parse_port2_resp("xx").error().find("tag") != std::string::npos);
}

TEST_CASE("ALIVE2 responses come in the 32-bit and the 16-bit form", "[dist][epmd]") {
  auto x = parse_alive2_resp(encode_alive2_resp({0, 0x12345678, true}));
  REQUIRE(x.ok());
  CHECK(x.value()->creation == 0x12345678u);
  auto y = parse_alive2_resp(encode_alive2_resp({0, 3, false}));
  REQUIRE(y.ok());
  CHECK(y.value()->creation == 3);
  CHECK_FALSE(y.value()->extended);
  CHECK_FALSE(parse_alive2_resp(std::string("v\0\0", 3)).value().has_value());
}

TEST_CASE("NAMES_RESP lists every node as epmd writes it", "[dist][epmd]") {
  std::string bytes = encode_names_resp(4369, {{"a", 1}, {"b_2", 65535}});
  CHECK(bytes.substr(4) == "name a at port 1\nname b_2 at port 65535\n");
  auto r = parse_names_resp(bytes);
  REQUIRE(r.ok());
  CHECK(r.value().epmd_port == 4369);
  REQUIRE(r.value().nodes.size() == 2);
  CHECK(r.value().nodes[1].name == "b_2");
  CHECK(r.value().nodes[1].port == 65535);
  CHECK_FALSE(parse_names_resp(std::string("\0\0\x11\x11name x", 10)).ok());
}

TEST_CASE("a new name's creation is the time plus one, a returning name's the last plus one", "[dist][epmd]") {
  Registry reg;
  auto c1 = reg.add(entry("n"), 1, 1000);
  REQUIRE(c1);
  CHECK(*c1 == 1001);
  CHECK_FALSE(reg.add(entry("n"), 2, 1000));  // taken
  auto c2 = reg.add(entry("m"), 2, 1000);
  CHECK(*c2 == 1001);
  CHECK(reg.remove_owner(1) == std::vector<std::string>{"n"});
  auto c3 = reg.add(entry("n"), 3, 5000);
  CHECK(*c3 == 1002);
  CHECK(reg.size() == 2);
}

TEST_CASE("creations skip 0 to 3, and old nodes get a 2-bit creation", "[dist][epmd]") {
  Registry reg;
  CHECK(*reg.add(entry("w"), 1, 0xffffffffu) == 4u);
  CHECK(Registry::short_creation(1795572264u) == 1);
  CHECK(Registry::short_creation(1795572265u) == 2);
}

TEST_CASE("NAMES lists registered nodes newest first, as epmd does", "[dist][epmd]") {
  Registry reg;
  (void)reg.add(entry("z", 1), 1, 1);
  (void)reg.add(entry("a", 2), 2, 1);
  auto names = reg.names();
  REQUIRE(names.size() == 2);
  CHECK(names[0].name == "a");
  CHECK(names[1].name == "z");
  reg.remove_owner(1);
  CHECK_THAT(reg.dump_text(), Catch::Contains("active name     <a>") && Catch::Contains("old/unused name <z>"));
}

TEST_CASE("epmd refuses too long a name or too much extra data with an answer, not silence", "[dist][epmd]") {
  // parse_request lets these through; check_alive2 says no, and the server answers result 1.
  auto long_name = parse_request(encode_request(Alive2Req{entry(std::string(256, 'r'))}).substr(2));
  REQUIRE(long_name.ok());
  CHECK_THAT(check_alive2(std::get<Alive2Req>(long_name.value()).entry).error(), Catch::Contains("255"));
  NodeEntry e = entry("ok");
  e.extra = std::string(kMaxExtra, 'e');
  CHECK(check_alive2(e).ok());
  e.extra += 'e';
  CHECK_THAT(check_alive2(e).error(), Catch::Contains("extra"));
  CHECK(check_alive2(entry(std::string(255, 'b'))).ok());
  CHECK_FALSE(check_alive2(entry("ab\xff")).ok());
}

TEST_CASE("PORT_PLEASE2_REQ takes names of at most 254 characters as OTP 25's epmd does", "[dist][epmd]") {
  CHECK(parse_request("z" + std::string(254, 'q')).ok());
  CHECK_THAT(parse_request("z" + std::string(255, 'q')).error(), Catch::Contains("254"));
}

TEST_CASE("epmd reads a request of up to 3057 bytes", "[dist][epmd]") {
  CHECK(kMaxRequest == 3057);
  CHECK(parse_request("n" + std::string(3056, 'x')).ok());
}

TEST_CASE("DUMP_RESP lines are epmd's: fd, NUL after each line, old names with their port", "[dist][epmd]") {
  Registry reg;
  (void)reg.add(entry("first", 5001), 1, 100, 5);
  (void)reg.add(entry("second", 5002), 2, 100, 6);
  (void)reg.add(entry("third", 5003), 3, 100, 7);
  reg.remove_owner(1);
  reg.remove_owner(3);
  using namespace std::string_literals;
  CHECK(reg.dump_text() == "active name     <second> at port 5002, fd = 6\n\0"
                           "old/unused name <first>, port = 5001, fd = 5 \n\0"
                           "old/unused name <third>, port = 5003, fd = 7 \n\0"s);
}
