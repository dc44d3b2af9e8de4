// Monitors (both ends) and aliases.
//
// The monitoring process keeps an OutEntry per monitor/alias reference it made; the monitored
// process keeps an InEntry per monitor on it. A DOWN is delivered only while the OutEntry says
// the monitor is active, so after demonitor() no DOWN for it can arrive, even one already in
// flight (Erlang's guarantee). An alias message is delivered only while the entry says the
// alias is active; {alias, demonitor} ties the alias to the monitor, which is what lets a
// timed-out gen call drop a late reply.
#include <algorithm>

#include "runtime/ids.h"
#include "runtime/process_extras.h"
#include "runtime/process_table.h"
#include "runtime/runtime.h"

namespace ergod::runtime {

using namespace term::atoms;

namespace {

uint8_t alias_flags(MonitorAlias a) {
  switch (a) {
    case MonitorAlias::none: return 0;
    case MonitorAlias::explicit_unalias: return kOutAlias;
    case MonitorAlias::demonitor: return kOutAlias | kOutAliasWithMon;
    case MonitorAlias::reply_demonitor: return kOutAlias | kOutAliasWithMon | kOutAliasReply;
  }
  return 0;
}

bool is_name_node(const Term& t) {
  return t.is_tuple() && t.tuple_arity() == 2 && t.element(0).is_atom() && t.element(1).is_atom();
}

}  // namespace

void Process::add_monitor_out(Term ref, Term target, Term object, MonitorAlias alias) {
  uint64_t k = ref_key(ref);
  auto& x = extras();
  x.out.insert(k, std::move(ref),
               OutEntry{std::move(target), std::move(object), uint8_t(kOutMonitor | alias_flags(alias)), x.seq()});
}

void Process::add_monitor_in(Term ref, Term origin, uint32_t name_plus1, bool call) {
  uint64_t k = ref_key(ref);
  extras().in.insert(k, std::move(ref), InEntry{std::move(origin), name_plus1, call});
}

// A reply to a local call ({[alias | Mref], Reply} to the alias Mref, or {Mref, Reply} to the
// caller's pid) ends the call's monitor on both sides: the caller demonitors as soon as it
// sees the reply (gen.erl). So the callee drops its side now and flags the reply, and the
// caller skips the Demonitor signal: one signal less per call, same observable behavior.
// Only monitors made by call() qualify, and only for exactly the reply the call waits for.
uint8_t Process::drop_call_monitor(const Term& dest, const Term& message) {
  if (!message.is_tuple() || message.tuple_arity() != 2) return 0;
  const Term& tag = message.element(0);
  const Term* ref = nullptr;
  if (tag.is_cons()) {
    if (!tag.head().is_atom(term::atoms::alias) || !tag.tail().is_reference()) return 0;
    if (!dest.is_reference() || !(dest.raw() == tag.tail().raw() || dest == tag.tail())) return 0;
    ref = &tag.tail();
  } else if (tag.is_reference() && dest.is_pid()) {
    ref = &tag;
  } else {
    return 0;
  }
  if (!rt_->is_local_ref(*ref)) return 0;
  auto* e = extras_->in.find(ref_key(*ref), *ref);
  if (!e || !e->value.call) return 0;
  if (dest.is_pid() && !(dest.raw() == e->value.origin.raw() || dest == e->value.origin)) return 0;
  extras_->in.erase(e);
  return kSigMonitorDropped;
}

void Process::send_down_self(const Term& ref, const Term& from, Term reason) {
  Signal* s = alloc_signal(SignalKind::Down);
  s->from = from;
  s->ref = ref;
  s->payload = std::move(reason);
  s->flags = kSigFromSelf;
  rt_->push(this, s);
}

Term Process::monitor(const Term& target, MonitorAlias alias) {
  if (target.is_pid()) {
    Term ref = make_ref();
    add_monitor_out(ref, target, Term(), alias);
    if (rt_->is_local_pid(target)) {
      Process* p = rt_->acquire(target);
      if (!p) {
        send_down_self(ref, target, Term::atom(noproc));
        return ref;
      }
      Signal* s = alloc_signal(SignalKind::Monitor);
      s->from = self_;
      s->ref = ref;
      rt_->push(p, s);
      rt_->release(p);
      return ref;
    }
    note_remote(target);
    rt_->signal(target, SignalKind::Monitor, self_, Term(), ref);  // noproc / noconnection back
    return ref;
  }
  Atom name, node = rt_->node();
  if (target.is_atom()) {
    name = target.atom_value();
  } else if (is_name_node(target)) {
    name = target.element(0).atom_value();
    node = target.element(1).atom_value();
  } else {
    return Term();  // badarg
  }
  Term ref = make_ref();
  Term object = Term::tuple({Term::atom(name), Term::atom(node)});
  if (node == rt_->node()) {
    uint64_t packed = rt_->registered_lookup(name);
    Process* p = packed ? rt_->table_->acquire(uint32_t(packed), uint32_t(packed >> 32)) : nullptr;
    if (!p) {
      add_monitor_out(ref, object, Term(), alias);
      send_down_self(ref, object, Term::atom(noproc));
      return ref;
    }
    add_monitor_out(ref, p->self_, object, alias);
    Signal* s = alloc_signal(SignalKind::Monitor);
    s->from = self_;
    s->ref = ref;
    s->flags = kSigByName;
    s->aux = name.index() + 1;
    rt_->push(p, s);
    rt_->release(p);
    return ref;
  }
  add_monitor_out(ref, object, Term(), alias);
  auto& nodes = extras().remote_nodes;
  if (std::find(nodes.begin(), nodes.end(), node.index()) == nodes.end()) {
    nodes.push_back(node.index());
    rt_->note_remote_node(node, this);
  }
  RemoteRouter* r = rt_->router();
  if (!r || !r->monitor(self_, node, Term::atom(name), ref)) send_down_self(ref, object, Term::atom(noconnection));
  return ref;
}

bool Process::demonitor(const Term& ref, bool flush) {
  if (!ref.is_reference() || !extras_) return false;
  auto& x = *extras_;
  auto* e = x.out.find(ref_key(ref), ref);
  bool active = e && (e->value.flags & kOutMonitor);
  if (active) {
    Term target;
    uint8_t f = e->value.flags;
    if ((f & kOutAlias) && !(f & kOutAliasWithMon)) {
      target = e->value.target;
      e->value.flags = uint8_t(f & ~kOutMonitor);
    } else {
      target = std::move(e->value.target);
      x.out.erase(e);
    }
    if (target.is_pid()) {
      rt_->signal(target, SignalKind::Demonitor, self_, Term(), ref);
    } else if (is_name_node(target) && !target.element(1).is_atom(rt_->node())) {
      if (RemoteRouter* r = rt_->router()) r->demonitor(self_, target.element(1).atom_value(), target.element(0), ref);
    }
  }
  if (flush) {
    Signal* prev = nullptr;
    for (Signal* s = messages_.front(); s;) {
      Signal* next = s->next_signal();
      if (s->kind == SignalKind::Down && (s->ref.raw() == ref.raw() || s->ref == ref)) {
        messages_.remove(prev, s);
        free_signal(s);
      } else {
        prev = s;
      }
      s = next;
    }
  }
  return active;
}

std::vector<Term> Process::monitored_by() const {
  std::vector<Term> out;
  if (extras_) extras_->in.for_each([&](auto& e) { out.push_back(e.value.origin); });
  return out;
}

std::vector<Term> Process::monitors() const {
  std::vector<Term> out;
  if (extras_)
    extras_->out.for_each([&](auto& e) {
      if (e.value.flags & kOutMonitor) out.push_back(e.term);
    });
  return out;
}

Term Process::alias(AliasMode mode) {
  Term ref = make_ref();
  uint8_t f = kOutAlias | (mode == AliasMode::reply ? kOutAliasReply : 0);
  extras().out.insert(ref_key(ref), ref, OutEntry{Term(), Term(), f});
  return ref;
}

bool Process::unalias(const Term& alias) {
  if (!alias.is_reference() || !extras_) return false;
  auto* e = extras_->out.find(ref_key(alias), alias);
  if (!e || !(e->value.flags & kOutAlias)) return false;
  e->value.flags &= uint8_t(~(kOutAlias | kOutAliasWithMon | kOutAliasReply));
  if (!(e->value.flags & kOutMonitor)) extras_->out.erase(e);
  return true;
}

void Process::on_monitor(Signal* s) {
  if (s->from.is_pid() && s->ref.is_reference()) {
    if (!rt_->is_local_pid(s->from)) note_remote(s->from);
    add_monitor_in(std::move(s->ref), std::move(s->from), (s->flags & kSigByName) ? s->aux : 0,
                   s->kind == SignalKind::MonitorMessage);
  }
  if (s->kind == SignalKind::MonitorMessage) {
    s->kind = SignalKind::Message;
    messages_.push_back(s);
    return;
  }
  free_signal(s);
}

void Process::on_demonitor(Signal* s) {
  if (extras_ && s->ref.is_reference()) extras_->in.erase(ref_key(s->ref), s->ref);
  free_signal(s);
}

bool Process::on_down(Signal* s) {
  auto* e = extras_ && s->ref.is_reference() ? extras_->out.find(ref_key(s->ref), s->ref) : nullptr;
  if (!e || !(e->value.flags & kOutMonitor)) {
    free_signal(s);  // demonitored already: Erlang never delivers it
    return true;
  }
  Term& object = e->value.object ? e->value.object : e->value.target;
  uint8_t f = e->value.flags;
  if ((f & kOutAlias) && !(f & kOutAliasWithMon)) {
    s->from = object;
    e->value.flags = uint8_t(f & ~kOutMonitor);
  } else {
    s->from = std::move(object);
    extras_->out.erase(e);
  }
  s->kind = SignalKind::Down;
  messages_.push_back(s);
  return true;
}

bool Process::on_alias_message(Signal* s) {
  auto* e = extras_ && s->ref.is_reference() ? extras_->out.find(ref_key(s->ref), s->ref) : nullptr;
  if (!e || !(e->value.flags & kOutAlias)) {
    free_signal(s);  // not (or no longer) an alias of this process
    return true;
  }
  if (e->value.flags & kOutAliasReply) {
    bool monitoring = e->value.flags & kOutMonitor;
    Term target = std::move(e->value.target);
    extras_->out.erase(e);
    if (monitoring && target.is_pid()) rt_->signal(target, SignalKind::Demonitor, self_, Term(), s->ref);
  }
  messages_.push_back(s);
  return true;
}

}  // namespace ergod::runtime
