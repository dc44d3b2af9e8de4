// The handshake state machine, both roles run against each other in memory, and against
// hand-made bytes for the malformed cases.
#include <catch2/catch.hpp>

#include <string>

#include "dist/digest.h"
#include "dist/handshake.h"
#include "dist/peer_table.h"
#include "dist/wire.h"

using namespace ergod::dist;

namespace {

HandshakeConfig config(std::string node, std::string cookie = "secret", uint32_t creation = 1000) {
  HandshakeConfig c;
  c.this_node = std::move(node);
  c.cookie = std::move(cookie);
  c.creation = creation;
  return c;
}

// Moves bytes between the two until neither has anything to say.
void pump(Handshake& a, Handshake& b) {
  for (int i = 0; i < 20; ++i) {
    std::string ab = a.take_output();
    std::string ba = b.take_output();
    if (ab.empty() && ba.empty()) return;
    if (!ab.empty()) b.feed(ab);
    if (!ba.empty()) a.feed(ba);
  }
}

std::string framed(std::string_view msg) {
  std::string out;
  wire::put_u16(out, static_cast<uint16_t>(msg.size()));
  out += msg;
  return out;
}

std::string send_name(uint64_t flags, uint32_t creation, std::string_view name) {
  std::string m = "N";
  wire::put_u64(m, flags);
  wire::put_u32(m, creation);
  wire::put_u16(m, static_cast<uint16_t>(name.size()));
  m += name;
  return m;
}

}  // namespace

TEST_CASE("the cookie digest is MD5 of the cookie followed by the decimal challenge", "[dist][handshake]") {
  // Value computed by erlang:md5(["secretcookie" | integer_to_list(3735928559)]) on OTP 25.
  Digest d = cookie_digest(3735928559u, "secretcookie");
  const uint8_t expected[16] = {0x4d, 0x97, 0x57, 0xcd, 0x7a, 0xe7, 0x73, 0xaa,
                                0xf1, 0xa0, 0x8d, 0x00, 0xff, 0x98, 0x13, 0x18};
  CHECK(std::equal(d.begin(), d.end(), expected));
}

TEST_CASE("an initiator and an acceptor with the same cookie complete the handshake", "[dist][handshake]") {
  auto a = Handshake::initiator(config("alpha@host", "secret", 11), "beta@host");
  auto b = Handshake::acceptor(config("beta@host", "secret", 22));
  a.feed(std::string_view{});
  b.feed(a.take_output());
  REQUIRE(b.state() == Handshake::State::await_verdict);
  CHECK(b.peer_node() == "alpha@host");
  CHECK(b.peer_creation() == 11);
  b.set_verdict(AcceptVerdict::ok);
  pump(a, b);
  REQUIRE(a.done());
  REQUIRE(b.done());
  CHECK(a.peer_creation() == 22);
  CHECK(a.flags() == b.flags());
  CHECK((a.flags() & kMandatoryFlags25) == kMandatoryFlags25);
  CHECK((a.flags() & dflag::published) != 0);
  CHECK(a.take_leftover().empty());
}

TEST_CASE("the first message names our flags, creation and node", "[dist][handshake]") {
  auto a = Handshake::initiator(config("alpha@host", "c", 0x01020304), "beta@host");
  std::string out = a.take_output();
  REQUIRE(out.size() == 2 + 15 + 10);
  CHECK(wire::u16(out, 0) == 25);
  CHECK(out[2] == 'N');
  CHECK(wire::u64(out, 3) == (kAdvertisedFlags | dflag::published));
  CHECK(wire::u32(out, 11) == 0x01020304u);
  CHECK(wire::u16(out, 15) == 10);
  CHECK(out.substr(17) == "alpha@host");
}

TEST_CASE("a hidden node does not advertise PUBLISHED", "[dist][handshake]") {
  auto c = config("alpha@host");
  c.hidden = true;
  auto a = Handshake::initiator(c, "beta@host");
  std::string out = a.take_output();
  CHECK((wire::u64(out, 3) & dflag::published) == 0);
}

TEST_CASE("a wrong cookie is refused by the acceptor, naming the peer", "[dist][handshake]") {
  auto a = Handshake::initiator(config("alpha@host", "one"), "beta@host");
  auto b = Handshake::acceptor(config("beta@host", "two"));
  b.feed(a.take_output());
  b.set_verdict(AcceptVerdict::ok);
  pump(a, b);
  CHECK(b.failed());
  CHECK(b.failure() == Handshake::Failure::bad_cookie);
  CHECK_THAT(b.error(), Catch::Contains("alpha@host"));
  CHECK_FALSE(a.done());
  a.peer_closed();
  CHECK(a.failure() == Handshake::Failure::peer_closed);
  CHECK_THAT(a.error(), Catch::Contains("beta@host"));
}

TEST_CASE("a wrong ack digest is refused by the initiator, naming the peer", "[dist][handshake]") {
  // The acceptor uses the right cookie for the reply check but a different one for its ack:
  // per-node cookies that disagree in one direction only.
  auto a = Handshake::initiator(config("alpha@host", "one"), "beta@host");
  auto bc = config("beta@host", "one");
  int calls = 0;
  bc.cookie_for = [&](std::string_view) { return ++calls == 1 ? std::string("one") : std::string("other"); };
  auto b = Handshake::acceptor(bc);
  b.feed(a.take_output());
  b.set_verdict(AcceptVerdict::ok);
  pump(a, b);
  CHECK(b.done());
  CHECK(a.failed());
  CHECK(a.failure() == Handshake::Failure::bad_cookie);
  CHECK_THAT(a.error(), Catch::Contains("beta@host"));
}

TEST_CASE("the handshake completes when fed one byte at a time", "[dist][handshake]") {
  auto a = Handshake::initiator(config("alpha@host"), "beta@host");
  auto b = Handshake::acceptor(config("beta@host"));
  auto trickle = [](Handshake& to, const std::string& bytes) {
    for (char c : bytes) to.feed(std::string_view(&c, 1));
  };
  trickle(b, a.take_output());
  REQUIRE(b.state() == Handshake::State::await_verdict);
  b.set_verdict(AcceptVerdict::ok);
  for (int i = 0; i < 10; ++i) {
    trickle(a, b.take_output());
    trickle(b, a.take_output());
  }
  CHECK(a.done());
  CHECK(b.done());
}

TEST_CASE("bytes after the last handshake message are left for the framing", "[dist][handshake]") {
  auto a = Handshake::initiator(config("alpha@host"), "beta@host");
  auto b = Handshake::acceptor(config("beta@host"));
  b.feed(a.take_output());
  b.set_verdict(AcceptVerdict::ok);
  a.feed(b.take_output());
  b.feed(a.take_output());
  REQUIRE(b.done());
  std::string ack = b.take_output();
  a.feed(ack + std::string("\0\0\0\0\0\0\0\1p", 9));
  REQUIRE(a.done());
  CHECK(a.take_leftover() == std::string("\0\0\0\0\0\0\0\1p", 9));
}

TEST_CASE("a truncated handshake waits, then fails when the peer closes", "[dist][handshake]") {
  auto b = Handshake::acceptor(config("beta@host"));
  std::string msg = framed(send_name(kAdvertisedFlags, 1, "alpha@host"));
  b.feed(std::string_view(msg).substr(0, msg.size() - 3));
  CHECK(b.state() == Handshake::State::await_name);
  b.peer_closed();
  CHECK(b.failure() == Handshake::Failure::peer_closed);
}

TEST_CASE("garbage instead of a name fails the acceptor without an answer", "[dist][handshake]") {
  auto b = Handshake::acceptor(config("beta@host"));
  b.feed(framed("GET / HTTP/1.1\r\n"));
  CHECK(b.failure() == Handshake::Failure::protocol);
  CHECK(b.take_output().empty());
  CHECK_THAT(b.error(), Catch::Contains("malformed send_name"));
}

TEST_CASE("a name length past the message end is a protocol error", "[dist][handshake]") {
  auto b = Handshake::acceptor(config("beta@host"));
  std::string m = send_name(kAdvertisedFlags, 1, "alpha@host");
  m[13] = 0x7f;  // name length high byte
  b.feed(framed(m));
  CHECK(b.failure() == Handshake::Failure::protocol);
}

TEST_CASE("an empty handshake message is a protocol error", "[dist][handshake]") {
  auto b = Handshake::acceptor(config("beta@host"));
  b.feed(std::string("\0\0", 2));
  CHECK(b.failure() == Handshake::Failure::protocol);
}

TEST_CASE("invalid peer node names are refused", "[dist][handshake]") {
  for (std::string name : std::initializer_list<std::string>{"noat", "two@@ats", "@host", "name@", "a@b@c", std::string("a\x01@host"),
                           std::string("\xff\xfe@host")}) {
    auto b = Handshake::acceptor(config("beta@host"));
    b.feed(framed(send_name(kAdvertisedFlags, 1, name)));
    INFO(name);
    CHECK(b.failure() == Handshake::Failure::protocol);
  }
}

TEST_CASE("extra bytes after the name in send_name are ignored", "[dist][handshake]") {
  auto b = Handshake::acceptor(config("beta@host"));
  b.feed(framed(send_name(kAdvertisedFlags, 1, "alpha@host") + "future"));
  CHECK(b.state() == Handshake::State::await_verdict);
  CHECK(b.peer_node() == "alpha@host");
}

TEST_CASE("the pre-OTP 23 send_name is refused with a clear reason", "[dist][handshake]") {
  auto b = Handshake::acceptor(config("beta@host"));
  std::string m = "n";
  wire::put_u16(m, 5);
  wire::put_u32(m, 0x3ffff);
  m += "alpha@host";
  b.feed(framed(m));
  CHECK(b.failure() == Handshake::Failure::protocol);
  CHECK_THAT(b.error(), Catch::Contains("pre-OTP 23"));
}

TEST_CASE("a peer without the OTP 25 mandatory flags gets not_allowed", "[dist][handshake]") {
  auto b = Handshake::acceptor(config("beta@host"));
  b.feed(framed(send_name(kMandatoryFlags25 & ~dflag::big_creation, 1, "old@host")));
  CHECK(b.failure() == Handshake::Failure::missing_flags);
  CHECK_THAT(b.error(), Catch::Contains("BIG_CREATION") && Catch::Contains("old@host"));
  CHECK(b.take_output() == framed("snot_allowed"));
}

TEST_CASE("MANDATORY_25_DIGEST stands for the whole mandatory set", "[dist][handshake]") {
  auto b = Handshake::acceptor(config("beta@host"));
  b.feed(framed(send_name(dflag::mandatory_25_digest | dflag::published, 1, "new@host")));
  CHECK(b.state() == Handshake::State::await_verdict);
  CHECK((b.peer_flags() & kMandatoryFlags25) == kMandatoryFlags25);
}

TEST_CASE("an initiator refuses a challenge from a peer lacking mandatory flags", "[dist][handshake]") {
  auto a = Handshake::initiator(config("alpha@host"), "beta@host");
  a.take_output();
  a.feed(framed("sok"));
  std::string ch = "N";
  wire::put_u64(ch, dflag::extended_references);
  wire::put_u32(ch, 1);
  wire::put_u32(ch, 2);
  wire::put_u16(ch, 9);
  ch += "beta@host";
  a.feed(framed(ch));
  CHECK(a.failure() == Handshake::Failure::missing_flags);
  CHECK_THAT(a.error(), Catch::Contains("beta@host"));
}

TEST_CASE("an initiator refuses a challenge from a node other than the one dialled", "[dist][handshake]") {
  auto a = Handshake::initiator(config("alpha@host"), "beta@host");
  auto c = Handshake::acceptor(config("gamma@host"));
  c.feed(a.take_output());
  c.set_verdict(AcceptVerdict::ok);
  a.feed(c.take_output());
  CHECK(a.failure() == Handshake::Failure::wrong_node);
  CHECK_THAT(a.error(), Catch::Contains("gamma@host"));
}

TEST_CASE("status not_allowed and unknown statuses end the initiator", "[dist][handshake]") {
  auto a = Handshake::initiator(config("alpha@host"), "beta@host");
  a.feed(framed("snot_allowed"));
  CHECK(a.failure() == Handshake::Failure::not_allowed);
  CHECK_THAT(a.error(), Catch::Contains("beta@host"));
  auto b = Handshake::initiator(config("alpha@host"), "beta@host");
  b.feed(framed("swhatever"));
  CHECK(b.failure() == Handshake::Failure::protocol);
  auto c = Handshake::initiator(config("alpha@host"), "beta@host");
  c.feed(framed("x"));
  CHECK(c.failure() == Handshake::Failure::protocol);
}

TEST_CASE("simultaneous connect: the node with the greater name keeps its own attempt", "[dist][handshake]") {
  // Both dial each other at once. Each side's PeerTable holds its own pending attempt when the
  // other's name arrives.
  PeerTable table_a, table_b;  // a = "alpha@host" < b = "beta@host"
  REQUIRE(table_a.start_connect("beta@host", 1));
  REQUIRE(table_b.start_connect("alpha@host", 1));
  auto a_out = Handshake::initiator(config("alpha@host"), "beta@host");   // a's attempt, id 1 on a
  auto b_out = Handshake::initiator(config("beta@host"), "alpha@host");   // b's attempt, id 1 on b
  auto a_in = Handshake::acceptor(config("alpha@host"));                  // b's attempt seen by a, id 2
  auto b_in = Handshake::acceptor(config("beta@host"));                   // a's attempt seen by b, id 2

  b_in.feed(a_out.take_output());
  a_in.feed(b_out.take_output());
  REQUIRE(b_in.state() == Handshake::State::await_verdict);
  REQUIRE(a_in.state() == Handshake::State::await_verdict);

  // b is greater: it answers nok to a's attempt.
  auto vb = table_b.accept("beta@host", b_in.peer_node(), 2);
  CHECK(vb.verdict == AcceptVerdict::nok);
  b_in.set_verdict(vb.verdict);
  // a is smaller: it gives up its own attempt and answers ok_simultaneous.
  auto va = table_a.accept("alpha@host", a_in.peer_node(), 2);
  CHECK(va.verdict == AcceptVerdict::ok_simultaneous);
  CHECK(va.abandon == 1);
  a_in.set_verdict(va.verdict);

  a_out.feed(b_in.take_output());
  CHECK(a_out.failure() == Handshake::Failure::simultaneous);
  table_a.remove("beta@host", 1);           // the abandoned attempt ends: no change
  CHECK(table_a.owner("beta@host") == 2);

  pump(b_out, a_in);
  CHECK(b_out.done());
  CHECK(a_in.done());
  table_a.mark_up("beta@host", 2);
  table_b.mark_up("alpha@host", 1);
  CHECK(table_a.state("beta@host") == PeerTable::State::up);
  CHECK(table_b.state("alpha@host") == PeerTable::State::up);
}

TEST_CASE("a restarted peer replaces its old connection after proving its cookie", "[dist][handshake]") {
  PeerTable table;
  table.mark_up("alpha@host", 7);  // the old connection
  auto a = Handshake::initiator(config("alpha@host"), "beta@host");
  auto b = Handshake::acceptor(config("beta@host"));
  b.feed(a.take_output());
  auto v = table.accept("beta@host", "alpha@host", 8);
  CHECK(v.verdict == AcceptVerdict::alive);
  CHECK(table.state("alpha@host") == PeerTable::State::up_pending);
  b.set_verdict(v.verdict);
  a.feed(b.take_output());
  REQUIRE(a.state() == Handshake::State::await_alive_answer);
  a.answer_alive(true);
  pump(a, b);
  REQUIRE(b.state() == Handshake::State::await_old_gone);
  CHECK_FALSE(a.done());
  table.remove("alpha@host", 7);  // the owner ends the old connection
  CHECK(table.owner("alpha@host") == 8);
  b.old_connection_gone();
  pump(a, b);
  CHECK(a.done());
  CHECK(b.done());
  table.mark_up("alpha@host", 8);
  CHECK(table.state("alpha@host") == PeerTable::State::up);
}

TEST_CASE("an initiator that is no longer pending answers alive with false", "[dist][handshake]") {
  auto a = Handshake::initiator(config("alpha@host"), "beta@host");
  auto b = Handshake::acceptor(config("beta@host"));
  b.feed(a.take_output());
  b.set_verdict(AcceptVerdict::alive);
  a.feed(b.take_output());
  a.answer_alive(false);
  CHECK(a.failure() == Handshake::Failure::alive_refused);
  b.feed(a.take_output());
  CHECK(b.failure() == Handshake::Failure::alive_refused);
}

TEST_CASE("a node without a name is named by the acceptor", "[dist][handshake]") {
  auto a = Handshake::initiator(config("host", "c", 0), "beta@host");
  std::string first = a.take_output();
  CHECK((wire::u64(first, 3) & dflag::name_me) != 0);
  CHECK(wire::u32(first, 11) == 0);
  auto b = Handshake::acceptor(config("beta@host", "c"));
  b.feed(first);
  REQUIRE(b.state() == Handshake::State::await_verdict);
  CHECK(b.peer_wants_dynamic_name());
  CHECK(b.peer_node() == "host");
  b.set_verdict(AcceptVerdict::named, "dyn123@host", 4242);
  pump(a, b);
  CHECK(a.done());
  CHECK(b.done());
  CHECK(a.this_node() == "dyn123@host");
  // As dist_util requires: NAME_ME survives the negotiation, PUBLISHED does not.
  CHECK((a.flags() & dflag::name_me) != 0);
  CHECK((b.flags() & dflag::name_me) != 0);
  CHECK((b.flags() & dflag::published) == 0);
  CHECK(a.this_creation() == 4242);
  CHECK(b.peer_node() == "dyn123@host");
}

TEST_CASE("a dynamic name on another host is refused", "[dist][handshake]") {
  auto a = Handshake::initiator(config("host", "c", 0), "beta@host");
  a.take_output();
  std::string st = "snamed:";
  wire::put_u16(st, 7);
  st += "x@other";
  wire::put_u32(st, 9);
  a.feed(framed(st));
  CHECK(a.failure() == Handshake::Failure::protocol);
}

TEST_CASE("the acceptor answers nok, not_allowed and drop as told", "[dist][handshake]") {
  for (auto v : {AcceptVerdict::nok, AcceptVerdict::not_allowed, AcceptVerdict::drop}) {
    auto b = Handshake::acceptor(config("beta@host"));
    b.feed(framed(send_name(kAdvertisedFlags, 1, "alpha@host")));
    b.set_verdict(v);
    CHECK(b.failed());
    std::string out = b.take_output();
    if (v == AcceptVerdict::drop) CHECK(out.empty());
    if (v == AcceptVerdict::nok) CHECK(out == framed("snok"));
    if (v == AcceptVerdict::not_allowed) CHECK(out == framed("snot_allowed"));
  }
}

TEST_CASE("a challenge reply of the wrong size is a protocol error", "[dist][handshake]") {
  auto b = Handshake::acceptor(config("beta@host"));
  b.feed(framed(send_name(kAdvertisedFlags, 1, "alpha@host")));
  b.set_verdict(AcceptVerdict::ok);
  b.take_output();
  b.feed(framed("r1234short"));
  CHECK(b.failure() == Handshake::Failure::protocol);
}
