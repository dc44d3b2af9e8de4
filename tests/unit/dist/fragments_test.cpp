// Fragmented messages: cutting, reassembly interleaved with other traffic, bounds.
#include <catch2/catch.hpp>

#include <cstring>
#include <string>
#include <vector>

#include "dist/atom_cache.h"
#include "dist/dist_header.h"
#include "dist/fragments.h"
#include "dist/wire.h"

using namespace ergod::dist;
using ergod::term::Atom;

namespace {
std::span<const uint8_t> span_of(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
std::vector<uint8_t> pattern(size_t n, uint8_t seed) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(i * 31 + seed);
  return v;
}
std::vector<std::string> cut(uint64_t seq, const std::string& header, const std::vector<uint8_t>& body, size_t size) {
  OutgoingFragments out(seq, header, body, size);
  std::vector<std::string> frames;
  while (!out.done()) {
    std::string f;
    out.next_frame(f);
    frames.push_back(f);
  }
  return frames;
}
}  // namespace

TEST_CASE("a message cut into fragments counts down and reassembles whole", "[fragments]") {
  auto body = pattern(100000, 1);
  auto frames = cut(7, std::string(1, '\0'), body, 30000);
  REQUIRE(frames.size() == 4);
  CHECK(static_cast<uint8_t>(frames[0][1]) == 69);
  CHECK(static_cast<uint8_t>(frames[1][1]) == 70);
  CHECK(frames[0][17] == 4);  // FragmentId of the first: the count
  CHECK(frames[3][17] == 1);
  FragmentAssembler a;
  ReceiveAtomCache cache;
  AssembledMessage m;
  REQUIRE(a.first(span_of(frames[0]), cache, m).value() == false);
  for (size_t i = 1; i < 3; ++i) REQUIRE(a.next(span_of(frames[i]), m).value() == false);
  REQUIRE(a.next(span_of(frames[3]), m).value() == true);
  CHECK(m.body == body);
  CHECK(a.in_flight() == 0);
}

TEST_CASE("fragments of two messages interleave and both arrive with their own atoms", "[fragments]") {
  SendAtomCache send;
  Atom x = Atom::make("frag_x"), y = Atom::make("frag_y");
  send.begin_message();
  send.index_of(x);
  std::string hx;
  write_dist_header(send.refs(), hx);
  send.begin_message();
  send.index_of(y);
  std::string hy;
  write_dist_header(send.refs(), hy);
  auto bx = pattern(50000, 2), by = pattern(70000, 3);
  auto fx = cut(1, hx, bx, 16384), fy = cut(2, hy, by, 16384);
  FragmentAssembler a;
  ReceiveAtomCache cache;
  AssembledMessage m;
  std::vector<AssembledMessage> done;
  size_t i = 0, j = 0;
  while (i < fx.size() || j < fy.size()) {
    for (auto* p : {&fx, &fy}) {
      size_t& k = p == &fx ? i : j;
      if (k >= p->size()) continue;
      auto r = k == 0 ? a.first(span_of((*p)[k]), cache, m) : a.next(span_of((*p)[k]), m);
      REQUIRE(r.ok());
      if (r.value()) done.push_back(std::move(m));
      ++k;
    }
  }
  REQUIRE(done.size() == 2);
  CHECK(done[0].body == bx);
  CHECK(done[0].refs == std::vector<Atom>{x});
  CHECK(done[1].body == by);
  CHECK(done[1].refs == std::vector<Atom>{y});
}

TEST_CASE("a message of one fragment is complete at once", "[fragments]") {
  auto frames = cut(9, std::string(1, '\0'), pattern(10, 4), 65536);
  REQUIRE(frames.size() == 1);
  FragmentAssembler a;
  ReceiveAtomCache cache;
  AssembledMessage m;
  CHECK(a.first(span_of(frames[0]), cache, m).value() == true);
  CHECK(m.body == pattern(10, 4));
}

TEST_CASE("fragments out of order, unknown sequences and oversized messages are refused", "[fragments]") {
  auto frames = cut(5, std::string(1, '\0'), pattern(1000, 5), 100);
  ReceiveAtomCache cache;
  AssembledMessage m;
  {
    FragmentAssembler a;
    REQUIRE(a.first(span_of(frames[0]), cache, m).ok());
    CHECK_FALSE(a.next(span_of(frames[2]), m).ok());  // skipped one
  }
  {
    FragmentAssembler a;
    CHECK_FALSE(a.next(span_of(frames[1]), m).ok());  // no first fragment
  }
  {
    FragmentAssembler a;
    REQUIRE(a.first(span_of(frames[0]), cache, m).ok());
    CHECK_FALSE(a.first(span_of(frames[0]), cache, m).ok());  // sequence already in progress
  }
  {
    FragmentAssembler a(500);
    REQUIRE(a.first(span_of(frames[0]), cache, m).ok());
    ergod::Result<bool> r = false;
    for (size_t i = 1; i < frames.size() && r.ok(); ++i) r = a.next(span_of(frames[i]), m);
    CHECK_FALSE(r.ok());
  }
  {
    FragmentAssembler a;
    CHECK_FALSE(a.first(span_of(std::string("\x83\x45\x00", 3)), cache, m).ok());  // cut short
  }
  {
    FragmentAssembler a(1 << 20, 2);
    auto f1 = cut(1, std::string(1, '\0'), pattern(300, 1), 100);
    auto f2 = cut(2, std::string(1, '\0'), pattern(300, 1), 100);
    auto f3 = cut(3, std::string(1, '\0'), pattern(300, 1), 100);
    REQUIRE(a.first(span_of(f1[0]), cache, m).ok());
    REQUIRE(a.first(span_of(f2[0]), cache, m).ok());
    CHECK_FALSE(a.first(span_of(f3[0]), cache, m).ok());  // too many in flight
  }
}

TEST_CASE("external binaries are cut into fragments in place and reassemble whole", "[fragments]") {
  // A body of 10 bytes, 150,000 external bytes at offset 4, 20,000 at offset 10 (the end).
  auto body = pattern(10, 3);
  auto a = pattern(150000, 5), b = pattern(20000, 9);
  std::vector<ergod::term::ExternalBinary> ext = {{4, ergod::term::Term(), a.data(), a.size()},
                                                  {10, ergod::term::Term(), b.data(), b.size()}};
  std::vector<uint8_t> whole(body.begin(), body.begin() + 4);
  whole.insert(whole.end(), a.begin(), a.end());
  whole.insert(whole.end(), body.begin() + 4, body.end());
  whole.insert(whole.end(), b.begin(), b.end());
  OutgoingFragments out(3, std::string(1, '\0'), body, 65536, ext);
  CHECK(out.fragment_count() == 3);
  FragmentAssembler asm_;
  ReceiveAtomCache cache;
  AssembledMessage m;
  std::vector<std::string> frames;
  while (!out.done()) {
    std::string f;
    out.next_frame(f);
    frames.push_back(f);
  }
  REQUIRE(frames.size() == 3);
  CHECK(frames[0].size() == 18 + 1 + 65536);
  REQUIRE(asm_.first(span_of(frames[0]), cache, m).value() == false);
  REQUIRE(asm_.next(span_of(frames[1]), m).value() == false);
  REQUIRE(asm_.next(span_of(frames[2]), m).value() == true);
  CHECK(m.body == whole);
}

TEST_CASE("a later fragment read in place completes its message like one appended", "[fragments]") {
  auto body = pattern(100000, 2);
  auto frames = cut(11, std::string(1, '\0'), body, 40000);
  REQUIRE(frames.size() == 3);
  FragmentAssembler a;
  ReceiveAtomCache cache;
  AssembledMessage m;
  REQUIRE(a.first(span_of(frames[0]), cache, m).value() == false);
  for (size_t i = 1; i < 3; ++i) {
    auto frame = span_of(frames[i]);
    uint8_t* dest = a.destination(frame.first(18), frame.size());
    REQUIRE(dest != nullptr);
    std::memcpy(dest, frame.data() + 18, frame.size() - 18);  // what the connection's reads do
    REQUIRE(a.next_in_place(frame.first(18), frame.size() - 18, m).value() == (i == 2));
  }
  CHECK(m.body == body);
}

TEST_CASE("only the fragment due of a message in progress gets a place to be read to", "[fragments]") {
  auto frames = cut(12, std::string(1, '\0'), pattern(100000, 4), 40000);
  FragmentAssembler a;
  ReceiveAtomCache cache;
  AssembledMessage m;
  CHECK(a.destination(span_of(frames[1]).first(18), frames[1].size()) == nullptr);  // no first fragment yet
  REQUIRE(a.first(span_of(frames[0]), cache, m).value() == false);
  CHECK(a.destination(span_of(frames[2]).first(18), frames[2].size()) == nullptr);  // not the one due
  CHECK(a.destination(span_of(frames[1]).first(18), 50'000'000) == nullptr);        // more than the room
  CHECK(a.destination(span_of(frames[0]).first(18), frames[0].size()) == nullptr);  // a first fragment
  CHECK(a.destination(span_of(frames[1]).first(18), frames[1].size()) != nullptr);
}
