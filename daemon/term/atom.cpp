// The atom table: names stored once in chunks that never move, found by index without a lock;
// interning takes a reader/writer lock on the name index only.
#include "term/atom.h"

#include <atomic>
#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>

namespace ergod::term {
namespace {

constexpr uint32_t kChunkBits = 12;
constexpr uint32_t kChunkSize = 1u << kChunkBits;
constexpr uint32_t kMaxChunks = 4096;  // 16.7 M atoms at most, whatever the limit says

struct Chunk {
  std::string_view names[kChunkSize];
};

class Table {
 public:
  Table() {
    static const char* const fixed[] = {
#define ERGOD_ATOM_TEXT(id, text) text,
        ERGOD_FIXED_ATOMS(ERGOD_ATOM_TEXT)
#undef ERGOD_ATOM_TEXT
    };
    for (const char* name : fixed) add_locked(name);
  }

  std::string_view name(uint32_t i) const noexcept {
    Chunk* c = chunks_[i >> kChunkBits].load(std::memory_order_acquire);
    return c ? c->names[i & (kChunkSize - 1)] : std::string_view();
  }

  bool find(std::string_view name, uint32_t& out) const {
    std::shared_lock lock(mu_);
    auto it = index_.find(name);
    if (it == index_.end()) return false;
    out = it->second;
    return true;
  }

  bool intern(std::string_view name, uint32_t& out, const char** why) {
    if (find(name, out)) return true;
    std::unique_lock lock(mu_);
    auto it = index_.find(name);
    if (it != index_.end()) {
      out = it->second;
      return true;
    }
    if (count_.load(std::memory_order_relaxed) >= limit_.load(std::memory_order_relaxed) ||
        count_.load(std::memory_order_relaxed) >= kChunkSize * kMaxChunks) {
      if (why) *why = "atom table full (raise the atom limit)";
      return false;
    }
    out = add_locked(name);
    return true;
  }

  std::atomic<uint32_t> limit_{1u << 20};
  std::atomic<uint32_t> count_{0};

 private:
  uint32_t add_locked(std::string_view name) {
    uint32_t i = count_.load(std::memory_order_relaxed);
    Chunk* c = chunks_[i >> kChunkBits].load(std::memory_order_relaxed);
    if (!c) {
      c = new Chunk();
      chunks_[i >> kChunkBits].store(c, std::memory_order_release);
    }
    char* copy = new char[name.size() + 1];
    std::memcpy(copy, name.data(), name.size());
    copy[name.size()] = 0;
    std::string_view stored(copy, name.size());
    c->names[i & (kChunkSize - 1)] = stored;
    index_.emplace(stored, i);
    count_.store(i + 1, std::memory_order_release);
    return i;
  }

  mutable std::shared_mutex mu_;
  std::unordered_map<std::string_view, uint32_t> index_;
  std::atomic<Chunk*> chunks_[kMaxChunks] = {};
};

Table& table() {
  static Table* t = new Table();  // never destroyed: atoms outlive every static destructor
  return *t;
}

// Counts UTF-8 code points; -1 if the bytes are not well-formed UTF-8.
long utf8_length(std::string_view s) {
  long n = 0;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (len == 0 || i + len > s.size()) return -1;
    uint32_t cp = len == 1 ? c : c & (0x7f >> len);
    for (size_t k = 1; k < len; ++k) {
      unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return -1;
      cp = cp << 6 | (cc & 0x3f);
    }
    // Reject overlong forms, surrogates and code points past U+10FFFF.
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
      return -1;
    i += len;
    ++n;
  }
  return n;
}

}  // namespace

std::string_view Atom::name() const noexcept { return table().name(i_); }

bool Atom::try_make(std::string_view name, Atom& out, const char** why) noexcept {
  if (name.size() > 255 || !std::all_of(name.begin(), name.end(), [](char c) { return (c & 0x80) == 0; })) {
    long chars = utf8_length(name);
    if (chars < 0) {
      if (why) *why = "atom is not valid UTF-8";
      return false;
    }
    if (chars > 255) {
      if (why) *why = "atom longer than 255 characters";
      return false;
    }
  }
  uint32_t i;
  try {
    if (!table().intern(name, i, why)) return false;
  } catch (const std::bad_alloc&) {
    if (why) *why = "out of memory interning an atom";
    return false;
  }
  out = Atom::from_index(i);
  return true;
}

Atom Atom::make(std::string_view name) {
  Atom a;
  const char* why = "bad atom";
  if (!try_make(name, a, &why)) throw AtomError(why);
  return a;
}

bool Atom::find(std::string_view name, Atom& out) noexcept {
  uint32_t i;
  if (!table().find(name, i)) return false;
  out = Atom::from_index(i);
  return true;
}

void set_atom_limit(uint32_t limit) noexcept { table().limit_.store(limit, std::memory_order_relaxed); }
uint32_t atom_limit() noexcept { return table().limit_.load(std::memory_order_relaxed); }
uint32_t atom_count() noexcept { return table().count_.load(std::memory_order_acquire); }

}  // namespace ergod::term
