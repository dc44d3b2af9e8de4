// See spawn_options.h.
#include "services/spawn_options.h"

#include <initializer_list>

namespace ergod::services {
namespace {

using term::Atom;
using term::Term;

bool one_of(const Term& t, std::initializer_list<const char*> names) {
  if (!t.is_atom()) return false;
  for (const char* n : names)
    if (t.is_atom(Atom::make(n))) return true;
  return false;
}

// erts takes these as small integers (below 2^59 on 64-bit).
bool size_value(const Term& t) { return t.is_small() && t.small_value() >= 0; }

bool is_bool(const Term& t) { return one_of(t, {"true", "false"}); }

bool max_heap_size(const Term& v) {
  if (size_value(v)) return true;
  if (!v.is_map()) return false;
  bool has_size = false;
  for (uint32_t i = 0; i < v.map_size(); ++i) {
    const Term& k = v.map_key(i);
    const Term& x = v.map_value(i);
    if (k.is_atom(Atom::make("size"))) {
      if (!size_value(x)) return false;
      has_size = true;
    } else if (one_of(k, {"kill", "error_logger"})) {
      if (!is_bool(x)) return false;
    } else {
      return false;
    }
  }
  return has_size;
}

bool monitor_options(const Term& l) {
  Term t = l;
  for (; t.is_cons(); t = t.tail()) {
    const Term& o = t.head();
    if (!o.is_tuple() || o.tuple_arity() != 2) return false;
    if (o.element(0).is_atom(Atom::make("alias"))) {
      if (!one_of(o.element(1), {"explicit_unalias", "demonitor", "reply_demonitor"})) return false;
    } else if (!o.element(0).is_atom(Atom::make("tag"))) {
      return false;
    }
  }
  return t.is_nil();
}

bool valid(const Term& o) {
  if (one_of(o, {"link", "monitor"})) return true;
  if (!o.is_tuple() || o.tuple_arity() != 2 || !o.element(0).is_atom()) return false;
  std::string_view k = o.element(0).atom_value().name();
  const Term& v = o.element(1);
  if (k == "monitor") return monitor_options(v);
  if (k == "priority") return one_of(v, {"low", "normal", "high", "max"});
  if (k == "fullsweep_after" || k == "min_heap_size" || k == "min_bin_vheap_size" || k == "scheduler")
    return size_value(v);
  if (k == "max_heap_size") return max_heap_size(v);
  if (k == "message_queue_data") return one_of(v, {"off_heap", "on_heap"});
  if (k == "reply") return one_of(v, {"yes", "no", "error_only", "success_only"});
  if (k == "reply_tag") return true;
  return false;
}

}  // namespace

SpawnOptionsCheck check_spawn_options(const Term& options) {
  Term l = options;
  bool bad = false;
  for (; l.is_cons(); l = l.tail())
    if (!valid(l.head())) bad = true;
  if (!l.is_nil()) return SpawnOptionsCheck::badarg;
  return bad ? SpawnOptionsCheck::badopt : SpawnOptionsCheck::ok;
}

}  // namespace ergod::services
