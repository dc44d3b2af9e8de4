// Reassembling and cutting fragmented messages (see fragments.h).
#include "dist/fragments.h"

#include "dist/dist_header.h"
#include "dist/wire.h"

#include <algorithm>
#include <cstring>

namespace ergod::dist {

namespace {
uint64_t get_u64(std::span<const uint8_t> b, size_t at) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = v << 8 | b[at + i];
  return v;
}
}  // namespace

void BufferBytes::reset() {
  if (buf_) buf_->release();
  buf_ = nullptr;
  size_ = 0;
}

void BufferBytes::assign(std::span<const uint8_t> bytes, size_t capacity) {
  reset();
  buf_ = term::Buffer::make(std::max(capacity, bytes.size()));
  if (!bytes.empty()) std::memcpy(buf_->data, bytes.data(), bytes.size());
  size_ = bytes.size();
}

void BufferBytes::append(std::span<const uint8_t> bytes) {
  if (bytes.empty()) return;
  if (!buf_ || buf_->size - size_ < bytes.size()) {
    // A fragment bigger than the first ones: grow (rare; senders cut equal fragments).
    size_t cap = buf_ ? buf_->size : 0;
    auto* b = term::Buffer::make(std::max(size_ + bytes.size(), cap + cap / 2));
    if (size_) std::memcpy(b->data, buf_->data, size_);
    if (buf_) buf_->release();
    buf_ = b;
  }
  std::memcpy(buf_->data + size_, bytes.data(), bytes.size());
  size_ += bytes.size();
}

Result<bool> FragmentAssembler::first(std::span<const uint8_t> frame, ReceiveAtomCache& cache,
                                      AssembledMessage& out) {
  if (frame.size() < 18) return make_error("first fragment of " + std::to_string(frame.size()) + " bytes is cut short");
  uint64_t seq = get_u64(frame, 2), frag = get_u64(frame, 10);
  if (frag == 0) return make_error("first fragment with FragmentId 0");
  if (pending_.count(seq)) return make_error("first fragment for sequence " + std::to_string(seq) + ", which is already in progress");
  std::vector<term::Atom> refs;
  auto header = read_dist_header(frame.subspan(18), cache, refs);
  if (!header) return make_error(header.error());
  auto data = frame.subspan(18 + header.value());
  if (data.size() > max_message_) return make_error("fragmented message exceeds " + std::to_string(max_message_) + " bytes");
  if (frag == 1) {
    out.refs = std::move(refs);
    out.body.assign(data, data.size());
    return true;
  }
  if (pending_.size() >= max_in_flight_)
    return make_error("more than " + std::to_string(max_in_flight_) + " fragmented messages in flight");
  auto& p = pending_[seq];
  p.next_fragment = frag - 1;
  p.message.refs = std::move(refs);
  // Room for the whole message at once: fragments are cut to one size, so FragmentId times
  // this one's data is the message's size (bounded by the limit; the body grows if a sender
  // cuts differently).
  size_t expect = data.size() < 64 ? data.size()
                  : frag > max_message_ / data.size() ? max_message_ : size_t(frag) * data.size();
  p.message.body.assign(data, std::min(expect, max_message_));
  return false;
}

Result<FragmentAssembler::Pending*> FragmentAssembler::due(std::span<const uint8_t> head, size_t data_size) {
  if (head.size() < 18) return make_error("fragment of " + std::to_string(head.size()) + " bytes is cut short");
  uint64_t seq = get_u64(head, 2), frag = get_u64(head, 10);
  auto it = pending_.find(seq);
  if (it == pending_.end()) return make_error("fragment for sequence " + std::to_string(seq) + ", which has no first fragment");
  auto& p = it->second;
  if (frag != p.next_fragment)
    return make_error("fragment " + std::to_string(frag) + " of sequence " + std::to_string(seq) + " where " +
                      std::to_string(p.next_fragment) + " was due");
  if (p.message.body.size() + data_size > max_message_)
    return make_error("fragmented message exceeds " + std::to_string(max_message_) + " bytes");
  return &p;
}

// The fragment's data is in p's body: either more are due, or the message is whole.
Result<bool> FragmentAssembler::advance(Pending& p, uint64_t seq, AssembledMessage& out) {
  if (p.next_fragment > 1) {
    --p.next_fragment;
    return false;
  }
  out = std::move(p.message);
  pending_.erase(seq);
  return true;
}

Result<bool> FragmentAssembler::next(std::span<const uint8_t> frame, AssembledMessage& out) {
  auto data = frame.size() >= 18 ? frame.subspan(18) : std::span<const uint8_t>();
  auto p = due(frame, data.size());
  if (!p) return make_error(p.error());
  p.value()->message.body.append(data);
  return advance(*p.value(), get_u64(frame, 2), out);
}

uint8_t* FragmentAssembler::destination(std::span<const uint8_t> head, size_t length) {
  if (head.size() < 18 || length < 18 || head[0] != 131 || head[1] != 70) return nullptr;
  auto p = due(head, length - 18);
  return p ? p.value()->message.body.room(length - 18) : nullptr;
}

Result<bool> FragmentAssembler::next_in_place(std::span<const uint8_t> head, size_t data_size, AssembledMessage& out) {
  auto p = due(head, data_size);
  if (!p) return make_error(p.error());
  p.value()->message.body.commit(data_size);
  return advance(*p.value(), get_u64(head, 2), out);
}

OutgoingFragments::OutgoingFragments(uint64_t sequence, std::string header, std::vector<uint8_t> body,
                                     size_t fragment_size, std::vector<term::ExternalBinary> external)
    : sequence_(sequence), header_(std::move(header)), body_(std::make_shared<Body>()),
      fragment_size_(fragment_size ? fragment_size : 1) {
  Body& b = *body_;
  b.bytes = std::move(body);
  b.external = std::move(external);
  size_t from = 0;
  auto add = [&](const uint8_t* p, size_t n) {
    if (n) b.segments.emplace_back(p, n);
    b.size += n;
  };
  for (auto& e : b.external) {
    add(b.bytes.data() + from, e.at - from);
    add(e.data, e.size);
    from = e.at;
  }
  add(b.bytes.data() + from, b.bytes.size() - from);
  count_ = b.size == 0 ? 1 : (b.size + fragment_size_ - 1) / fragment_size_;
}

void OutgoingFragments::next_frame(std::string& head, std::vector<std::span<const uint8_t>>& data) {
  head.clear();
  data.clear();
  bool first = sent_ == 0;
  wire::put_u8(head, 131);
  wire::put_u8(head, first ? 69 : 70);
  wire::put_u64(head, sequence_);
  wire::put_u64(head, count_ - sent_);
  if (first) head += header_;
  for (size_t want = fragment_size_; want > 0 && segment_ < body_->segments.size();) {
    auto seg = body_->segments[segment_];
    size_t n = std::min(want, seg.size() - offset_);
    data.push_back(seg.subspan(offset_, n));
    want -= n;
    offset_ += n;
    if (offset_ == seg.size()) ++segment_, offset_ = 0;
  }
  ++sent_;
}

void OutgoingFragments::next_frame(std::string& frame) {
  std::vector<std::span<const uint8_t>> data;
  next_frame(frame, data);
  for (auto d : data) frame.append(reinterpret_cast<const char*>(d.data()), d.size());
}

}  // namespace ergod::dist
