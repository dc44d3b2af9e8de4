// KeyTable<V>: a small open-addressing hash table keyed by a 64-bit key plus the term it was
// made from (a reference or a pid). A process keeps its links, its monitors (both directions)
// and its aliases in these. Local references and pids have unique keys (see ids.h), so a
// lookup is an integer probe; remote ones hash their parts, and the stored term settles a
// collision. Linear probing with backward-shift deletion: no tombstones, no per-entry
// allocation; an empty table allocates nothing. Not thread-safe: one process owns each table.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <new>
#include <utility>

#include "term/term.h"

namespace ergod::runtime {

template <class V>
class KeyTable {
 public:
  struct Entry {
    uint64_t key;  // 0 = empty slot
    term::Term term;
    V value;
  };

  KeyTable() noexcept = default;
  KeyTable(const KeyTable&) = delete;
  KeyTable& operator=(const KeyTable&) = delete;
  ~KeyTable() { clear(); }

  uint32_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }

  Entry* find(uint64_t key, const term::Term& t) noexcept {
    if (!slots_) return nullptr;
    key = fix(key);
    for (uint32_t i = uint32_t(mix(key)) & mask_;; i = (i + 1) & mask_) {
      Entry& e = slots_[i];
      if (e.key == 0) return nullptr;
      if (e.key == key && (e.term.raw() == t.raw() || e.term == t)) return &e;
    }
  }

  // Inserts without checking for an existing entry (callers find() first when it matters).
  Entry* insert(uint64_t key, term::Term t, V value) {
    if ((size_ + 1) * 2 > capacity()) grow();
    key = fix(key);
    uint32_t i = uint32_t(mix(key)) & mask_;
    while (slots_[i].key != 0) i = (i + 1) & mask_;
    Entry& e = slots_[i];
    e.key = key;
    e.term = std::move(t);
    e.value = std::move(value);
    ++size_;
    return &e;
  }

  // Removes e (a pointer from find()); entries may move, so earlier pointers are invalid.
  void erase(Entry* e) noexcept {
    uint32_t i = uint32_t(e - slots_);
    for (uint32_t j = (i + 1) & mask_;; j = (j + 1) & mask_) {
      Entry& n = slots_[j];
      if (n.key == 0) break;
      uint32_t home = uint32_t(mix(n.key)) & mask_;
      // n may move to i if its home is not cyclically within (i, j].
      bool stays = (i <= j) ? (home > i && home <= j) : (home > i || home <= j);
      if (!stays) {
        slots_[i].key = n.key;
        slots_[i].term = std::move(n.term);
        slots_[i].value = std::move(n.value);
        i = j;
      }
    }
    slots_[i].key = 0;
    slots_[i].term = term::Term();
    slots_[i].value = V();
    --size_;
  }

  bool erase(uint64_t key, const term::Term& t) noexcept {
    Entry* e = find(key, t);
    if (!e) return false;
    erase(e);
    return true;
  }

  template <class F>
  void for_each(F&& f) {
    for (uint32_t i = 0; slots_ && i <= mask_; ++i)
      if (slots_[i].key != 0) f(slots_[i]);
  }
  template <class F>
  void for_each(F&& f) const {
    for (uint32_t i = 0; slots_ && i <= mask_; ++i)
      if (slots_[i].key != 0) f(static_cast<const Entry&>(slots_[i]));
  }

  void clear() noexcept {
    if (!slots_) return;
    for (uint32_t i = 0; i <= mask_; ++i) slots_[i].~Entry();
    ::operator delete(slots_);
    slots_ = nullptr;
    mask_ = 0;
    size_ = 0;
  }

 private:
  static uint64_t fix(uint64_t k) noexcept { return k ? k : 1; }
  static uint64_t mix(uint64_t k) noexcept {
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    return k;
  }
  uint32_t capacity() const noexcept { return slots_ ? mask_ + 1 : 0; }

  void grow() {
    uint32_t old_cap = capacity();
    uint32_t cap = old_cap ? old_cap * 2 : 4;
    Entry* old = slots_;
    slots_ = static_cast<Entry*>(::operator new(sizeof(Entry) * cap));
    for (uint32_t i = 0; i < cap; ++i) new (&slots_[i]) Entry{0, term::Term(), V()};
    mask_ = cap - 1;
    size_ = 0;
    for (uint32_t i = 0; i < old_cap; ++i) {
      if (old[i].key != 0) {
        uint32_t j = uint32_t(mix(old[i].key)) & mask_;
        while (slots_[j].key != 0) j = (j + 1) & mask_;
        slots_[j].key = old[i].key;
        slots_[j].term = std::move(old[i].term);
        slots_[j].value = std::move(old[i].value);
        ++size_;
      }
      old[i].~Entry();
    }
    ::operator delete(old);
  }

  Entry* slots_ = nullptr;
  uint32_t mask_ = 0;
  uint32_t size_ = 0;
};

}  // namespace ergod::runtime
