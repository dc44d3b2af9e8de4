// Cutting the post-handshake byte stream into frames (see frame.h).
#include "dist/frame.h"

#include <algorithm>
#include <cstring>

namespace ergod::dist {

const char* to_string(FrameKind k) {
  switch (k) {
    case FrameKind::tick: return "tick";
    case FrameKind::pass_through: return "pass-through (112)";
    case FrameKind::dist_header: return "distribution header (131 68)";
    case FrameKind::dist_frag_header: return "first fragment (131 69)";
    case FrameKind::dist_frag_cont: return "fragment (131 70)";
  }
  return "?";
}

std::span<uint8_t> FrameReader::write_area(size_t hint) {
  // When the frame being received is known to be large, make room for all of it (up to the
  // limit) so that it arrives in as few reads as possible.
  size_t want = hint;
  if (end_ - start_ >= 4) {
    const uint8_t* p = buf_.data() + start_;
    size_t len = size_t(p[0]) << 24 | size_t(p[1]) << 16 | size_t(p[2]) << 8 | p[3];
    if (len <= max_frame_ && 4 + len > end_ - start_) want = std::max(want, 4 + len - (end_ - start_));
  }
  if (buf_.size() - end_ < want) {
    if (start_ > 0) compact();
    if (buf_.size() - end_ < want) buf_.resize(end_ + want);
  }
  return {buf_.data() + end_, buf_.size() - end_};
}

void FrameReader::commit(size_t n) { end_ = std::min(end_ + n, buf_.size()); }

void FrameReader::append(std::span<const uint8_t> bytes) {
  auto area = write_area(bytes.size());
  std::memcpy(area.data(), bytes.data(), bytes.size());
  commit(bytes.size());
}

FrameReader::Next FrameReader::next(Frame& out) {
  size_t avail = end_ - start_;
  if (avail < 4) return Next::need_more;
  const uint8_t* p = buf_.data() + start_;
  size_t len = size_t(p[0]) << 24 | size_t(p[1]) << 16 | size_t(p[2]) << 8 | p[3];
  if (len > max_frame_) {
    error_ = "frame length " + std::to_string(len) + " exceeds the limit of " + std::to_string(max_frame_) + " bytes";
    return Next::error;
  }
  if (avail < 4 + len) return Next::need_more;
  std::span<const uint8_t> body(p + 4, len);
  start_ += 4 + len;
  if (len == 0) {
    out = {FrameKind::tick, {}};
    return Next::frame;
  }
  if (body[0] == 112) {
    out = {FrameKind::pass_through, body};
    return Next::frame;
  }
  if (body[0] == 131 && len >= 2 && (body[1] == 68 || body[1] == 69 || body[1] == 70)) {
    out = {body[1] == 68 ? FrameKind::dist_header
                         : body[1] == 69 ? FrameKind::dist_frag_header : FrameKind::dist_frag_cont,
           body};
    return Next::frame;
  }
  error_ = "frame of " + std::to_string(len) + " bytes starts with " + std::to_string(body[0]);
  if (len >= 2) error_.append(" ").append(std::to_string(body[1]));
  error_ += ", which is neither 112 nor a distribution header (131 68/69/70)";
  return Next::error;
}

bool FrameReader::partial(std::span<const uint8_t>& bytes, size_t& length) const {
  if (end_ - start_ < 4) return false;
  const uint8_t* p = buf_.data() + start_;
  length = size_t(p[0]) << 24 | size_t(p[1]) << 16 | size_t(p[2]) << 8 | p[3];
  if (4 + length <= end_ - start_) return false;
  bytes = std::span<const uint8_t>(p + 4, end_ - start_ - 4);
  return true;
}

void FrameReader::compact() {
  if (start_ == 0) return;
  if (start_ == end_) {
    start_ = end_ = 0;
  } else {
    std::memmove(buf_.data(), buf_.data() + start_, end_ - start_);
    end_ -= start_;
    start_ = 0;
  }
  // A big frame once received should not pin its memory forever.
  if (buf_.size() > (size_t(1) << 20) && end_ < buf_.size() / 4) {
    buf_.resize(std::max<size_t>(end_, 64 * 1024));
    buf_.shrink_to_fit();
  }
}

}  // namespace ergod::dist
