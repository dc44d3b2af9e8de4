// The distribution header's atom cache, both directions: what the send cache writes, the
// receive cache reads back, across messages, with long atoms, and malformed headers.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "dist/atom_cache.h"
#include "dist/dist_header.h"

using namespace ergod::dist;
using ergod::term::Atom;

namespace {
std::span<const uint8_t> span_of(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
// One message through both caches: the atoms asked for, in order, come back as refs.
std::vector<Atom> round_trip(SendAtomCache& send, ReceiveAtomCache& recv, const std::vector<Atom>& atoms,
                             std::string* header_out = nullptr) {
  send.begin_message();
  std::vector<int> idx;
  for (Atom a : atoms) idx.push_back(send.index_of(a));
  std::string header;
  write_dist_header(send.refs(), header);
  std::vector<Atom> refs;
  auto r = read_dist_header(span_of(header), recv, refs);
  REQUIRE(r.ok());
  CHECK(r.value() == header.size());
  std::vector<Atom> out;
  for (int i : idx) {
    REQUIRE(i >= 0);
    out.push_back(refs.at(i));
  }
  if (header_out) *header_out = header;
  return out;
}
}  // namespace

TEST_CASE("atoms put in a header come back as the refs the encoder was given", "[atomcache]") {
  SendAtomCache send;
  ReceiveAtomCache recv;
  std::vector<Atom> atoms = {Atom::make("hello"), Atom::make("world"), Atom::make("hello"), Atom::make("ok")};
  CHECK(round_trip(send, recv, atoms) == atoms);
}

TEST_CASE("a message without atoms has a one-byte header", "[atomcache]") {
  SendAtomCache send;
  ReceiveAtomCache recv;
  std::string h;
  round_trip(send, recv, {}, &h);
  CHECK(h == std::string(1, '\0'));
}

TEST_CASE("an atom sent twice travels in full only the first time", "[atomcache]") {
  SendAtomCache send;
  ReceiveAtomCache recv;
  Atom a = Atom::make("a_fairly_long_atom_name_that_is_cached");
  std::string h1, h2;
  CHECK(round_trip(send, recv, {a}, &h1) == std::vector<Atom>{a});
  CHECK(round_trip(send, recv, {a}, &h2) == std::vector<Atom>{a});
  CHECK(h1.size() > a.name().size());
  CHECK(h2.size() == 3);  // count, flags, internal index
  CHECK(send.refs().at(0).is_new == false);
}

TEST_CASE("atoms longer than 255 bytes set the long atoms flag and survive", "[atomcache]") {
  SendAtomCache send;
  ReceiveAtomCache recv;
  std::string text;
  for (int i = 0; i < 200; ++i) text += "\xc3\xa9";  // 200 characters, 400 bytes
  Atom big = Atom::make(text), small = Atom::make("x");
  std::string h;
  CHECK(round_trip(send, recv, {small, big}, &h) == std::vector<Atom>{small, big});
  // flags byte: ref 0 low nibble, ref 1 high nibble, then the long atoms nibble (bit 0).
  CHECK((static_cast<uint8_t>(h[2]) & 1) == 1);
  CHECK(round_trip(send, recv, {big}) == std::vector<Atom>{big});
}

TEST_CASE("a header holds at most 255 atoms and the rest are written in full", "[atomcache]") {
  SendAtomCache send;
  ReceiveAtomCache recv;
  send.begin_message();
  int refused = 0;
  for (int i = 0; i < 600; ++i)
    if (send.index_of(Atom::make("many_" + std::to_string(i))) < 0) ++refused;
  CHECK(send.refs().size() <= kMaxHeaderAtoms);
  CHECK(refused == 600 - static_cast<int>(send.refs().size()));
  std::string h;
  write_dist_header(send.refs(), h);
  std::vector<Atom> refs;
  auto r = read_dist_header(span_of(h), recv, refs);
  REQUIRE(r.ok());
  CHECK(refs.size() == send.refs().size());
}

TEST_CASE("many messages through the 2048 slots keep both caches in step", "[atomcache]") {
  SendAtomCache send;
  ReceiveAtomCache recv;
  for (int m = 0; m < 200; ++m) {
    std::vector<Atom> atoms;
    for (int i = 0; i < 40; ++i) atoms.push_back(Atom::make("step_" + std::to_string((m * 7 + i * 13) % 5000)));
    CHECK(round_trip(send, recv, atoms) == atoms);
  }
}

TEST_CASE("a rolled back message leaves the send cache as the peer sees it", "[atomcache]") {
  SendAtomCache send;
  ReceiveAtomCache recv;
  Atom a = Atom::make("rolled_back_atom");
  send.begin_message();
  REQUIRE(send.index_of(a) == 0);
  send.rollback_message();  // never sent
  CHECK(round_trip(send, recv, {a}) == std::vector<Atom>{a});
  CHECK(send.refs().at(0).is_new);
}

TEST_CASE("malformed headers are refused with the offset and leave the cache alone", "[atomcache]") {
  ReceiveAtomCache recv;
  std::vector<Atom> refs;
  CHECK_FALSE(read_dist_header({}, recv, refs).ok());
  // two refs, flags cut short
  CHECK_FALSE(read_dist_header(span_of(std::string("\x02", 1)), recv, refs).ok());
  // one ref to an empty slot
  auto r = read_dist_header(span_of(std::string("\x01\x00\x05", 3)), recv, refs);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().find("empty") != std::string::npos);
  // new entry whose text is cut short: nothing applied
  r = read_dist_header(span_of(std::string("\x01\x08\x05\x0a" "abc", 7)), recv, refs);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().find("cut short") != std::string::npos);
  Atom out;
  CHECK_FALSE(recv.get(5, out));
  // invalid UTF-8 in an atom
  CHECK_FALSE(read_dist_header(span_of(std::string("\x01\x08\x05\x02\xff\xfe", 6)), recv, refs).ok());
}
