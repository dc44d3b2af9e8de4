// The Erlang term model: an immutable value that is one machine word.
//
// Small integers, atoms and [] live inside the word; everything else is a reference-counted,
// immutable heap "box". Copying a Term costs one atomic increment at most, so a term moves
// between processes by reference and is never copied deeply. Boxes are freed without recursion
// (see release_box in term.cpp), so a 100,000-deep term cannot overflow the stack.
//
// This file does not hold the ETF codec (etf_decode.h / etf_encode.h) nor the atom table
// (atom.h). Thread safety: a Term may be copied, read and destroyed from any thread.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "term/atom.h"

namespace ergod::term {

// Kinds in Erlang's term order: number < atom < reference < fun < port < pid < tuple < map <
// nil < list < bitstring. Integer and Float are both "number".
enum class Kind : uint8_t {
  Integer,  // small (in the word) or big (boxed)
  Float,
  Atom,
  Reference,
  Fun,      // export fun (fun M:F/A) or local fun (opaque closure data)
  Port,
  Pid,
  Tuple,
  Map,
  Nil,
  List,     // a cons cell; a proper list ends in Nil, an improper one in anything else
  Binary,   // a binary or a bitstring (bit_size % 8 != 0)
};

const char* kind_name(Kind k);

// Heap-box kinds; more specific than Kind (Integer splits into small/big, Fun into two).
enum class BoxKind : uint8_t { Big, Float, Reference, ExportFun, LocalFun, Port, Pid, Tuple, Map, Cons, Binary };

struct Box {
  std::atomic<uint32_t> refs{1};
  BoxKind kind;
  uint8_t size_class = 0;  // term.cpp's allocator: the block pool it came from (0: malloc)
  explicit Box(BoxKind k) : kind(k) {}
};

// Bytes shared by binaries sliced out of one buffer (e.g. a received frame).
struct Buffer {
  std::atomic<uint32_t> refs{1};
  size_t size = 0;
  uint8_t* data = nullptr;  // points just past this header for buffers from Buffer::make
  static Buffer* make(size_t size);  // refs = 1, uninitialised bytes
  void retain() noexcept { refs.fetch_add(1, std::memory_order_relaxed); }
  void release() noexcept;
};

class Term;
void release_box(Box* b) noexcept;  // drops one reference; frees iteratively at zero

class Term {
 public:
  // Tags in the low 3 bits of the word. Tag 0 is a Box* (8-byte aligned), or "none" when 0.
  static constexpr uintptr_t kTagMask = 7, kTagBox = 0, kTagSmall = 1, kTagAtom = 2, kTagNil = 3;
  static constexpr int64_t kSmallMax = (int64_t(1) << 60) - 1;
  static constexpr int64_t kSmallMin = -(int64_t(1) << 60);

  Term() noexcept = default;  // "none": not an Erlang value; used for absent results
  Term(const Term& o) noexcept : w_(o.w_) { retain(); }
  Term(Term&& o) noexcept : w_(std::exchange(o.w_, 0)) {}
  Term& operator=(const Term& o) noexcept {
    if (this != &o) { Term t(o); swap(t); }
    return *this;
  }
  Term& operator=(Term&& o) noexcept {
    if (this != &o) { Term t(std::move(o)); swap(t); }
    return *this;
  }
  ~Term() {
    if (is_box()) release_box(box());
  }
  void swap(Term& o) noexcept { std::swap(w_, o.w_); }

  // ---- construction -------------------------------------------------------------------------
  static Term integer(int64_t v);                 // small or big as needed
  static Term unsigned_integer(uint64_t v);
  // Big integer from a little-endian magnitude in 64-bit digits; normalises to small if it fits.
  static Term big(bool negative, std::span<const uint64_t> digits);
  static Term big_bytes(bool negative, std::span<const uint8_t> le_bytes);  // ETF's layout
  static Term floating(double v);
  static Term atom(Atom a) noexcept { return Term(uintptr_t(a.index()) << 3 | kTagAtom); }
  static Term atom(std::string_view name);        // interns; throws AtomTableFull past the cap
  static Term nil() noexcept { return Term(kTagNil); }
  static Term tuple(std::initializer_list<Term> elems);
  static Term tuple(std::span<const Term> elems);
  static Term tuple_take(Term* elems, size_t n);   // moves the elements in
  static Term cons(Term head, Term tail);
  static Term list(std::span<const Term> elems, Term tail = nil());
  static Term list(std::initializer_list<Term> elems);
  static Term binary(std::span<const uint8_t> bytes);  // copies
  static Term binary(std::string_view bytes);
  // A slice of a shared buffer (no copy). bits_in_last = 0 means whole bytes; 1..7 makes a
  // bitstring whose last byte carries that many high-order bits.
  static Term binary_slice(Buffer* buf, size_t offset, size_t size, uint8_t bits_in_last = 0);
  static Term bitstring(std::span<const uint8_t> bytes, uint8_t bits_in_last);  // copies
  static Term pid(Atom node, uint32_t id, uint32_t serial, uint32_t creation);
  static Term port(Atom node, uint64_t id, uint32_t creation);
  static Term reference(Atom node, uint32_t creation, std::span<const uint32_t> ids);  // 1..5 ids
  static Term export_fun(Atom module, Atom function, uint8_t arity);
  // Local fun (NEW_FUN_EXT): kept as its parts so it re-encodes byte-identically.
  static Term local_fun(uint8_t arity, const uint8_t (&uniq)[16], uint32_t index, Atom module,
                        Term old_index, Term old_uniq, Term pid, std::span<const Term> free_vars);
  // A map from key/value pairs; later duplicates of a key replace earlier ones.
  static Term map(std::span<const std::pair<Term, Term>> pairs);
  static Term map(std::initializer_list<std::pair<Term, Term>> pairs);
  // A map from 2n terms key0, value0, key1, value1, ... moved in (the ETF decoder's path: no
  // copies, and one pass when the keys already come in order, as OTP sends small maps).
  // Returns none, leaving kv as it was, when two keys are exactly equal: OTP refuses those.
  static Term map_take_unique(Term* kv, size_t n);

  // ---- inspection ---------------------------------------------------------------------------
  bool is_none() const noexcept { return w_ == 0; }
  explicit operator bool() const noexcept { return w_ != 0; }
  Kind kind() const noexcept;
  bool is_small() const noexcept { return (w_ & kTagMask) == kTagSmall; }
  bool is_atom() const noexcept { return (w_ & kTagMask) == kTagAtom; }
  bool is_nil() const noexcept { return w_ == kTagNil; }
  bool is_box() const noexcept { return (w_ & kTagMask) == kTagBox && w_ != 0; }
  bool is_integer() const noexcept { return is_small() || is_box_of(BoxKind::Big); }
  bool is_float() const noexcept { return is_box_of(BoxKind::Float); }
  bool is_tuple() const noexcept { return is_box_of(BoxKind::Tuple); }
  bool is_cons() const noexcept { return is_box_of(BoxKind::Cons); }
  bool is_list() const noexcept { return is_nil() || is_cons(); }
  bool is_map() const noexcept { return is_box_of(BoxKind::Map); }
  bool is_binary() const noexcept;      // whole bytes only
  bool is_bitstring() const noexcept { return is_box_of(BoxKind::Binary); }
  bool is_pid() const noexcept { return is_box_of(BoxKind::Pid); }
  bool is_port() const noexcept { return is_box_of(BoxKind::Port); }
  bool is_reference() const noexcept { return is_box_of(BoxKind::Reference); }
  bool is_fun() const noexcept { return is_box_of(BoxKind::ExportFun) || is_box_of(BoxKind::LocalFun); }
  bool is_atom(Atom a) const noexcept { return w_ == (uintptr_t(a.index()) << 3 | kTagAtom); }

  int64_t small_value() const noexcept { return static_cast<int64_t>(w_) >> 3; }
  // True and sets out when this is an integer that fits in int64 / uint64.
  bool to_int64(int64_t& out) const noexcept;
  bool to_uint64(uint64_t& out) const noexcept;
  double float_value() const noexcept;
  Atom atom_value() const noexcept { return Atom::from_index(uint32_t(w_ >> 3)); }

  // Tuples
  uint32_t tuple_arity() const noexcept;
  const Term& element(size_t i) const noexcept;  // 0-based; i < tuple_arity()
  const Term* tuple_data() const noexcept;
  // Lists
  const Term& head() const noexcept;
  const Term& tail() const noexcept;
  // Binaries / bitstrings
  std::span<const uint8_t> bytes() const noexcept;  // all bytes incl. a partial last byte
  std::string_view bytes_view() const noexcept;
  uint8_t bits_in_last() const noexcept;            // 0 for whole-byte binaries
  uint64_t bit_size() const noexcept;
  // Maps: pairs sorted by exact term order of keys
  uint32_t map_size() const noexcept;
  const Term& map_key(size_t i) const noexcept;
  const Term& map_value(size_t i) const noexcept;
  Term map_get(const Term& key) const;             // none when absent

  const Box* box() const noexcept { return reinterpret_cast<const Box*>(w_); }
  Box* box() noexcept { return reinterpret_cast<Box*>(w_); }
  template <class B> const B* as() const noexcept { return static_cast<const B*>(box()); }
  uintptr_t raw() const noexcept { return w_; }
  // Gives up this Term's reference without dropping it (the Term becomes none).
  uintptr_t detach() noexcept { return std::exchange(w_, 0); }
  // Takes over a box reference (the caller's reference moves into the Term).
  static Term adopt(Box* b) noexcept { return Term(reinterpret_cast<uintptr_t>(b)); }

 private:
  explicit Term(uintptr_t w) noexcept : w_(w) {}
  bool is_box_of(BoxKind k) const noexcept { return is_box() && box()->kind == k; }
  void retain() const noexcept {
    if (is_box()) box_ref()->refs.fetch_add(1, std::memory_order_relaxed);
  }
  Box* box_ref() const noexcept { return reinterpret_cast<Box*>(w_); }
  uintptr_t w_ = 0;
};

// ---- boxes ------------------------------------------------------------------------------------
struct BigBox : Box {
  bool negative;
  uint32_t n;           // digits, little-endian, no leading zero digit, n >= 1
  uint64_t digits[1];   // really n
  BigBox() : Box(BoxKind::Big) {}
};
struct FloatBox : Box {
  double value;
  FloatBox() : Box(BoxKind::Float) {}
  explicit FloatBox(double v) : Box(BoxKind::Float), value(v) {}
};
struct PidBox : Box {
  Atom node;
  uint32_t id, serial, creation;
  PidBox() : Box(BoxKind::Pid) {}
};
struct PortBox : Box {
  Atom node;
  uint32_t creation;
  uint64_t id;
  PortBox() : Box(BoxKind::Port) {}
};
struct RefBox : Box {
  Atom node;
  uint32_t creation;
  uint8_t len;          // 1..5
  uint32_t ids[5];
  RefBox() : Box(BoxKind::Reference) {}
};
struct ExportFunBox : Box {
  Atom module, function;
  uint8_t arity;
  ExportFunBox() : Box(BoxKind::ExportFun) {}
};
struct LocalFunBox : Box {
  uint8_t arity;
  uint8_t uniq[16];
  uint32_t index;
  Atom module;
  Term old_index, old_uniq, pid;
  uint32_t num_free;
  Term free_vars[1];    // really num_free (may be 0: the array is still one slot, left none)
  LocalFunBox() : Box(BoxKind::LocalFun) {}
};
struct TupleBox : Box {
  uint32_t arity;
  Term elems[1];        // really arity (one none slot when arity is 0)
  TupleBox() : Box(BoxKind::Tuple) {}
};
struct ConsBox : Box {
  Term head, tail;
  ConsBox() : Box(BoxKind::Cons) {}
};
struct MapBox : Box {
  uint32_t n;
  // Really 2n: key0, value0, key1, value1, ... sorted by exact key order. Declared [1] like the
  // other trailing arrays: clang's bounds sanitizer treats only [0] and [1] as flexible.
  Term kv[1];
  MapBox() : Box(BoxKind::Map) {}
};
struct BinaryBox : Box {
  Buffer* buf;          // shared owner of the bytes, or nullptr when they sit inline below
  const uint8_t* data;
  size_t size;          // bytes, including a partial last byte
  uint8_t bits_in_last; // 0 = whole bytes; 1..7 = bitstring
  uint8_t inline_bytes[1];
  BinaryBox() : Box(BoxKind::Binary) {}
};

// ---- comparison -------------------------------------------------------------------------------
// Erlang's term order, without recursion on depth. compare() is ==/< semantics (1 == 1.0);
// exact_compare() is =:= semantics and a total order in which every integer sorts before every
// float (OTP's map key order: maps:keys(#{2 => a, 1.0 => b}) is [2, 1.0]); map keys use it.
int compare(const Term& a, const Term& b);
int exact_compare(const Term& a, const Term& b);
inline bool operator==(const Term& a, const Term& b) { return a.raw() == b.raw() || exact_compare(a, b) == 0; }
inline bool operator!=(const Term& a, const Term& b) { return !(a == b); }
// exact_compare's order, for ordered containers keyed by terms.
struct ExactLess {
  bool operator()(const Term& a, const Term& b) const { return exact_compare(a, b) < 0; }
};
// The elements of a list, up to its first tail that is not a cons cell.
std::vector<Term> list_elements(const Term& list);
// A hash consistent with exact equality (for hash maps keyed by terms: pids, refs, ...).
size_t hash(const Term& t);
struct TermHash { size_t operator()(const Term& t) const { return hash(t); } };

// How terms print: w as io_lib:format("~w"); p as "~0tp" does on a node with the default
// printable range (+pc latin1), what OTP's logger shows in its reports: the same, except that
// printable binaries are <<"text">> (<<"text"/utf8>> for UTF-8 beyond ASCII) and printable
// non-empty lists "text".
enum class PrintStyle { w, p };
// Erlang's printed form, iterative; long outputs are cut at max_bytes. With local_node, the
// pids, ports and references of that node print as erts prints its own: <0.Id.Serial>,
// #Port<0.Id>, #Ref<0.A.B.C> (those of other nodes keep the node's name: erts' number for a
// node is its own table's).
std::string to_string(const Term& t, size_t max_bytes = 1 << 20, PrintStyle style = PrintStyle::w,
                      const Atom* local_node = nullptr);

// Length of a proper list, or -1 if improper.
int64_t list_length(const Term& t);

}  // namespace ergod::term
