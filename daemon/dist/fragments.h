// Fragmented messages (DFLAG_FRAGMENTS, erl_dist_protocol "Distribution Header for
// fragmented messages"):
//   first:  131 69 SequenceId(8) FragmentId(8) <atom cache header> data
//   later:  131 70 SequenceId(8) FragmentId(8) data
// FragmentId counts down to 1; fragments of different messages interleave on the wire, and
// with unfragmented messages.
//
// FragmentAssembler puts received fragments back together, bounded in message size and in
// the number of messages in flight; the header is applied to the atom cache when the first
// fragment arrives (the sender wrote it before anything that follows), and its references are
// kept with the message. OutgoingFragments cuts one encoded message into frames that the
// connection's send queue interleaves with other traffic (node_link.h).
//
// Threads: one connection's objects on its loop thread.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "dist/atom_cache.h"
#include "term/etf_encode.h"
#include "term/result.h"
#include "term/term.h"

namespace ergod::dist {

// Bytes in a term::Buffer (one reference held), so that the decoder can slice big binaries
// out of them instead of copying.
class BufferBytes {
 public:
  BufferBytes() = default;
  BufferBytes(const BufferBytes&) = delete;
  BufferBytes& operator=(const BufferBytes&) = delete;
  BufferBytes(BufferBytes&& o) noexcept : buf_(std::exchange(o.buf_, nullptr)), size_(std::exchange(o.size_, 0)) {}
  BufferBytes& operator=(BufferBytes&& o) noexcept {
    if (this != &o) {
      reset();
      buf_ = std::exchange(o.buf_, nullptr);
      size_ = std::exchange(o.size_, 0);
    }
    return *this;
  }
  ~BufferBytes() { reset(); }

  void assign(std::span<const uint8_t> bytes, size_t capacity);  // capacity >= bytes.size()
  void append(std::span<const uint8_t> bytes);                    // grows when needed
  // Where n more bytes can be written without growing, or null; commit(n) once they are.
  uint8_t* room(size_t n) const { return buf_ && buf_->size - size_ >= n ? buf_->data + size_ : nullptr; }
  void commit(size_t n) { size_ += n; }
  void reset();

  term::Buffer* owner() const { return buf_; }
  size_t size() const { return size_; }
  const uint8_t* data() const { return buf_ ? buf_->data : nullptr; }
  std::span<const uint8_t> span() const { return {data(), size_}; }
  operator std::span<const uint8_t>() const { return span(); }
  bool operator==(const std::vector<uint8_t>& v) const {
    return v.size() == size_ && (size_ == 0 || std::memcmp(v.data(), data(), size_) == 0);
  }

 private:
  term::Buffer* buf_ = nullptr;
  size_t size_ = 0;
};

// A whole message: the atoms its header referred to, and the control message and payload.
struct AssembledMessage {
  std::vector<term::Atom> refs;
  BufferBytes body;
};

class FragmentAssembler {
 public:
  explicit FragmentAssembler(size_t max_message = size_t(64) << 20, size_t max_in_flight = 4096)
      : max_message_(max_message), max_in_flight_(max_in_flight) {}

  // `frame` is the whole frame (131 69 ... / 131 70 ...). Returns true and fills `out` when
  // the frame completed a message; false when more fragments are due. An error (malformed
  // fragment, unknown sequence, fragment out of order, a message over max_message) is a
  // protocol violation: the caller closes the connection.
  Result<bool> first(std::span<const uint8_t> frame, ReceiveAtomCache& cache, AssembledMessage& out);
  Result<bool> next(std::span<const uint8_t> frame, AssembledMessage& out);
  // Reading a later fragment in place: `head` is its first 18 bytes and `length` its size.
  // Where its data should go when it is the fragment due of a message in progress and fits
  // the room already there; null otherwise (it is then received with next()).
  uint8_t* destination(std::span<const uint8_t> head, size_t length);
  // That fragment, once its data_size bytes are where destination() said.
  Result<bool> next_in_place(std::span<const uint8_t> head, size_t data_size, AssembledMessage& out);

  size_t in_flight() const { return pending_.size(); }

 private:
  struct Pending {
    uint64_t next_fragment;  // the FragmentId expected next
    AssembledMessage message;
  };
  // The message a later fragment belongs to, after the checks every later fragment passes.
  Result<Pending*> due(std::span<const uint8_t> head, size_t data_size);
  Result<bool> advance(Pending& p, uint64_t seq, AssembledMessage& out);
  std::unordered_map<uint64_t, Pending> pending_;
  size_t max_message_;
  size_t max_in_flight_;
};

// One encoded message being sent in fragments. `header` is the atom cache header (what
// write_dist_header produced), `body` the control message and payload, with the bytes of the
// `external` binaries (encode_message's) belonging at their offsets: they are sent from where
// they are, never copied into the body.
class OutgoingFragments {
 public:
  OutgoingFragments(uint64_t sequence, std::string header, std::vector<uint8_t> body, size_t fragment_size,
                    std::vector<term::ExternalBinary> external = {});
  uint64_t fragment_count() const { return count_; }
  bool done() const { return sent_ == count_; }
  // Replaces `frame` with the next fragment (call only while !done()).
  void next_frame(std::string& frame);
  // The next fragment without copying its data: `head` gets the fragment header (and the atom
  // cache header for the first), `data` the spans of the body that follow it (one or a few),
  // which live in owner()'s memory.
  void next_frame(std::string& head, std::vector<std::span<const uint8_t>>& data);
  std::shared_ptr<const void> owner() const { return body_; }

 private:
  struct Body {
    std::vector<uint8_t> bytes;
    std::vector<term::ExternalBinary> external;
    std::vector<std::span<const uint8_t>> segments;  // the whole body in order
    size_t size = 0;
  };
  uint64_t sequence_;
  std::string header_;
  std::shared_ptr<Body> body_;
  size_t fragment_size_;
  uint64_t count_;
  uint64_t sent_ = 0;
  size_t segment_ = 0, offset_ = 0;  // where the next fragment's data starts
};

}  // namespace ergod::dist
