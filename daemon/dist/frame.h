// Post-handshake framing: every message is a 4-byte big-endian length and that many bytes; a
// zero length is a tick. FrameReader cuts a byte stream into frames without copying them and
// says what kind each is; it does not decode the distribution header, the atom cache or
// fragments (the layer above does, from the spans it hands out).
//
// Threads: one thread at a time (the connection's loop thread).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace ergod::dist {

enum class FrameKind : uint8_t {
  tick,              // length 0
  pass_through,      // 112, control message and payload as plain ETF (no header negotiated)
  dist_header,       // 131 68: distribution header with atom cache refs, then control (+ payload)
  dist_frag_header,  // 131 69: first fragment of a fragmented message, header included
  dist_frag_cont,    // 131 70: a later fragment
};

const char* to_string(FrameKind k);

struct Frame {
  FrameKind kind;
  std::span<const uint8_t> bytes;  // the whole frame after its length; empty for a tick
  // Bytes of the frame read straight to where the handler asked (frame_destination in
  // connection.h): `bytes` is then only the frame's head, and the rest is already in place.
  size_t in_place = 0;
};

class FrameReader {
 public:
  // Frames longer than max_frame are a protocol error (a huge length prefix must cost only
  // its connection, never memory): the buffer grows with data received, not with the prefix.
  explicit FrameReader(size_t max_frame = kDefaultMaxFrame) : max_frame_(max_frame) {}

  static constexpr size_t kDefaultMaxFrame = size_t(64) << 20;

  // Where the next read may write, at least `hint` bytes (libuv's alloc callback).
  std::span<uint8_t> write_area(size_t hint = 64 * 1024);
  // `n` bytes were written into the area last handed out.
  void commit(size_t n);
  // Bytes from elsewhere (the handshake's leftover).
  void append(std::span<const uint8_t> bytes);

  enum class Next { frame, need_more, error };
  // The next complete frame; its bytes stay valid until the next call to write_area, commit,
  // append or compact. On error, error() says what was wrong.
  Next next(Frame& out);
  // Drops the consumed bytes; call once the frames of a read were handled.
  void compact();

  // The incomplete frame after a need_more: its bytes so far (after the length) and its whole
  // length. False when the buffer ends at a frame boundary or before a whole length.
  bool partial(std::span<const uint8_t>& bytes, size_t& length) const;
  // Forgets the incomplete frame's bytes (the caller took them and reads the rest itself).
  void drop_partial() { end_ = start_; }

  const std::string& error() const { return error_; }
  size_t buffered() const { return end_ - start_; }

 private:
  std::vector<uint8_t> buf_;
  size_t start_ = 0, end_ = 0;
  size_t max_frame_;
  std::string error_;
};

}  // namespace ergod::dist
