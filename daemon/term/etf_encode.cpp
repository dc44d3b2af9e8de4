// The ETF encoder: one walk over the term with an explicit work stack, writing into a sink that
// is either the caller's byte vector or a counter (encoded_size). Composites push "the rest of
// my children" as one work item (a pointer and a count), so a million-element tuple or list
// costs one stack slot, and a million-deep term a million small slots on the heap.
#include "term/etf_encode.h"

#include <algorithm>
#include <bit>
#include <cassert>
#include <climits>
#include <cstring>
#include <string_view>

#include "term/etf_tags.h"
#include "term/etf_zlib.h"

namespace ergod::term {
namespace {

using namespace etf;

inline void put16(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
inline void put32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}
inline void put64(uint8_t* p, uint64_t v) {
  put32(p, static_cast<uint32_t>(v >> 32));
  put32(p + 4, static_cast<uint32_t>(v));
}

// Appends to a vector. It grows the vector's size ahead (zero-filled, amortised) and cuts it
// back in finish(), so the hot path is a compare and a pointer bump.
class VecSink {
 public:
  static constexpr bool kCounting = false;
  explicit VecSink(std::vector<uint8_t>& v) : v_(v), pos_(v.size()) {}
  uint8_t* take(size_t n) {
    if (v_.size() - pos_ < n) grow(n);
    uint8_t* p = v_.data() + pos_;
    pos_ += n;
    return p;
  }
  // Big runs (binaries) are appended without zero-filling them first: the vector is cut back
  // to what was written, reserved for the run plus some slack, and the run inserted.
  void bytes(const void* p, size_t n) {
    if (n >= kBigRun) {
      v_.resize(pos_);
      if (v_.capacity() - pos_ < n) v_.reserve(std::max(pos_ + n + kSlack, v_.capacity() + v_.capacity() / 2));
      auto* b = static_cast<const uint8_t*>(p);
      v_.insert(v_.end(), b, b + n);
      pos_ += n;
      return;
    }
    if (n) std::memcpy(take(n), p, n);
  }
  size_t pos() const { return pos_; }
  void patch32(size_t at, uint32_t v) { put32(v_.data() + at, v); }
  void finish() { v_.resize(pos_); }

 private:
  static constexpr size_t kBigRun = 4096, kSlack = 4096;
  // Within the capacity (reserved for a big run), grows by small steps so that the slack is
  // not zero-filled at once; past it, doubles as before.
  void grow(size_t n) {
    size_t want = pos_ + n;
    if (want <= v_.capacity() && v_.size() < v_.capacity())
      v_.resize(std::min(v_.capacity(), std::max(want, v_.size() + 256)));
    else
      v_.resize(std::max({want, v_.size() * 2, size_t(256)}));
  }
  std::vector<uint8_t>& v_;
  size_t pos_;
};

// Counts instead of writing; take() hands out a scratch area: callers write at most 64 bytes
// into one take() unless kCounting tells them not to write at all.
class CountSink {
 public:
  static constexpr bool kCounting = true;
  uint8_t* take(size_t n) {
    pos_ += n;
    return scratch_;
  }
  void bytes(const void*, size_t n) { pos_ += n; }
  size_t pos() const { return pos_; }
  void patch32(size_t, uint32_t) {}
  void finish() {}

 private:
  size_t pos_ = 0;
  uint8_t scratch_[64];
};

struct Work {
  enum Kind : uint8_t { Seq, ListRest, FunSize };
  Kind kind;
  const Term* t;  // Seq: the next of n terms in an array; ListRest: the cons whose head is next
  size_t n;       // Seq: terms left; FunSize: offset of the Size field to fill in
};

inline size_t byte_len(uint64_t v) { return v ? 8 - static_cast<size_t>(std::countl_zero(v)) / 8 : 0; }

template <class Sink>
class Encoder {
 public:
  Encoder(Sink& s, const EncodeOptions& o) : s_(s), o_(o) {}

  void run(const Term& root) {
    if (o_.version) *s_.take(1) = kVersion;
    one(root);
    while (!stack_.empty()) {
      Work& w = stack_.back();
      switch (w.kind) {
        case Work::Seq: {
          const Term* t = w.t;
          if (w.n > 1) {
            ++w.t;
            --w.n;
          } else {
            stack_.pop_back();
          }
          one(*t);  // may push; w is not touched after this
          break;
        }
        case Work::ListRest: {
          const Term* cell = w.t;
          const Term& tail = cell->tail();
          if (tail.is_cons()) {
            w.t = &tail;
          } else {
            w = Work{Work::Seq, &tail, 1};
          }
          one(cell->head());
          break;
        }
        case Work::FunSize:
          s_.patch32(w.n, static_cast<uint32_t>(s_.pos() - w.n));
          stack_.pop_back();
          --in_fun_;
          break;
      }
    }
    s_.finish();
  }

 private:
  void push(Work::Kind k, const Term* t, size_t n) {
    if (stack_.capacity() == 0) stack_.reserve(16);
    stack_.push_back(Work{k, t, n});
  }

  void integer(int64_t v) {
    if (v >= 0 && v <= 255) {
      uint8_t* p = s_.take(2);
      p[0] = kSmallInteger;
      p[1] = static_cast<uint8_t>(v);
    } else if (v >= INT32_MIN && v <= INT32_MAX) {
      uint8_t* p = s_.take(5);
      p[0] = kInteger;
      put32(p + 1, static_cast<uint32_t>(v));
    } else {
      uint64_t mag = v < 0 ? uint64_t(0) - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
      size_t n = byte_len(mag);
      uint8_t* p = s_.take(3 + n);
      p[0] = kSmallBig;
      p[1] = static_cast<uint8_t>(n);
      p[2] = v < 0;
      for (size_t i = 0; i < n; ++i) p[3 + i] = static_cast<uint8_t>(mag >> (8 * i));
    }
  }

  void big(const BigBox* b) {
    uint64_t top = b->digits[b->n - 1];
    size_t top_bytes = byte_len(top);
    size_t n = size_t(b->n - 1) * 8 + top_bytes;
    if (n <= 255) {
      uint8_t* p = s_.take(3);
      p[0] = kSmallBig;
      p[1] = static_cast<uint8_t>(n);
      p[2] = b->negative;
    } else {
      uint8_t* p = s_.take(6);
      p[0] = kLargeBig;
      put32(p + 1, static_cast<uint32_t>(n));
      p[5] = b->negative;
    }
    for (uint32_t i = 0; i + 1 < b->n; ++i) {
      uint8_t* p = s_.take(8);
      for (int k = 0; k < 8; ++k) p[k] = static_cast<uint8_t>(b->digits[i] >> (8 * k));
    }
    uint8_t* p = s_.take(top_bytes);
    for (size_t k = 0; k < top_bytes; ++k) p[k] = static_cast<uint8_t>(top >> (8 * k));
  }

  void atom(Atom a) {
    if (o_.atom_cache) {
      int i = o_.atom_cache->index_of(o_.atom_cache->ctx, a);
      if (i >= 0) {
        uint8_t* p = s_.take(2);
        p[0] = kAtomCacheRef;
        p[1] = static_cast<uint8_t>(i);
        return;
      }
    }
    std::string_view name = a.name();
    if (o_.atoms == AtomEncoding::latin1_when_possible && latin1(name)) return;
    if (name.size() <= 255) {
      uint8_t* p = s_.take(2);
      p[0] = kSmallAtomUtf8;
      p[1] = static_cast<uint8_t>(name.size());
    } else {
      uint8_t* p = s_.take(3);
      p[0] = kAtomUtf8;
      put16(p + 1, static_cast<uint32_t>(name.size()));
    }
    s_.bytes(name.data(), name.size());
  }

  // Writes ATOM_EXT when every character is at most U+00FF; false (nothing written) otherwise.
  bool latin1(std::string_view name) {
    size_t chars = 0;
    bool ascii = true;
    for (size_t i = 0; i < name.size(); ++i, ++chars) {
      auto c = static_cast<uint8_t>(name[i]);
      if (c < 0x80) continue;
      if (c != 0xc2 && c != 0xc3) return false;  // leads of U+0080..U+00FF
      ascii = false;
      ++i;  // the continuation byte (atoms are valid UTF-8)
    }
    uint8_t* p = s_.take(3);
    p[0] = kAtomLatin1;
    put16(p + 1, static_cast<uint32_t>(chars));
    if (ascii || Sink::kCounting) {
      s_.bytes(name.data(), chars);
      return true;
    }
    uint8_t* q = s_.take(chars);
    for (size_t i = 0; i < name.size(); ++i) {
      auto c = static_cast<uint8_t>(name[i]);
      if (c < 0x80) {
        *q++ = c;
      } else {
        *q++ = static_cast<uint8_t>((c & 0x1f) << 6 | (static_cast<uint8_t>(name[i + 1]) & 0x3f));
        ++i;
      }
    }
    return true;
  }

  void list(const Term& t) {
    // One walk for the length and whether OTP would write STRING_EXT (its is_external_string).
    size_t n = 0;
    bool bytes_only = true;
    const Term* cur = &t;
    for (; cur->is_cons(); cur = &cur->tail(), ++n) {
      const Term& h = cur->head();
      if (bytes_only && !(h.is_small() && h.small_value() >= 0 && h.small_value() <= 255)) bytes_only = false;
    }
    if (bytes_only && cur->is_nil() && n <= 65535) {
      uint8_t* p = s_.take(3);
      p[0] = kString;
      put16(p + 1, static_cast<uint32_t>(n));
      if constexpr (Sink::kCounting) return s_.bytes(nullptr, n);
      p = s_.take(n);
      for (cur = &t; cur->is_cons(); cur = &cur->tail()) *p++ = static_cast<uint8_t>(cur->head().small_value());
      return;
    }
    uint8_t* p = s_.take(5);
    p[0] = kList;
    put32(p + 1, static_cast<uint32_t>(n));
    push(Work::ListRest, &t, 0);
  }

  void one(const Term& t) {
    assert(!t.is_none() && "encoding a none Term (not an Erlang value)");
    if (t.is_small()) return integer(t.small_value());
    if (t.is_atom()) return atom(t.atom_value());
    if (t.is_nil()) {
      *s_.take(1) = kNil;
      return;
    }
    const Box* b = t.box();
    switch (b->kind) {
      case BoxKind::Big: return big(t.as<BigBox>());
      case BoxKind::Float: {
        uint8_t* p = s_.take(9);
        p[0] = kNewFloat;
        put64(p + 1, std::bit_cast<uint64_t>(t.float_value()));
        return;
      }
      case BoxKind::Tuple: {
        uint32_t n = t.tuple_arity();
        if (n <= 255) {
          uint8_t* p = s_.take(2);
          p[0] = kSmallTuple;
          p[1] = static_cast<uint8_t>(n);
        } else {
          uint8_t* p = s_.take(5);
          p[0] = kLargeTuple;
          put32(p + 1, n);
        }
        if (n) push(Work::Seq, t.tuple_data(), n);
        return;
      }
      case BoxKind::Map: {
        uint32_t n = t.map_size();
        uint8_t* p = s_.take(5);
        p[0] = kMap;
        put32(p + 1, n);
        if (n) push(Work::Seq, &t.map_key(0), 2 * size_t(n));  // key0, value0, key1, ...
        return;
      }
      case BoxKind::Cons: return list(t);
      case BoxKind::Binary: {
        auto* bin = t.as<BinaryBox>();
        if (bin->bits_in_last) {
          uint8_t* p = s_.take(6);
          p[0] = kBitBinary;
          put32(p + 1, static_cast<uint32_t>(bin->size));
          p[5] = bin->bits_in_last;
        } else {
          uint8_t* p = s_.take(5);
          p[0] = kBinary;
          put32(p + 1, static_cast<uint32_t>(bin->size));
        }
        if (!Sink::kCounting && o_.external && in_fun_ == 0 && bin->size >= o_.external_min) {
          o_.external->push_back(ExternalBinary{s_.pos(), t, bin->data, bin->size});
          return;
        }
        s_.bytes(bin->data, bin->size);
        return;
      }
      case BoxKind::Pid: {
        auto* pid = t.as<PidBox>();
        *s_.take(1) = kNewPid;
        atom(pid->node);
        uint8_t* p = s_.take(12);
        put32(p, pid->id);
        put32(p + 4, pid->serial);
        put32(p + 8, pid->creation);
        return;
      }
      case BoxKind::Port: {
        auto* port = t.as<PortBox>();
        bool v4 = port->id > 0xffffffffu;
        *s_.take(1) = v4 ? kV4Port : kNewPort;
        atom(port->node);
        uint8_t* p = s_.take(v4 ? 12 : 8);
        if (v4) put64(p, port->id); else put32(p, static_cast<uint32_t>(port->id));
        put32(p + (v4 ? 8 : 4), port->creation);
        return;
      }
      case BoxKind::Reference: {
        auto* ref = t.as<RefBox>();
        uint8_t* p = s_.take(3);
        p[0] = kNewerReference;
        put16(p + 1, ref->len);
        atom(ref->node);
        p = s_.take(4 + 4 * size_t(ref->len));
        put32(p, ref->creation);
        for (int i = 0; i < ref->len; ++i) put32(p + 4 + 4 * i, ref->ids[i]);
        return;
      }
      case BoxKind::ExportFun: {
        auto* f = t.as<ExportFunBox>();
        *s_.take(1) = kExport;
        atom(f->module);
        atom(f->function);
        uint8_t* p = s_.take(2);
        p[0] = kSmallInteger;
        p[1] = f->arity;
        return;
      }
      case BoxKind::LocalFun: {
        auto* f = t.as<LocalFunBox>();
        *s_.take(1) = kNewFun;
        size_t size_at = s_.pos();
        uint8_t* p = s_.take(29);
        put32(p, 0);  // Size: filled in once the free variables are written
        p[4] = f->arity;
        std::memcpy(p + 5, f->uniq, 16);
        put32(p + 21, f->index);
        put32(p + 25, f->num_free);
        atom(f->module);
        // Written in the order OldIndex, OldUniq, Pid, free vars; the stack pops last-in first.
        push(Work::FunSize, nullptr, size_at);
        ++in_fun_;
        if (f->num_free) push(Work::Seq, f->free_vars, f->num_free);
        push(Work::Seq, &f->pid, 1);
        push(Work::Seq, &f->old_uniq, 1);
        push(Work::Seq, &f->old_index, 1);
        return;
      }
    }
  }

  Sink& s_;
  const EncodeOptions& o_;
  std::vector<Work> stack_;
  int in_fun_ = 0;  // local funs being written (their binaries are never external)
};

}  // namespace

void encode(const Term& t, std::vector<uint8_t>& out, const EncodeOptions& options) {
  VecSink sink(out);
  Encoder<VecSink>(sink, options).run(t);
}

std::vector<uint8_t> encode(const Term& t, const EncodeOptions& options) {
  std::vector<uint8_t> out;
  encode(t, out, options);
  return out;
}

size_t encoded_size(const Term& t, const EncodeOptions& options) {
  CountSink sink;
  Encoder<CountSink>(sink, options).run(t);
  return sink.pos();
}

std::vector<uint8_t> encode_compressed(const Term& t, int level, AtomEncoding atoms) {
  EncodeOptions o;
  o.atoms = atoms;
  o.version = false;
  std::vector<uint8_t> out{kVersion};
  encode(t, out, o);
  level = std::clamp(level, 0, 9);
  // As erts: compress only when zlib fits in the plain size minus the 5 header bytes.
  size_t plain = out.size() - 1;
  if (level == 0 || plain < 5) return out;
  std::vector<uint8_t> z{kVersion, kCompressed, 0, 0, 0, 0};
  put32(z.data() + 2, static_cast<uint32_t>(plain));
  if (!deflate_bounded(std::span<const uint8_t>(out.data() + 1, plain), level, plain - 5, z)) return out;
  return z;
}

}  // namespace ergod::term
