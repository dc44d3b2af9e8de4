// Construction, access and iterative freeing of terms. Comparison, hashing and printing are in
// term_compare.cpp and term_print.cpp; the ETF codec is in etf_*.cpp.
#include "term/term.h"

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <new>
#include <vector>

#include "base/block_pool.h"

namespace ergod::term {

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::Integer: return "integer";
    case Kind::Float: return "float";
    case Kind::Atom: return "atom";
    case Kind::Reference: return "reference";
    case Kind::Fun: return "fun";
    case Kind::Port: return "port";
    case Kind::Pid: return "pid";
    case Kind::Tuple: return "tuple";
    case Kind::Map: return "map";
    case Kind::Nil: return "nil";
    case Kind::List: return "list";
    case Kind::Binary: return "binary";
  }
  return "?";
}

// ---- buffers -----------------------------------------------------------------------------------

Buffer* Buffer::make(size_t size) {
  void* mem = ::operator new(sizeof(Buffer) + size);
  Buffer* b = new (mem) Buffer();
  b->size = size;
  b->data = reinterpret_cast<uint8_t*>(b + 1);
  return b;
}

void Buffer::release() noexcept {
  // As drop_ref below: a count of 1 is ours alone.
  if (refs.load(std::memory_order_acquire) == 1 || refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    this->~Buffer();
    ::operator delete(this);
  }
}

// ---- allocation helpers ------------------------------------------------------------------------
namespace {

// Small boxes (a message's tuples, cons cells, pids, references) come from two block pools:
// they are made on one thread and often freed on another (a request on the caller's worker, on
// the server's), where malloc's cross-thread frees were 6-8% of a local call. The two sizes
// are those malloc would round these boxes up to anyway (24 -> 32, 40 -> 48 bytes with its
// header), so a box takes no more memory than before. Each pool keeps at most 256 batches
// (about 1 MiB) beyond what threads hold: a burst of terms does not pin its peak for good.
using SmallBoxPool = base::BlockPool<24, 256>;
using MediumBoxPool = base::BlockPool<40, 256>;
constexpr uint8_t kSmallClass = 1, kMediumClass = 2;

template <class B>
B* alloc_box(size_t bytes) {
  bytes = std::max(bytes, sizeof(B));
  B* b;
  if (bytes <= 24) {
    b = new (SmallBoxPool::allocate()) B();
    b->size_class = kSmallClass;
  } else if (bytes <= 40) {
    b = new (MediumBoxPool::allocate()) B();
    b->size_class = kMediumClass;
  } else {
    b = new (::operator new(bytes)) B();
  }
  return b;
}

void free_box_memory(Box* b) noexcept {
  if (b->size_class == kSmallClass) SmallBoxPool::deallocate(b);
  else if (b->size_class == kMediumClass) MediumBoxPool::deallocate(b);
  else ::operator delete(b);
}

// Size of a box whose last member is an array of `count` elements of type E at `offset`.
constexpr size_t flex_size(size_t offset, size_t elem, size_t count) { return offset + elem * (count ? count : 1); }

// Boxes waiting to be freed. Most terms free with a few dozen at most pending, which fit inline
// (no allocation to free a message); a deep or wide term spills to the heap.
class Pending {
 public:
  void push_back(Box* b) {
    if (n_ < kInline) inline_[n_++] = b;
    else more_.push_back(b);
  }
  bool empty() const { return n_ == 0 && more_.empty(); }
  Box* pop() {
    if (!more_.empty()) {
      Box* b = more_.back();
      more_.pop_back();
      return b;
    }
    return inline_[--n_];
  }

 private:
  static constexpr size_t kInline = 32;
  Box* inline_[kInline];
  size_t n_ = 0;
  std::vector<Box*> more_;
};

// Drops one reference; true when it was the last. A count of 1 is read without the atomic
// decrement: it is our reference, so no other thread can hold one to change the count (the
// acquire load pairs with the decrements of the owners that went before, as the RMW would).
// Most boxes die with their only owner (a message and its parts), and the locked decrement was
// the single most expensive instruction of a local call.
inline bool drop_ref(Box* b) noexcept {
  return b->refs.load(std::memory_order_acquire) == 1 || b->refs.fetch_sub(1, std::memory_order_acq_rel) == 1;
}

// A child's box to free later, when this was its last reference. Leaves the child none.
inline void drop_child(Term& child, Pending& pending) {
  if (!child.is_box()) return;
  Box* b = reinterpret_cast<Box*>(child.detach());
  if (drop_ref(b)) pending.push_back(b);
}

// Frees one dead box; its children that die with it go onto pending instead of recursing.
void free_one(Box* b, Pending& pending) {
  switch (b->kind) {
    case BoxKind::Tuple: {
      auto* t = static_cast<TupleBox*>(b);
      for (uint32_t i = 0; i < t->arity; ++i) drop_child(t->elems[i], pending);
      for (uint32_t i = 1; i < t->arity; ++i) t->elems[i].~Term();
      t->~TupleBox();
      break;
    }
    case BoxKind::Cons: {
      auto* c = static_cast<ConsBox*>(b);
      drop_child(c->head, pending);
      drop_child(c->tail, pending);
      c->~ConsBox();
      break;
    }
    case BoxKind::Map: {
      auto* m = static_cast<MapBox*>(b);
      for (uint32_t i = 0; i < 2 * m->n; ++i) drop_child(m->kv[i], pending);
      for (uint32_t i = 1; i < 2 * m->n; ++i) m->kv[i].~Term();
      m->~MapBox();
      break;
    }
    case BoxKind::LocalFun: {
      auto* f = static_cast<LocalFunBox*>(b);
      drop_child(f->old_index, pending);
      drop_child(f->old_uniq, pending);
      drop_child(f->pid, pending);
      for (uint32_t i = 0; i < f->num_free; ++i) drop_child(f->free_vars[i], pending);
      for (uint32_t i = 1; i < f->num_free; ++i) f->free_vars[i].~Term();
      f->~LocalFunBox();
      break;
    }
    case BoxKind::Binary: {
      auto* bin = static_cast<BinaryBox*>(b);
      if (bin->buf) bin->buf->release();
      bin->~BinaryBox();
      break;
    }
    case BoxKind::Big: static_cast<BigBox*>(b)->~BigBox(); break;
    case BoxKind::Float: static_cast<FloatBox*>(b)->~FloatBox(); break;
    case BoxKind::Pid: static_cast<PidBox*>(b)->~PidBox(); break;
    case BoxKind::Port: static_cast<PortBox*>(b)->~PortBox(); break;
    case BoxKind::Reference: static_cast<RefBox*>(b)->~RefBox(); break;
    case BoxKind::ExportFun: static_cast<ExportFunBox*>(b)->~ExportFunBox(); break;
  }
  free_box_memory(b);
}

bool has_children(BoxKind k) {
  return k == BoxKind::Tuple || k == BoxKind::Cons || k == BoxKind::Map || k == BoxKind::LocalFun;
}

}  // namespace

void release_box(Box* b) noexcept {
  if (!drop_ref(b)) return;
  Pending pending;
  if (!has_children(b->kind)) {
    free_one(b, pending);
    return;
  }
  pending.push_back(b);
  while (!pending.empty()) free_one(pending.pop(), pending);
}

// ---- construction ------------------------------------------------------------------------------

Term Term::integer(int64_t v) {
  if (v >= kSmallMin && v <= kSmallMax) return Term(static_cast<uintptr_t>(v) << 3 | kTagSmall);
  uint64_t mag = v < 0 ? uint64_t(0) - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  return big(v < 0, std::span<const uint64_t>(&mag, 1));
}

Term Term::unsigned_integer(uint64_t v) {
  if (v <= static_cast<uint64_t>(kSmallMax)) return integer(static_cast<int64_t>(v));
  return big(false, std::span<const uint64_t>(&v, 1));
}

Term Term::big(bool negative, std::span<const uint64_t> digits) {
  size_t n = digits.size();
  while (n > 0 && digits[n - 1] == 0) --n;
  if (n == 0) return integer(0);
  if (n == 1) {
    uint64_t m = digits[0];
    if (!negative && m <= static_cast<uint64_t>(kSmallMax)) return integer(static_cast<int64_t>(m));
    if (negative && m <= static_cast<uint64_t>(kSmallMax) + 1)
      return integer(-static_cast<int64_t>(m - 1) - 1);
  }
  auto* b = alloc_box<BigBox>(flex_size(offsetof(BigBox, digits), sizeof(uint64_t), n));
  b->negative = negative;
  b->n = static_cast<uint32_t>(n);
  std::memcpy(b->digits, digits.data(), n * sizeof(uint64_t));
  return adopt(b);
}

Term Term::big_bytes(bool negative, std::span<const uint8_t> le) {
  std::vector<uint64_t> digits((le.size() + 7) / 8, 0);
  for (size_t i = 0; i < le.size(); ++i) digits[i / 8] |= static_cast<uint64_t>(le[i]) << (8 * (i % 8));
  return big(negative, digits);
}

Term Term::floating(double v) {
  auto* f = alloc_box<FloatBox>(sizeof(FloatBox));
  f->value = v;
  return adopt(f);
}

Term Term::atom(std::string_view name) { return atom(Atom::make(name)); }

Term Term::tuple(std::initializer_list<Term> elems) {
  return tuple(std::span<const Term>(elems.begin(), elems.size()));
}

Term Term::tuple(std::span<const Term> elems) {
  size_t n = elems.size();
  auto* t = alloc_box<TupleBox>(flex_size(offsetof(TupleBox, elems), sizeof(Term), n));
  t->arity = static_cast<uint32_t>(n);
  if (n > 0) t->elems[0] = elems[0];
  for (size_t i = 1; i < n; ++i) new (&t->elems[i]) Term(elems[i]);
  return adopt(t);
}

Term Term::tuple_take(Term* elems, size_t n) {
  auto* t = alloc_box<TupleBox>(flex_size(offsetof(TupleBox, elems), sizeof(Term), n));
  t->arity = static_cast<uint32_t>(n);
  if (n > 0) t->elems[0] = std::move(elems[0]);
  for (size_t i = 1; i < n; ++i) new (&t->elems[i]) Term(std::move(elems[i]));
  return adopt(t);
}

Term Term::cons(Term head, Term tail) {
  auto* c = alloc_box<ConsBox>(sizeof(ConsBox));
  c->head = std::move(head);
  c->tail = std::move(tail);
  return adopt(c);
}

std::vector<Term> list_elements(const Term& list) {
  std::vector<Term> v;
  for (Term l = list; l.is_cons(); l = l.tail()) v.push_back(l.head());
  return v;
}

Term Term::list(std::span<const Term> elems, Term tail) {
  Term acc = std::move(tail);
  for (size_t i = elems.size(); i-- > 0;) acc = cons(elems[i], std::move(acc));
  return acc;
}

Term Term::list(std::initializer_list<Term> elems) {
  return list(std::span<const Term>(elems.begin(), elems.size()));
}

Term Term::bitstring(std::span<const uint8_t> bytes, uint8_t bits_in_last) {
  auto* b = alloc_box<BinaryBox>(flex_size(offsetof(BinaryBox, inline_bytes), 1, bytes.size()));
  b->buf = nullptr;
  if (!bytes.empty()) std::memcpy(b->inline_bytes, bytes.data(), bytes.size());
  b->data = b->inline_bytes;
  b->size = bytes.size();
  b->bits_in_last = bytes.empty() ? 0 : bits_in_last;
  if (b->bits_in_last) b->inline_bytes[b->size - 1] &= static_cast<uint8_t>(0xff << (8 - b->bits_in_last));
  return adopt(b);
}

Term Term::binary(std::span<const uint8_t> bytes) { return bitstring(bytes, 0); }

Term Term::binary(std::string_view bytes) {
  return binary(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
}

Term Term::binary_slice(Buffer* buf, size_t offset, size_t size, uint8_t bits_in_last) {
  auto* b = alloc_box<BinaryBox>(sizeof(BinaryBox));
  buf->retain();
  b->buf = buf;
  b->data = buf->data + offset;
  b->size = size;
  b->bits_in_last = size ? bits_in_last : 0;
  return adopt(b);
}

Term Term::pid(Atom node, uint32_t id, uint32_t serial, uint32_t creation) {
  auto* p = alloc_box<PidBox>(sizeof(PidBox));
  p->node = node;
  p->id = id;
  p->serial = serial;
  p->creation = creation;
  return adopt(p);
}

Term Term::port(Atom node, uint64_t id, uint32_t creation) {
  auto* p = alloc_box<PortBox>(sizeof(PortBox));
  p->node = node;
  p->id = id;
  p->creation = creation;
  return adopt(p);
}

Term Term::reference(Atom node, uint32_t creation, std::span<const uint32_t> ids) {
  auto* r = alloc_box<RefBox>(sizeof(RefBox));
  r->node = node;
  r->creation = creation;
  r->len = static_cast<uint8_t>(std::min<size_t>(ids.size(), 5));
  std::fill(std::begin(r->ids), std::end(r->ids), 0u);
  std::copy_n(ids.begin(), r->len, r->ids);
  return adopt(r);
}

Term Term::export_fun(Atom module, Atom function, uint8_t arity) {
  auto* f = alloc_box<ExportFunBox>(sizeof(ExportFunBox));
  f->module = module;
  f->function = function;
  f->arity = arity;
  return adopt(f);
}

Term Term::local_fun(uint8_t arity, const uint8_t (&uniq)[16], uint32_t index, Atom module,
                     Term old_index, Term old_uniq, Term pid, std::span<const Term> free_vars) {
  size_t n = free_vars.size();
  auto* f = alloc_box<LocalFunBox>(flex_size(offsetof(LocalFunBox, free_vars), sizeof(Term), n));
  f->arity = arity;
  std::memcpy(f->uniq, uniq, 16);
  f->index = index;
  f->module = module;
  f->old_index = std::move(old_index);
  f->old_uniq = std::move(old_uniq);
  f->pid = std::move(pid);
  f->num_free = static_cast<uint32_t>(n);
  if (n > 0) f->free_vars[0] = free_vars[0];
  for (size_t i = 1; i < n; ++i) new (&f->free_vars[i]) Term(free_vars[i]);
  return adopt(f);
}

Term Term::map(std::span<const std::pair<Term, Term>> pairs) {
  // Sort indices by key (stable, so a later duplicate sorts after an earlier one), keep the last.
  std::vector<uint32_t> order(pairs.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    return exact_compare(pairs[a].first, pairs[b].first) < 0;
  });
  std::vector<uint32_t> kept;
  kept.reserve(order.size());
  for (size_t i = 0; i < order.size(); ++i) {
    if (!kept.empty() && exact_compare(pairs[kept.back()].first, pairs[order[i]].first) == 0)
      kept.back() = order[i];
    else
      kept.push_back(order[i]);
  }
  size_t n = kept.size();
  auto* m = alloc_box<MapBox>(flex_size(offsetof(MapBox, kv), sizeof(Term), 2 * (n ? n : 1)));
  m->n = static_cast<uint32_t>(n);
  Term* slots = std::launder(m->kv);  // really 2n slots: keeps g++'s bounds check quiet
  for (size_t i = 1; i < 2 * n; ++i) new (&slots[i]) Term();
  for (size_t i = 0; i < n; ++i) {
    slots[2 * i] = pairs[kept[i]].first;
    slots[2 * i + 1] = pairs[kept[i]].second;
  }
  return adopt(m);
}

Term Term::map(std::initializer_list<std::pair<Term, Term>> pairs) {
  return map(std::span<const std::pair<Term, Term>>(pairs.begin(), pairs.size()));
}

Term Term::map_take_unique(Term* kv, size_t n) {
  bool sorted = true;
  for (size_t i = 1; i < n; ++i) {
    int c = exact_compare(kv[2 * (i - 1)], kv[2 * i]);
    if (c == 0) return Term();
    if (c > 0) {
      sorted = false;
      break;
    }
  }
  std::vector<uint32_t> order;
  if (!sorted) {
    order.resize(n);
    for (uint32_t i = 0; i < n; ++i) order[i] = i;
    std::sort(order.begin(), order.end(),
              [&](uint32_t a, uint32_t b) { return exact_compare(kv[2 * a], kv[2 * b]) < 0; });
    for (size_t i = 1; i < n; ++i)
      if (exact_compare(kv[2 * order[i - 1]], kv[2 * order[i]]) == 0) return Term();
  }
  auto* m = alloc_box<MapBox>(flex_size(offsetof(MapBox, kv), sizeof(Term), 2 * (n ? n : 1)));
  m->n = static_cast<uint32_t>(n);
  Term* slots = std::launder(m->kv);
  for (size_t i = 1; i < 2 * n; ++i) new (&slots[i]) Term();
  for (size_t i = 0; i < n; ++i) {
    size_t from = sorted ? i : order[i];
    slots[2 * i] = std::move(kv[2 * from]);
    slots[2 * i + 1] = std::move(kv[2 * from + 1]);
  }
  return adopt(m);
}

// ---- inspection --------------------------------------------------------------------------------

Kind Term::kind() const noexcept {
  switch (w_ & kTagMask) {
    case kTagSmall: return Kind::Integer;
    case kTagAtom: return Kind::Atom;
    case kTagNil: return Kind::Nil;
    default: break;
  }
  switch (box()->kind) {
    case BoxKind::Big: return Kind::Integer;
    case BoxKind::Float: return Kind::Float;
    case BoxKind::Reference: return Kind::Reference;
    case BoxKind::ExportFun:
    case BoxKind::LocalFun: return Kind::Fun;
    case BoxKind::Port: return Kind::Port;
    case BoxKind::Pid: return Kind::Pid;
    case BoxKind::Tuple: return Kind::Tuple;
    case BoxKind::Map: return Kind::Map;
    case BoxKind::Cons: return Kind::List;
    case BoxKind::Binary: return Kind::Binary;
  }
  return Kind::Nil;
}

bool Term::is_binary() const noexcept { return is_bitstring() && as<BinaryBox>()->bits_in_last == 0; }

bool Term::to_int64(int64_t& out) const noexcept {
  if (is_small()) {
    out = small_value();
    return true;
  }
  if (!is_box_of(BoxKind::Big)) return false;
  auto* b = as<BigBox>();
  if (b->n != 1) return false;
  uint64_t m = b->digits[0];
  if (!b->negative) {
    if (m > static_cast<uint64_t>(INT64_MAX)) return false;
    out = static_cast<int64_t>(m);
  } else {
    if (m > static_cast<uint64_t>(INT64_MAX) + 1) return false;
    out = static_cast<int64_t>(0 - m);
  }
  return true;
}

bool Term::to_uint64(uint64_t& out) const noexcept {
  if (is_small()) {
    if (small_value() < 0) return false;
    out = static_cast<uint64_t>(small_value());
    return true;
  }
  if (!is_box_of(BoxKind::Big)) return false;
  auto* b = as<BigBox>();
  if (b->n != 1 || b->negative) return false;
  out = b->digits[0];
  return true;
}

double Term::float_value() const noexcept { return as<FloatBox>()->value; }
uint32_t Term::tuple_arity() const noexcept { return as<TupleBox>()->arity; }
const Term& Term::element(size_t i) const noexcept { return as<TupleBox>()->elems[i]; }
const Term* Term::tuple_data() const noexcept { return as<TupleBox>()->elems; }
const Term& Term::head() const noexcept { return as<ConsBox>()->head; }
const Term& Term::tail() const noexcept { return as<ConsBox>()->tail; }

std::span<const uint8_t> Term::bytes() const noexcept {
  auto* b = as<BinaryBox>();
  return {b->data, b->size};
}
std::string_view Term::bytes_view() const noexcept {
  auto* b = as<BinaryBox>();
  return {reinterpret_cast<const char*>(b->data), b->size};
}
uint8_t Term::bits_in_last() const noexcept { return as<BinaryBox>()->bits_in_last; }
uint64_t Term::bit_size() const noexcept {
  auto* b = as<BinaryBox>();
  return b->bits_in_last ? (b->size - 1) * 8 + b->bits_in_last : b->size * 8;
}

uint32_t Term::map_size() const noexcept { return as<MapBox>()->n; }
const Term& Term::map_key(size_t i) const noexcept { return as<MapBox>()->kv[2 * i]; }
const Term& Term::map_value(size_t i) const noexcept { return as<MapBox>()->kv[2 * i + 1]; }

Term Term::map_get(const Term& key) const {
  auto* m = as<MapBox>();
  size_t lo = 0, hi = m->n;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    int c = exact_compare(m->kv[2 * mid], key);
    if (c == 0) return m->kv[2 * mid + 1];
    if (c < 0) lo = mid + 1; else hi = mid;
  }
  return Term();
}

int64_t list_length(const Term& t) {
  int64_t n = 0;
  const Term* cur = &t;
  while (cur->is_cons()) {
    ++n;
    cur = &cur->tail();
  }
  return cur->is_nil() ? n : -1;
}

}  // namespace ergod::term
