// The ETF decoder: one loop over the bytes with an explicit stack of open composites (tuples,
// lists, maps, funs), so depth costs heap, never C++ stack. Children are collected on a value
// stack and moved into their parent when its last child is done. Every length is checked
// against the bytes left before anything is reserved or allocated.
#include "term/etf_decode.h"

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "term/etf_tags.h"
#include "term/etf_zlib.h"

namespace ergod::term {
namespace {

using namespace etf;

inline uint16_t be16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
inline uint32_t be32(const uint8_t* p) {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
}
inline uint64_t be64(const uint8_t* p) { return uint64_t(be32(p)) << 32 | be32(p + 4); }

// A composite whose children are still being decoded.
struct Frame {
  enum Kind : uint8_t { Tuple, List, Map, Fun };
  Kind kind;
  uint32_t fun;        // Fun: index into Decoder::funs_
  uint64_t remaining;  // child terms still to come (a list counts its tail)
  size_t base;         // first child's slot in Decoder::values_
  size_t start;        // offset of the tag, for errors
};

// The fixed part of a NEW_FUN_EXT, held until its terms are decoded.
struct FunHead {
  size_t size_at;  // offset of the Size field (Size counts from there)
  uint32_t size;
  uint8_t arity;
  uint8_t uniq[16];
  uint32_t index;
  Atom module;
};

// The stacks' memory, kept for the next decode on the same thread: a typical message then
// allocates nothing but its own terms.
struct Scratch {
  std::vector<Frame> frames;
  std::vector<Term> values;
  std::vector<FunHead> funs;
  bool busy = false;
  void reset() {
    frames.clear();
    values.clear();  // drops what a failed decode had built
    funs.clear();
    // A rare huge term does not pin its stacks' memory for the thread's lifetime.
    if (frames.capacity() > 4096) std::vector<Frame>().swap(frames);
    if (values.capacity() > 4096) std::vector<Term>().swap(values);
    if (funs.capacity() > 256) std::vector<FunHead>().swap(funs);
  }
};
thread_local Scratch t_scratch;

// Atoms decoded lately on this thread, by a hash of the name: names repeat from message to
// message (node names, '$gen_call', modules), and a hit skips the atom table's lock and hash
// map. Atoms are never freed, so a remembered index stays valid; the name is compared, so a
// collision only costs the table lookup.
bool make_atom(std::string_view name, Atom& out, const char** why) {
  struct Slot {
    std::string_view name;  // the table's own copy: it never moves
    Atom atom;
  };
  thread_local Slot recent[256];
  uint32_t h = 2166136261u;
  for (char c : name) h = (h ^ static_cast<uint8_t>(c)) * 16777619u;
  Slot& slot = recent[(h ^ h >> 8 ^ h >> 16) & 255];
  if (slot.name.data() && slot.name == name) {
    out = slot.atom;
    return true;
  }
  if (!Atom::try_make(name, out, why)) return false;
  slot = Slot{out.name(), out};
  return true;
}

class Decoder {
 public:
  Decoder(const uint8_t* data, size_t size, const DecodeOptions& o, const char* where)
      : d_(data), size_(size), o_(o), where_(where) {
    s_.busy = true;
    // Slices only when the input really lies inside the owner's bytes.
    if (o.owner && data >= o.owner->data && data + size <= o.owner->data + o.owner->size)
      owner_offset_ = static_cast<size_t>(data - o.owner->data);
    else
      slices_ = false;
  }

  // Decodes one term starting at pos; on success pos is just past it.
  ~Decoder() {
    s_.reset();
    s_.busy = false;
  }
  Decoder(const Decoder&) = delete;
  Decoder& operator=(const Decoder&) = delete;

  bool run(size_t& pos, Term& result);
  std::string take_error() { return std::move(err_); }

 private:
  enum Step { Done, Opened, Failed };
  static Step failed(bool) { return Failed; }  // wraps fail(), which sets the message
  Step step(Term& out);
  bool atom(Atom& out);
  bool close(Frame& f, Term& out);
  Step open(Frame::Kind kind, uint64_t children, size_t at, uint32_t fun = 0);
  bool fail(size_t at, const char* fmt, ...) __attribute__((format(printf, 3, 4)));
  bool truncated(size_t at, uint8_t tag, size_t need) {
    return fail(at, "%s truncated (needs %zu more bytes, %zu left)", tag_name(tag), need, left());
  }
  bool too_long(size_t at, uint8_t tag, uint64_t len) {
    return fail(at, "%s length %llu exceeds the %zu bytes left", tag_name(tag),
                static_cast<unsigned long long>(len), left());
  }
  size_t left() const { return size_ - pos_; }
  Term binary_at(size_t at, size_t len);

  const uint8_t* d_;
  size_t size_;
  size_t pos_ = 0;
  const DecodeOptions& o_;
  const char* where_;
  bool slices_ = true;
  size_t owner_offset_ = 0;
  Scratch own_;                                  // used when the thread's scratch is busy
  Scratch& s_ = t_scratch.busy ? own_ : t_scratch;
  std::vector<Frame>& frames_ = s_.frames;
  std::vector<Term>& values_ = s_.values;
  std::vector<FunHead>& funs_ = s_.funs;
  std::string err_;
};

bool Decoder::fail(size_t at, const char* fmt, ...) {
  char buf[256];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  err_ = std::string(where_) + "offset " + std::to_string(at) + ": " + buf;
  return false;
}

// The next n bytes of the term that started at `at` with `tag` must be present.
#define NEED(n) \
  if (left() < (n)) return failed(truncated(at, tag, (n)))

bool Decoder::run(size_t& pos, Term& result) {
  pos_ = pos;
  Term t;
  for (;;) {
    Step s = step(t);
    if (s == Failed) return false;
    if (s == Opened) continue;  // decode its first child next
    // A complete term: hand it to the open composite, closing every one it completes.
    for (;;) {
      if (frames_.empty()) {
        result = std::move(t);
        pos = pos_;
        return true;
      }
      Frame& f = frames_.back();
      values_.push_back(std::move(t));
      if (--f.remaining != 0) break;
      if (!close(f, t)) return false;
      frames_.pop_back();
    }
  }
}

Decoder::Step Decoder::open(Frame::Kind kind, uint64_t children, size_t at, uint32_t fun) {
  if (frames_.empty()) {
    frames_.reserve(8);
    values_.reserve(16);
  }
  frames_.push_back(Frame{kind, fun, children, values_.size(), at});
  return Opened;
}

Term Decoder::binary_at(size_t at, size_t len) {
  if (slices_ && len >= o_.copy_below && len > 0)
    return Term::binary_slice(o_.owner, owner_offset_ + at, len);
  return Term::binary(std::span<const uint8_t>(d_ + at, len));
}

bool Decoder::atom(Atom& out) {
  size_t at = pos_;
  if (left() == 0) return fail(at, "input ends where an atom was expected");
  uint8_t tag = d_[pos_++];
  size_t len;
  switch (tag) {
    case kAtomCacheRef: {
      if (left() < 1) return truncated(at, tag, 1);
      uint8_t i = d_[pos_++];
      if (!o_.atom_cache) return fail(at, "ATOM_CACHE_REF %u without a distribution header", i);
      if (i >= o_.atom_cache->count)
        return fail(at, "ATOM_CACHE_REF %u beyond the %u atoms of the distribution header", i,
                    o_.atom_cache->count);
      out = o_.atom_cache->atoms[i];
      return true;
    }
    case kSmallAtomUtf8:
    case kSmallAtomLatin1:
      if (left() < 1) return truncated(at, tag, 1);
      len = d_[pos_++];
      break;
    case kAtomUtf8:
    case kAtomLatin1:
      if (left() < 2) return truncated(at, tag, 2);
      len = be16(d_ + pos_);
      pos_ += 2;
      break;
    default:
      return fail(at, "expected an atom, found %s (%u)", tag_name(tag), tag);
  }
  if (len > left()) return too_long(at, tag, len);
  std::string_view name(reinterpret_cast<const char*>(d_ + pos_), len);
  pos_ += len;
  char utf8[2 * 255];
  if (tag == kAtomLatin1 || tag == kSmallAtomLatin1) {
    if (len > 255) return fail(at, "%s of %zu characters (at most 255)", tag_name(tag), len);
    size_t n = 0;
    bool ascii = true;
    for (char c : name) {
      auto b = static_cast<uint8_t>(c);
      if (b < 0x80) {
        utf8[n++] = c;
      } else {
        ascii = false;
        utf8[n++] = static_cast<char>(0xc0 | b >> 6);
        utf8[n++] = static_cast<char>(0x80 | (b & 0x3f));
      }
    }
    if (!ascii) name = std::string_view(utf8, n);
  }
  const char* why = "bad atom";
  if (!make_atom(name, out, &why)) return fail(at, "%s: %s", tag_name(tag), why);
  return true;
}

Decoder::Step Decoder::step(Term& out) {
  size_t at = pos_;
  if (left() == 0) return failed(fail(at, "input ends where a term was expected"));
  uint8_t tag = d_[pos_++];
  switch (tag) {
    case kSmallInteger:
      NEED(1);
      out = Term::integer(d_[pos_++]);
      return Done;
    case kInteger:
      NEED(4);
      out = Term::integer(static_cast<int32_t>(be32(d_ + pos_)));
      pos_ += 4;
      return Done;
    case kSmallBig:
    case kLargeBig: {
      size_t lw = tag == kSmallBig ? 1 : 4;
      NEED(lw + 1);
      uint64_t n = lw == 1 ? d_[pos_] : be32(d_ + pos_);
      pos_ += lw;
      bool negative = d_[pos_++] != 0;  // OTP reads any non-zero sign byte as negative
      if (n > left()) return failed(too_long(at, tag, n));
      const uint8_t* p = d_ + pos_;
      pos_ += n;
      if (n <= 8) {
        uint64_t m = 0;
        for (size_t i = 0; i < n; ++i) m |= uint64_t(p[i]) << (8 * i);
        out = Term::big(negative, std::span<const uint64_t>(&m, 1));
      } else {
        out = Term::big_bytes(negative, std::span<const uint8_t>(p, n));
      }
      return Done;
    }
    case kNewFloat: {
      NEED(8);
      double v = std::bit_cast<double>(be64(d_ + pos_));
      pos_ += 8;
      if (!std::isfinite(v)) return failed(fail(at, "NEW_FLOAT_EXT is not a finite number"));
      out = Term::floating(v);
      return Done;
    }
    case kFloatString: {
      // "%.20e" padded with NULs to 31 bytes; OTP refuses anything else after the number.
      NEED(31);
      const char* s = reinterpret_cast<const char*>(d_ + pos_);
      size_t end = 0;
      while (end < 31 && s[end] != 0) ++end;
      double v = 0;
      auto [ptr, ec] = std::from_chars(s, s + end, v);
      bool clean = ec == std::errc() && ptr == s + end && end > 0;
      for (size_t i = end; clean && i < 31; ++i) clean = s[i] == 0;
      pos_ += 31;
      if (!clean || !std::isfinite(v)) return failed(fail(at, "FLOAT_EXT is not a finite number"));
      out = Term::floating(v);
      return Done;
    }
    case kAtomCacheRef:
    case kAtomLatin1:
    case kSmallAtomLatin1:
    case kAtomUtf8:
    case kSmallAtomUtf8: {
      pos_ = at;
      Atom a;
      if (!atom(a)) return Failed;
      out = Term::atom(a);
      return Done;
    }
    case kNil:
      out = Term::nil();
      return Done;
    case kSmallTuple:
    case kLargeTuple: {
      size_t lw = tag == kSmallTuple ? 1 : 4;
      NEED(lw);
      uint32_t n = lw == 1 ? d_[pos_] : be32(d_ + pos_);
      pos_ += lw;
      if (n > left()) return failed(too_long(at, tag, n));
      if (n == 0) {
        out = Term::tuple(std::span<const Term>());
        return Done;
      }
      return open(Frame::Tuple, n, at);
    }
    case kMap: {
      NEED(4);
      uint64_t n = be32(d_ + pos_);
      pos_ += 4;
      if (2 * n > left()) return failed(too_long(at, tag, n));
      if (n == 0) {
        out = Term::map_take_unique(nullptr, 0);
        return Done;
      }
      return open(Frame::Map, 2 * n, at);
    }
    case kList: {
      NEED(4);
      uint64_t n = be32(d_ + pos_);
      pos_ += 4;
      if (n > left()) return failed(too_long(at, tag, n));
      if (n == left()) return failed(fail(at, "LIST_EXT length %llu leaves no byte for its tail",
                                   static_cast<unsigned long long>(n)));
      return open(Frame::List, n + 1, at);
    }
    case kString: {
      NEED(2);
      size_t n = be16(d_ + pos_);
      pos_ += 2;
      if (n > left()) return failed(too_long(at, tag, n));
      Term acc = Term::nil();
      for (size_t i = n; i-- > 0;) acc = Term::cons(Term::integer(d_[pos_ + i]), std::move(acc));
      pos_ += n;
      out = std::move(acc);
      return Done;
    }
    case kBinary: {
      NEED(4);
      size_t n = be32(d_ + pos_);
      pos_ += 4;
      if (n > left()) return failed(too_long(at, tag, n));
      out = binary_at(pos_, n);
      pos_ += n;
      return Done;
    }
    case kBitBinary: {
      NEED(5);
      size_t n = be32(d_ + pos_);
      uint8_t bits = d_[pos_ + 4];
      pos_ += 5;
      if (n > left()) return failed(too_long(at, tag, n));
      // As OTP: an empty bitstring has 0 bits in its last byte, any other 1 to 8.
      if (n == 0 ? bits != 0 : (bits == 0 || bits > 8))
        return failed(fail(at, "BIT_BINARY_EXT of %zu bytes with %u bits in the last byte", n, bits));
      // Bitstrings are copied so that the unused low bits are cleared (compare relies on it).
      out = bits == 8 || n == 0 ? binary_at(pos_, n)
                                : Term::bitstring(std::span<const uint8_t>(d_ + pos_, n), bits);
      pos_ += n;
      return Done;
    }
    case kPid:
    case kNewPid: {
      Atom node;
      if (!atom(node)) return Failed;
      size_t cw = tag == kNewPid ? 4 : 1;
      NEED(8 + cw);
      const uint8_t* p = d_ + pos_;
      pos_ += 8 + cw;
      out = Term::pid(node, be32(p), be32(p + 4), cw == 4 ? be32(p + 8) : p[8]);
      return Done;
    }
    case kPort:
    case kNewPort:
    case kV4Port: {
      Atom node;
      if (!atom(node)) return Failed;
      size_t iw = tag == kV4Port ? 8 : 4, cw = tag == kPort ? 1 : 4;
      NEED(iw + cw);
      const uint8_t* p = d_ + pos_;
      pos_ += iw + cw;
      uint64_t id = iw == 8 ? be64(p) : be32(p);
      out = Term::port(node, id, cw == 4 ? be32(p + iw) : p[iw]);
      return Done;
    }
    case kReference: {
      Atom node;
      if (!atom(node)) return Failed;
      NEED(5);
      uint32_t id = be32(d_ + pos_);
      uint8_t creation = d_[pos_ + 4];
      pos_ += 5;
      out = Term::reference(node, creation, std::span<const uint32_t>(&id, 1));
      return Done;
    }
    case kNewReference:
    case kNewerReference: {
      NEED(2);
      uint16_t len = be16(d_ + pos_);
      pos_ += 2;
      if (len == 0 || len > 5) return failed(fail(at, "%s with %u ids (1 to 5 allowed)", tag_name(tag), len));
      Atom node;
      if (!atom(node)) return Failed;
      size_t cw = tag == kNewerReference ? 4 : 1;
      NEED(cw + 4 * size_t(len));
      uint32_t creation = cw == 4 ? be32(d_ + pos_) : d_[pos_];
      pos_ += cw;
      uint32_t ids[5];
      for (size_t i = 0; i < len; ++i, pos_ += 4) ids[i] = be32(d_ + pos_);
      out = Term::reference(node, creation, std::span<const uint32_t>(ids, len));
      return Done;
    }
    case kExport: {
      Atom module, function;
      if (!atom(module) || !atom(function)) return Failed;
      NEED(2);
      if (d_[pos_] != kSmallInteger)
        return failed(fail(at, "EXPORT_EXT arity is %s, not SMALL_INTEGER_EXT", tag_name(d_[pos_])));
      out = Term::export_fun(module, function, d_[pos_ + 1]);
      pos_ += 2;
      return Done;
    }
    case kNewFun: {
      NEED(29);
      FunHead h;
      h.size_at = pos_;
      h.size = be32(d_ + pos_);
      if (h.size > left()) return failed(too_long(at, tag, h.size));
      h.arity = d_[pos_ + 4];
      std::memcpy(h.uniq, d_ + pos_ + 5, 16);
      h.index = be32(d_ + pos_ + 21);
      uint64_t num_free = be32(d_ + pos_ + 25);
      pos_ += 29;
      if (!atom(h.module)) return Failed;
      // OldIndex, OldUniq and Pid, then the free variables: a byte each at least.
      if (num_free + 3 > left())
        return failed(fail(at, "NEW_FUN_EXT with %llu free variables exceeds the %zu bytes left",
                    static_cast<unsigned long long>(num_free), left()));
      funs_.push_back(h);
      return open(Frame::Fun, num_free + 3, at, static_cast<uint32_t>(funs_.size() - 1));
    }
    case kCompressed:
      return failed(fail(at, "COMPRESSED is allowed only at the top of a term"));
    case kVersion:
      return failed(fail(at, "a version byte inside a term"));
    default:
      return failed(fail(at, "unknown tag %u", tag));
  }
}

#undef NEED

bool Decoder::close(Frame& f, Term& out) {
  Term* kids = values_.data() + f.base;
  size_t n = values_.size() - f.base;
  switch (f.kind) {
    case Frame::Tuple:
      out = Term::tuple_take(kids, n);
      break;
    case Frame::List: {
      Term acc = std::move(kids[n - 1]);
      for (size_t i = n - 1; i-- > 0;) acc = Term::cons(std::move(kids[i]), std::move(acc));
      out = std::move(acc);
      break;
    }
    case Frame::Map:
      out = Term::map_take_unique(kids, n / 2);
      if (out.is_none()) return fail(f.start, "MAP_EXT has a duplicate key");
      break;
    case Frame::Fun: {
      const FunHead& h = funs_[f.fun];
      if (!kids[0].is_integer() || !kids[1].is_integer())
        return fail(f.start, "NEW_FUN_EXT OldIndex and OldUniq must be integers");
      if (!kids[2].is_pid()) return fail(f.start, "NEW_FUN_EXT Pid field is not a pid (%s)", kind_name(kids[2].kind()));
      // Size must be the truth: it is re-encoded from the bytes we write, not copied.
      if (pos_ - h.size_at != h.size)
        return fail(f.start, "NEW_FUN_EXT Size is %u but the fun takes %zu bytes", h.size, pos_ - h.size_at);
      out = Term::local_fun(h.arity, h.uniq, h.index, h.module, std::move(kids[0]), std::move(kids[1]),
                            std::move(kids[2]), std::span<const Term>(kids + 3, n - 3));
      funs_.pop_back();  // funs close innermost first
      break;
    }
  }
  values_.resize(f.base);
  return true;
}

Result<Term> decode_compressed(std::span<const uint8_t> bytes, size_t at, const DecodeOptions& o,
                               size_t* consumed) {
  auto err = [&](const std::string& what) { return make_error("offset " + std::to_string(at) + ": " + what); };
  if (bytes.size() - at < 5) return err("COMPRESSED truncated (needs 4 more bytes, " +
                                        std::to_string(bytes.size() - at - 1) + " left)");
  uint32_t size = be32(bytes.data() + at + 1);
  auto zdata = bytes.subspan(at + 5);
  if (size > o.max_size)
    return err("COMPRESSED uncompressed size " + std::to_string(size) + " exceeds max_size " +
               std::to_string(o.max_size));
  // Deflate expands at most 1032 times; a claim beyond that is a lie, refused before allocating.
  if (size > zdata.size() * 1032 + 64)
    return err("COMPRESSED claims " + std::to_string(size) + " bytes from " + std::to_string(zdata.size()) +
               " compressed bytes");
  Buffer* buf = Buffer::make(size);
  size_t used = 0;
  std::string why = inflate_exact(zdata, buf->data, size, &used);
  if (!why.empty()) {
    buf->release();
    return err("COMPRESSED: " + why);
  }
  DecodeOptions inner = o;
  inner.owner = buf;
  Decoder d(buf->data, size, inner, "in the decompressed term: ");
  size_t pos = 0;
  Term t;
  bool ok = d.run(pos, t);
  buf->release();  // the term's binaries hold their own references
  if (!ok) return make_error(d.take_error());
  if (pos != size)
    return make_error("in the decompressed term: offset " + std::to_string(pos) + ": " +
                      std::to_string(size - pos) + " bytes after the term");
  size_t end = at + 5 + used;
  if (consumed) *consumed = end;
  else if (end != bytes.size())
    return make_error("offset " + std::to_string(end) + ": " + std::to_string(bytes.size() - end) +
                      " bytes after the term");
  return t;
}

}  // namespace

Result<Term> decode(std::span<const uint8_t> bytes, const DecodeOptions& options, size_t* consumed) {
  if (bytes.size() > options.max_size)
    return make_error("input of " + std::to_string(bytes.size()) + " bytes exceeds max_size " +
                      std::to_string(options.max_size));
  size_t pos = 0;
  if (options.expect_version) {
    if (bytes.empty()) return make_error("offset 0: input is empty");
    if (bytes[0] != kVersion)
      return make_error("offset 0: expected the version byte 131, found " + std::to_string(bytes[0]));
    pos = 1;
  }
  if (pos < bytes.size() && bytes[pos] == kCompressed) return decode_compressed(bytes, pos, options, consumed);
  Decoder d(bytes.data(), bytes.size(), options, "");
  Term t;
  if (!d.run(pos, t)) return make_error(d.take_error());
  if (consumed) *consumed = pos;
  else if (pos != bytes.size())
    return make_error("offset " + std::to_string(pos) + ": " + std::to_string(bytes.size() - pos) +
                      " bytes after the term");
  return t;
}

}  // namespace ergod::term
