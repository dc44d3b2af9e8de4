// Post-handshake framing: ticks, the three frame kinds, partial input and bad prefixes.
#include <catch2/catch.hpp>

#include <cstring>
#include <string>

#include "dist/frame.h"
#include "dist/wire.h"

using namespace ergod::dist;

namespace {
std::string frame(std::string_view body) {
  std::string out;
  wire::put_u32(out, static_cast<uint32_t>(body.size()));
  out += body;
  return out;
}
void feed(FrameReader& r, std::string_view bytes) {
  r.append(std::span(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
}
}  // namespace

TEST_CASE("every complete frame in the buffer is cut out in one pass", "[dist][frame]") {
  FrameReader r;
  feed(r, frame("") + frame("p\x83h") + frame("\x83" "D\x00") + frame("\x83" "E") + frame("\x83" "F") + std::string("\0\0", 2));
  Frame f;
  FrameKind kinds[] = {FrameKind::tick, FrameKind::pass_through, FrameKind::dist_header,
                       FrameKind::dist_frag_header, FrameKind::dist_frag_cont};
  for (FrameKind k : kinds) {
    REQUIRE(r.next(f) == FrameReader::Next::frame);
    CHECK(f.kind == k);
  }
  CHECK(r.next(f) == FrameReader::Next::need_more);
  r.compact();
  CHECK(r.buffered() == 2);
}

TEST_CASE("a frame split across reads arrives whole", "[dist][frame]") {
  FrameReader r;
  std::string body = "p" + std::string(100000, 'x');
  std::string bytes = frame(body);
  Frame f;
  size_t pos = 0;
  while (pos < bytes.size()) {
    size_t n = std::min<size_t>(777, bytes.size() - pos);
    auto area = r.write_area(n);
    std::memcpy(area.data(), bytes.data() + pos, n);
    r.commit(n);
    pos += n;
    if (pos < bytes.size()) {
      CHECK(r.next(f) == FrameReader::Next::need_more);
    }
  }
  REQUIRE(r.next(f) == FrameReader::Next::frame);
  CHECK(f.bytes.size() == body.size());
  CHECK(f.bytes.back() == 'x');
}

TEST_CASE("a huge length prefix is an error, not an allocation", "[dist][frame]") {
  FrameReader r(1 << 20);
  feed(r, "\x7f\xff\xff\xff" "p");
  Frame f;
  CHECK(r.next(f) == FrameReader::Next::error);
  CHECK_THAT(r.error(), Catch::Contains("exceeds the limit"));
  CHECK(r.write_area().size() < (size_t(1) << 21));
}

TEST_CASE("a frame that is neither 112 nor 131 68/69/70 is an error", "[dist][frame]") {
  FrameReader r;
  feed(r, frame("\x83h"));
  Frame f;
  CHECK(r.next(f) == FrameReader::Next::error);
  CHECK_THAT(r.error(), Catch::Contains("131 104"));
}
