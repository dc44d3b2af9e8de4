// The term functions of the host table (ergod.h "terms: ..."): builders, accessors,
// comparison, printing and ETF. Every argument is checked: a NULL handle, a wrong type, bad
// UTF-8 or a full atom table gives NULL / 0 / ERGOD_EBADARG, never a crash or an exception
// across the C boundary.
#include <cstring>
#include <exception>
#include <vector>

#include "plugin/host_functions.h"
#include "plugin/term_handle.h"
#include "term/etf_decode.h"
#include "term/etf_encode.h"
#include "term/utf8.h"

namespace ergod::plugin {
namespace {

using term::Atom;

bool make_atom_of(const char* name, size_t size, Atom& out) {
  if (!name && size) return false;
  return Atom::try_make(std::string_view(name ? name : "", size), out);
}
bool make_atom_of(const char* name, Atom& out) { return name && make_atom_of(name, std::strlen(name), out); }

// Copies n handles into Terms; false when one is NULL or the array is missing.
bool borrow_all(const ergod_term* elems, size_t n, std::vector<Term>& out) {
  if (n && !elems) return false;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    if (!elems[i]) return false;
    out.push_back(*Borrowed(elems[i]));
  }
  return true;
}

// ---- lifetime ---------------------------------------------------------------------------------

void h_release(ergod_term t) { take_handle(t); }
ergod_term h_copy(ergod_term t) { return t ? to_handle(*Borrowed(t)) : nullptr; }

ergod_type h_type_of(ergod_term t) {
  if (!t) return ERGOD_TYPE_NONE;
  Borrowed b(t);
  switch (b->kind()) {
    case term::Kind::Integer: return ERGOD_TYPE_INTEGER;
    case term::Kind::Float: return ERGOD_TYPE_FLOAT;
    case term::Kind::Atom: return ERGOD_TYPE_ATOM;
    case term::Kind::Reference: return ERGOD_TYPE_REFERENCE;
    case term::Kind::Fun: return ERGOD_TYPE_FUN;
    case term::Kind::Port: return ERGOD_TYPE_PORT;
    case term::Kind::Pid: return ERGOD_TYPE_PID;
    case term::Kind::Tuple: return ERGOD_TYPE_TUPLE;
    case term::Kind::Map: return ERGOD_TYPE_MAP;
    case term::Kind::Nil: return ERGOD_TYPE_NIL;
    case term::Kind::List: return ERGOD_TYPE_LIST;
    case term::Kind::Binary: return b->bits_in_last() ? ERGOD_TYPE_BITSTRING : ERGOD_TYPE_BINARY;
  }
  return ERGOD_TYPE_NONE;
}

// ---- builders ---------------------------------------------------------------------------------

ergod_term h_make_int(int64_t v) { return guarded<ergod_term>(nullptr, [&] { return to_handle(Term::integer(v)); }); }
ergod_term h_make_uint(uint64_t v) {
  return guarded<ergod_term>(nullptr, [&] { return to_handle(Term::unsigned_integer(v)); });
}
ergod_term h_make_big(int negative, const uint8_t* le_bytes, size_t size) {
  if (!le_bytes && size) return nullptr;
  return guarded<ergod_term>(nullptr, [&] {
    return to_handle(Term::big_bytes(negative != 0, std::span<const uint8_t>(le_bytes, size)));
  });
}
ergod_term h_make_float(double v) { return guarded<ergod_term>(nullptr, [&] { return to_handle(Term::floating(v)); }); }
ergod_term h_make_atom(const char* utf8, size_t size) {
  Atom a;
  if (!make_atom_of(utf8, size, a)) return nullptr;
  return to_handle(Term::atom(a));
}
ergod_term h_make_bitstring(const void* data, size_t size, unsigned bits_in_last) {
  if ((!data && size) || bits_in_last > 7 || (bits_in_last && !size)) return nullptr;
  return guarded<ergod_term>(nullptr, [&] {
    std::span<const uint8_t> bytes(static_cast<const uint8_t*>(data), size);
    return to_handle(Term::bitstring(bytes, uint8_t(bits_in_last)));
  });
}
ergod_term h_make_binary(const void* data, size_t size) { return h_make_bitstring(data, size, 0); }
ergod_term h_make_string(const char* utf8, size_t size) {
  if (!utf8 && size) return nullptr;
  return guarded<ergod_term>(nullptr, [&]() -> ergod_term {
    auto list = term::charlist(std::string_view(utf8 ? utf8 : "", size));
    return list ? to_handle(std::move(*list)) : nullptr;
  });
}
ergod_term h_make_nil(void) { return to_handle(Term::nil()); }
ergod_term h_make_list(const ergod_term* elems, size_t n, ergod_term tail) {
  return guarded<ergod_term>(nullptr, [&]() -> ergod_term {
    std::vector<Term> items;
    if (!borrow_all(elems, n, items)) return nullptr;
    Term t = tail ? *Borrowed(tail) : Term::nil();
    return to_handle(Term::list(items, std::move(t)));
  });
}
ergod_term h_make_tuple(const ergod_term* elems, size_t n) {
  if (n > UINT32_MAX) return nullptr;
  return guarded<ergod_term>(nullptr, [&]() -> ergod_term {
    std::vector<Term> items;
    if (!borrow_all(elems, n, items)) return nullptr;
    return to_handle(Term::tuple(std::span<const Term>(items)));
  });
}
ergod_term h_make_map(const ergod_term* keys, const ergod_term* values, size_t n) {
  if (n > UINT32_MAX) return nullptr;
  return guarded<ergod_term>(nullptr, [&]() -> ergod_term {
    std::vector<Term> ks, vs;
    if (!borrow_all(keys, n, ks) || !borrow_all(values, n, vs)) return nullptr;
    std::vector<std::pair<Term, Term>> pairs;
    pairs.reserve(n);
    for (size_t i = 0; i < n; ++i) pairs.emplace_back(std::move(ks[i]), std::move(vs[i]));
    return to_handle(Term::map(std::span<const std::pair<Term, Term>>(pairs)));
  });
}
ergod_term h_make_pid(const char* node, uint32_t id, uint32_t serial, uint32_t creation) {
  Atom n;
  if (!make_atom_of(node, n)) return nullptr;
  return guarded<ergod_term>(nullptr, [&] { return to_handle(Term::pid(n, id, serial, creation)); });
}
ergod_term h_make_port(const char* node, uint64_t id, uint32_t creation) {
  Atom n;
  if (!make_atom_of(node, n)) return nullptr;
  return guarded<ergod_term>(nullptr, [&] { return to_handle(Term::port(n, id, creation)); });
}
ergod_term h_make_reference(const char* node, uint32_t creation, const uint32_t* ids, size_t n) {
  Atom a;
  if (!ids || n < 1 || n > 5 || !make_atom_of(node, a)) return nullptr;
  return guarded<ergod_term>(nullptr, [&] {
    return to_handle(Term::reference(a, creation, std::span<const uint32_t>(ids, n)));
  });
}
ergod_term h_make_export_fun(const char* module, const char* function, uint8_t arity) {
  Atom m, f;
  if (!make_atom_of(module, m) || !make_atom_of(function, f)) return nullptr;
  return guarded<ergod_term>(nullptr, [&] { return to_handle(Term::export_fun(m, f, arity)); });
}

// ---- accessors --------------------------------------------------------------------------------

ergod_status h_get_int64(ergod_term t, int64_t* out) {
  int64_t v;
  if (!t || !out || !Borrowed(t)->to_int64(v)) return ERGOD_EBADARG;
  *out = v;
  return ERGOD_OK;
}
ergod_status h_get_uint64(ergod_term t, uint64_t* out) {
  uint64_t v;
  if (!t || !out || !Borrowed(t)->to_uint64(v)) return ERGOD_EBADARG;
  *out = v;
  return ERGOD_OK;
}
size_t h_get_big(ergod_term t, int* negative, uint8_t* le_bytes, size_t cap) {
  if (!t) return 0;
  Borrowed b(t);
  if (!b->is_integer()) return 0;
  bool neg;
  std::vector<uint64_t> digits;
  if (b->is_small()) {
    int64_t v = b->small_value();
    neg = v < 0;
    digits.push_back(neg ? uint64_t(0) - uint64_t(v) : uint64_t(v));
  } else {
    const auto* big = b->as<term::BigBox>();
    neg = big->negative;
    digits.assign(big->digits, big->digits + big->n);
  }
  // Zero still takes one byte, so that 0 only ever means "not an integer".
  size_t needed = digits.size() * 8;
  auto byte_at = [&](size_t i) { return uint8_t(digits[i / 8] >> (8 * (i % 8))); };
  while (needed > 1 && byte_at(needed - 1) == 0) --needed;
  if (negative) *negative = neg ? 1 : 0;
  if (le_bytes)
    for (size_t i = 0; i < needed && i < cap; ++i) le_bytes[i] = byte_at(i);
  return needed;
}
ergod_status h_get_float(ergod_term t, double* out) {
  if (!t || !out) return ERGOD_EBADARG;
  Borrowed b(t);
  if (!b->is_float()) return ERGOD_EBADARG;
  *out = b->float_value();
  return ERGOD_OK;
}
const char* h_atom_name(ergod_term t, size_t* size) {
  if (!t) return nullptr;
  Borrowed b(t);
  if (!b->is_atom()) return nullptr;
  std::string_view name = b->atom_value().name();  // the atom table keeps a NUL after it
  if (size) *size = name.size();
  return name.data();
}
int h_is_atom(ergod_term t, const char* name) {
  if (!t || !name) return 0;
  Borrowed b(t);
  return b->is_atom() && b->atom_value().name() == std::string_view(name);
}
const uint8_t* h_binary_data(ergod_term t, size_t* size, unsigned* bits_in_last) {
  if (!t) return nullptr;
  Borrowed b(t);
  if (!b->is_bitstring()) return nullptr;
  auto bytes = b->bytes();
  if (size) *size = bytes.size();
  if (bits_in_last) *bits_in_last = b->bits_in_last();
  static const uint8_t empty = 0;
  return bytes.empty() ? &empty : bytes.data();  // never NULL for a binary, even an empty one
}
size_t h_tuple_arity(ergod_term t) {
  if (!t) return 0;
  Borrowed b(t);
  return b->is_tuple() ? b->tuple_arity() : 0;
}
ergod_term h_tuple_element(ergod_term t, size_t i) {
  if (!t) return nullptr;
  Borrowed b(t);
  if (!b->is_tuple() || i >= b->tuple_arity()) return nullptr;
  return to_handle(b->element(i));
}
ergod_status h_list_cell(ergod_term t, ergod_term* head, ergod_term* tail) {
  if (!t) return ERGOD_EBADARG;
  Borrowed b(t);
  if (!b->is_cons()) return ERGOD_EBADARG;
  if (head) *head = to_handle(b->head());
  if (tail) *tail = to_handle(b->tail());
  return ERGOD_OK;
}
int64_t h_list_length(ergod_term t) {
  if (!t) return -1;
  Borrowed b(t);
  return b->is_list() ? term::list_length(*b) : -1;
}
size_t h_map_size(ergod_term t) {
  if (!t) return 0;
  Borrowed b(t);
  return b->is_map() ? b->map_size() : 0;
}
ergod_term h_map_get(ergod_term map, ergod_term key) {
  if (!map || !key) return nullptr;
  Borrowed m(map), k(key);
  if (!m->is_map()) return nullptr;
  return guarded<ergod_term>(nullptr, [&]() -> ergod_term {
    Term v = m->map_get(*k);
    return v ? to_handle(std::move(v)) : nullptr;
  });
}
ergod_status h_map_entry(ergod_term map, size_t i, ergod_term* key, ergod_term* value) {
  if (!map) return ERGOD_EBADARG;
  Borrowed m(map);
  if (!m->is_map() || i >= m->map_size()) return ERGOD_EBADARG;
  if (key) *key = to_handle(m->map_key(i));
  if (value) *value = to_handle(m->map_value(i));
  return ERGOD_OK;
}
ergod_status h_pid_parts(ergod_term t, const char** node, uint32_t* id, uint32_t* serial, uint32_t* creation) {
  if (!t) return ERGOD_EBADARG;
  Borrowed b(t);
  if (!b->is_pid()) return ERGOD_EBADARG;
  const auto* p = b->as<term::PidBox>();
  if (node) *node = p->node.name().data();
  if (id) *id = p->id;
  if (serial) *serial = p->serial;
  if (creation) *creation = p->creation;
  return ERGOD_OK;
}
ergod_status h_port_parts(ergod_term t, const char** node, uint64_t* id, uint32_t* creation) {
  if (!t) return ERGOD_EBADARG;
  Borrowed b(t);
  if (!b->is_port()) return ERGOD_EBADARG;
  const auto* p = b->as<term::PortBox>();
  if (node) *node = p->node.name().data();
  if (id) *id = p->id;
  if (creation) *creation = p->creation;
  return ERGOD_OK;
}
ergod_status h_reference_parts(ergod_term t, const char** node, uint32_t* creation, uint32_t* ids, size_t* n) {
  if (!t || !n) return ERGOD_EBADARG;
  Borrowed b(t);
  if (!b->is_reference()) return ERGOD_EBADARG;
  const auto* r = b->as<term::RefBox>();
  size_t cap = *n;
  *n = r->len;
  if (!ids || cap < r->len) return ERGOD_EBADARG;  // *n says how many it needs
  std::memcpy(ids, r->ids, r->len * sizeof(uint32_t));
  if (node) *node = r->node.name().data();
  if (creation) *creation = r->creation;
  return ERGOD_OK;
}
ergod_status h_fun_parts(ergod_term t, const char** module, const char** function, uint32_t* arity) {
  if (!t) return ERGOD_EBADARG;
  Borrowed b(t);
  if (!b->is_box() || b->box()->kind != term::BoxKind::ExportFun) return ERGOD_EBADARG;
  const auto* f = b->as<term::ExportFunBox>();
  if (module) *module = f->module.name().data();
  if (function) *function = f->function.name().data();
  if (arity) *arity = f->arity;
  return ERGOD_OK;
}

// ---- comparison, printing, ETF ------------------------------------------------------------------

// NULL sorts before every term (and equals NULL), so sorting never needs a special case.
int h_compare(ergod_term a, ergod_term b) {
  if (!a || !b) return (a != nullptr) - (b != nullptr);
  int c = term::compare(*Borrowed(a), *Borrowed(b));
  return (c > 0) - (c < 0);
}
int h_equal(ergod_term a, ergod_term b) {
  if (!a || !b) return 0;
  return *Borrowed(a) == *Borrowed(b);
}
size_t h_format(ergod_term t, char* buf, size_t cap) {
  return guarded<size_t>(0, [&]() -> size_t {
    std::string s = t ? term::to_string(*Borrowed(t)) : std::string();
    if (buf && cap) {
      size_t n = std::min(s.size(), cap - 1);
      std::memcpy(buf, s.data(), n);
      buf[n] = 0;
    }
    return s.size();
  });
}
ergod_term h_to_etf(ergod_term t) {
  if (!t) return nullptr;
  return guarded<ergod_term>(nullptr, [&] {
    std::vector<uint8_t> bytes = term::encode(*Borrowed(t));
    return to_handle(Term::binary(bytes));
  });
}
void set_error(char* err, size_t cap, std::string_view what) {
  if (!err || !cap) return;
  size_t n = std::min(what.size(), cap - 1);
  std::memcpy(err, what.data(), n);
  err[n] = 0;
}
ergod_term h_from_etf(const void* data, size_t size, char* err, size_t err_cap) {
  if (!data && size) {
    set_error(err, err_cap, "no data");
    return nullptr;
  }
  try {
    auto r = term::decode(std::span<const uint8_t>(static_cast<const uint8_t*>(data), size));
    if (!r) {
      set_error(err, err_cap, r.error());
      return nullptr;
    }
    set_error(err, err_cap, "");
    return to_handle(std::move(r).value());
  } catch (const std::exception& e) {
    set_error(err, err_cap, e.what());
    return nullptr;
  }
}

}  // namespace

void fill_term_functions(ergod_host& h) {
  h.release = h_release;
  h.copy = h_copy;
  h.type_of = h_type_of;
  h.make_int = h_make_int;
  h.make_uint = h_make_uint;
  h.make_big = h_make_big;
  h.make_float = h_make_float;
  h.make_atom = h_make_atom;
  h.make_binary = h_make_binary;
  h.make_bitstring = h_make_bitstring;
  h.make_string = h_make_string;
  h.make_nil = h_make_nil;
  h.make_list = h_make_list;
  h.make_tuple = h_make_tuple;
  h.make_map = h_make_map;
  h.make_pid = h_make_pid;
  h.make_port = h_make_port;
  h.make_reference = h_make_reference;
  h.make_export_fun = h_make_export_fun;
  h.get_int64 = h_get_int64;
  h.get_uint64 = h_get_uint64;
  h.get_big = h_get_big;
  h.get_float = h_get_float;
  h.atom_name = h_atom_name;
  h.is_atom = h_is_atom;
  h.binary_data = h_binary_data;
  h.tuple_arity = h_tuple_arity;
  h.tuple_element = h_tuple_element;
  h.list_cell = h_list_cell;
  h.list_length = h_list_length;
  h.map_size = h_map_size;
  h.map_get = h_map_get;
  h.map_entry = h_map_entry;
  h.pid_parts = h_pid_parts;
  h.port_parts = h_port_parts;
  h.reference_parts = h_reference_parts;
  h.fun_parts = h_fun_parts;
  h.compare = h_compare;
  h.equal = h_equal;
  h.format = h_format;
  h.to_etf = h_to_etf;
  h.from_etf = h_from_etf;
}

}  // namespace ergod::plugin
