// The ABI 3 functions of the host table: pg's join, leave and reads for plugin processes, in
// the scope `pg` (services/pg.h). A join or leave is the {join_local | leave_local, ...} call
// pg.erl makes, sent without waiting: its reply goes to an alias that was never made, so the
// runtime drops it (gen_server::stop does the same), and the callback does not block.
#include "plugin/host_functions.h"
#include "plugin/host_table.h"
#include "plugin/proc_context.h"
#include "plugin/term_handle.h"
#include "runtime/ids.h"
#include "runtime/runtime.h"
#include "services/pg_table.h"

namespace ergod::plugin {
namespace {

using runtime::Process;
using term::Atom;

const Atom kScope = Atom::make("pg");

// pg.erl's ensure_local: a pid of this node, or a proper list of them.
bool local_pids(const Term& pids, Atom node) {
  auto local = [node](const Term& p) { return p.is_pid() && runtime::pid_node(p) == node; };
  if (pids.is_pid()) return local(pids);
  Term l = pids;
  for (; l.is_cons(); l = l.tail())
    if (!local(l.head())) return false;
  return l.is_nil();
}

ergod_status scope_request(ergod_proc* p, const char* tag, ergod_term group, ergod_term pids) {
  Process* self = p ? p->process : nullptr;
  if (!self || !group) return ERGOD_EBADARG;
  return guarded(ERGOD_EBADARG, [&] {
    Term members = pids ? *Borrowed(pids) : self->self();
    if (!local_pids(members, self->runtime().node())) return ERGOD_EBADARG;
    Term scope = self->runtime().whereis(kScope);
    if (!scope) return ERGOD_ENOTFOUND;
    Term tag_ref = Term::cons(Term::atom("alias"), self->make_ref());
    Term request = Term::tuple({Term::atom(tag), *Borrowed(group), std::move(members)});
    self->send(scope, Term::tuple({Term::atom("$gen_call"), Term::tuple({self->self(), tag_ref}), std::move(request)}));
    return ERGOD_OK;
  });
}

ergod_status h_pg_join(ergod_proc* p, ergod_term group, ergod_term pids) {
  return scope_request(p, "join_local", group, pids);
}
ergod_status h_pg_leave(ergod_proc* p, ergod_term group, ergod_term pids) {
  return scope_request(p, "leave_local", group, pids);
}

template <class Read>
ergod_term read_table(ergod_term group, Read read) {
  runtime::Runtime* rt = host_runtime();
  if (!group || !rt) return nullptr;
  return guarded<ergod_term>(nullptr, [&] {
    auto table = services::pg_table_find(rt->node(), kScope);
    return to_handle(table ? read(*table, *Borrowed(group)) : Term::nil());
  });
}
ergod_term h_pg_get_members(ergod_term group) {
  return read_table(group, [](const services::PgTable& t, const Term& g) { return t.members(g); });
}
ergod_term h_pg_get_local_members(ergod_term group) {
  return read_table(group, [](const services::PgTable& t, const Term& g) { return t.local_members(g); });
}

}  // namespace

void fill_group_functions(ergod_host& h) {
  h.pg_join = h_pg_join;
  h.pg_leave = h_pg_leave;
  h.pg_get_members = h_pg_get_members;
  h.pg_get_local_members = h_pg_get_local_members;
}

}  // namespace ergod::plugin
