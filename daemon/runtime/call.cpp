// The synchronous call: gen.erl's do_call without blocking a thread.
//
// call() does what do_call does before its receive (monitor, send {Label, {self(), Tag},
// Request}) and records what the receive waits for. From then on the run loop does not hand
// messages to the behavior: step_call() looks only at messages that arrived after the call
// started (a fresh reference cannot be in older ones: BEAM's receive-marker optimisation),
// for {Tag, Reply} or the monitor's DOWN, or notices the timeout. Then the continuation runs,
// then the held-back messages, from the first, in their order.

#include "runtime/ids.h"
#include "runtime/process_extras.h"
#include "runtime/runtime.h"
#include "runtime/timer_service.h"

namespace ergod::runtime {

using namespace term::atoms;

namespace {

bool same_ref(const Term& a, const Term& b) { return a.raw() == b.raw() || (a.is_reference() && a == b); }

// target =:= self() for a pid, field by field: the general comparison was 3% of call_64to1.
bool is_self(const Term& target, const Term& self) {
  if (target.raw() == self.raw()) return true;
  if (!target.is_pid()) return false;
  auto* a = target.as<term::PidBox>();
  auto* b = self.as<term::PidBox>();
  return a->id == b->id && a->serial == b->serial && a->node == b->node && a->creation == b->creation;
}

}  // namespace

// {Label, {self(), Tag}, Request}, built with moves (tuple_take) rather than copies.
Term Process::request_message(Atom label, bool alias, const Term& mref, Term request) const {
  Term from[2] = {self_, alias ? Term::cons(Term::atom(term::atoms::alias), mref) : mref};
  Term msg[3] = {Term::atom(label), Term::tuple_take(from, 2), std::move(request)};
  return Term::tuple_take(msg, 3);
}

namespace {

}  // namespace

bool Process::in_call() const noexcept { return extras_ && extras_->wait.active; }

// A second wait before the first one's continuation ran: a programming error, which ends the
// process like a runtime error would in Erlang (rather than silently dropping a continuation).
void Process::already_waiting() {
  exit(Term::tuple({Term::atom(badarg), Term::atom("already_waiting")}));
}

void Process::call(const Term& dest, Atom label, Term request, int64_t timeout_ms, CallContinuation k) {
  auto& x = extras();
  CallWait& w = x.wait;
  if (w.active) return already_waiting();
  w.active = true;
  w.k = std::move(k);
  w.has_outcome = false;
  w.timed_out = false;
  w.deadline = 0;
  w.dest = Term();
  w.mref = Term();
  auto fail = [&](Term reason) {
    w.has_outcome = true;
    w.outcome = CallOutcome{false, std::move(reason)};
  };

  Term resolved;               // a pid found by name
  const Term* target = &dest;  // no copy of dest on the common path: each costs two atomics
  bool local = true;
  if (dest.is_pid()) {
    local = rt_->is_local_pid(dest);
  } else if (dest.is_atom() ||
             (dest.is_tuple() && dest.tuple_arity() == 2 && dest.element(0).is_atom() &&
              dest.element(1).is_atom() && dest.element(1).is_atom(rt_->node()))) {
    Atom name = dest.is_atom() ? dest.atom_value() : dest.element(0).atom_value();
    resolved = rt_->whereis(name);
    if (!resolved) return fail(Term::atom(noproc));
    target = &resolved;
  } else if (dest.is_tuple() && dest.tuple_arity() == 2 && dest.element(0).is_atom() && dest.element(1).is_atom()) {
    if (rt_->node() == nonode_nohost) return fail(Term::tuple({Term::atom(nodedown), dest.element(1)}));
    local = false;
  } else {
    return fail(Term::atom(badarg));
  }
  if (is_self(*target, self_)) return fail(Term::atom(calling_self));

  // Local callee, no timeout: a plain monitor and Mref as the tag (no late reply possible).
  bool alias = !(timeout_ms == kInfinity && local);
  MonitorAlias mode = alias ? MonitorAlias::demonitor : MonitorAlias::none;
  if (local && target->is_pid()) {
    // The monitor and the request travel as one signal (they are consecutive signals to the
    // same process, so nothing can tell the difference).
    Term mref = make_ref();
    add_monitor_out(mref, *target, Term(), mode);
    Term msg = request_message(label, alias, mref, std::move(request));
    if (Process* p = rt_->acquire(*target)) {
      Signal* s = alloc_signal(SignalKind::MonitorMessage);
      s->from = self_;
      s->ref = mref;
      s->payload = std::move(msg);
      rt_->push(p, s);
      rt_->release(p);
    } else {
      send_down_self(mref, *target, Term::atom(noproc));
    }
    w.mref = std::move(mref);
  } else {
    w.dest = dest;  // for {nodedown, Node}
    Term mref = monitor(*target, mode);
    send(*target, request_message(label, alias, mref, std::move(request)));
    w.mref = std::move(mref);
  }
  w.alias_tag = alias;
  messages_.mark_scanned_all();
  start_wait(timeout_ms);
}

void Process::start_wait(int64_t timeout_ms) {
  if (timeout_ms == kInfinity) return;
  auto& x = *extras_;
  CallWait& w = x.wait;
  w.deadline = deadline_after_ms(timeout_ms);
  if (x.timer_armed_at == 0 || x.timer_armed_at > w.deadline) {
    x.timer_armed_at = w.deadline;
    rt_->timers_->arm_check(id_, self_.as<term::PidBox>()->serial, w.deadline);
  }
}

void Process::receive(ReceiveMatcher match, int64_t timeout_ms, ReceiveContinuation k) {
  auto& x = extras();
  CallWait& w = x.wait;
  if (w.active) return already_waiting();
  w.active = true;
  w.select = true;
  w.has_outcome = false;
  w.timed_out = false;
  w.deadline = 0;
  w.match = std::move(match);
  w.rk = std::move(k);
  messages_.set_scan_prev(nullptr);  // a general pattern may match an older message
  start_wait(timeout_ms);
}

bool Process::step_receive() {
  CallWait& w = extras_->wait;
  Signal* prev = messages_.scan_prev();
  for (Signal* s = messages_.first_unscanned(); s; prev = s, s = s->next_signal()) {
    if (s->kind == SignalKind::Down) {  // the tuple form, as the behavior would see it
      s->payload = Term::tuple({Term::atom(DOWN), std::move(s->ref), Term::atom(process), std::move(s->from),
                                std::move(s->payload)});
      s->kind = SignalKind::Message;
    }
    if (!w.match(s->payload)) continue;
    messages_.remove(prev, s);
    std::optional<Term> got(std::move(s->payload));
    free_signal(s);
    ReceiveContinuation k = std::move(w.rk);
    w = CallWait{};
    messages_.set_scan_prev(nullptr);
    guarded([&] { k(*this, std::move(got)); });
    return true;
  }
  messages_.set_scan_prev(prev);
  if (w.timed_out) {
    ReceiveContinuation k = std::move(w.rk);
    w = CallWait{};
    messages_.set_scan_prev(nullptr);
    guarded([&] { k(*this, std::nullopt); });
    return true;
  }
  return false;
}

bool Process::matches_reply(const Signal* s) const noexcept {
  const CallWait& w = extras_->wait;
  if (s->kind == SignalKind::Down) return same_ref(s->ref, w.mref);
  if (s->kind != SignalKind::Message && s->kind != SignalKind::AliasMessage) return false;
  const Term& m = s->payload;
  if (!m.is_tuple() || m.tuple_arity() != 2) return false;
  const Term& tag = m.element(0);
  if (w.alias_tag) return tag.is_cons() && tag.head().is_atom(term::atoms::alias) && same_ref(tag.tail(), w.mref);
  return same_ref(tag, w.mref);
}

bool Process::step_call() {
  CallWait& w = extras_->wait;
  if (w.select) return step_receive();
  if (w.has_outcome) {
    CallOutcome out = std::move(w.outcome);
    complete_call(std::move(out));
    return true;
  }
  Signal* prev = messages_.scan_prev();
  for (Signal* s = messages_.first_unscanned(); s; prev = s, s = s->next_signal()) {
    if (!matches_reply(s)) continue;
    messages_.remove(prev, s);
    CallOutcome out;
    if (s->kind == SignalKind::Down) {
      // The DOWN already ended the monitor (on_down). noconnection means the node went away.
      if (s->payload.is_atom(noconnection)) {
        Atom node = w.dest.is_pid() ? pid_node(w.dest) : w.dest.element(1).atom_value();
        out = CallOutcome{false, Term::tuple({Term::atom(nodedown), Term::atom(node)})};
      } else {
        out = CallOutcome{false, std::move(s->payload)};
      }
    } else {
      out = CallOutcome{true, s->payload.element(1)};
      if (s->flags & kSigMonitorDropped) {
        // The callee dropped its side of the monitor when it replied (drop_call_monitor):
        // no DOWN can come, so ending ours is all demonitor(Mref, [flush]) has left to do.
        if (auto* e = extras_->out.find(ref_key(w.mref), w.mref)) extras_->out.erase(e);
      } else {
        demonitor(w.mref, true);
      }
    }
    free_signal(s);
    complete_call(std::move(out));
    return true;
  }
  messages_.set_scan_prev(prev);
  if (w.timed_out) {
    // gen.erl: demonitor with flush (which also ends the alias, so a late reply is dropped),
    // then a last look for a reply that is already here: step_call just did that.
    demonitor(w.mref, true);
    complete_call(CallOutcome{false, Term::atom(timeout)});
    return true;
  }
  return false;
}

void Process::complete_call(CallOutcome outcome) {
  CallWait& w = extras_->wait;
  CallContinuation k = std::move(w.k);
  w.active = false;
  w.has_outcome = false;
  w.timed_out = false;
  w.deadline = 0;
  w.mref = Term();
  w.dest = Term();
  w.outcome = CallOutcome{};
  messages_.set_scan_prev(nullptr);
  guarded([&] { k(*this, std::move(outcome)); });
}

void Process::on_timer_check(Signal* s) {
  uint64_t at = 0;
  s->payload.to_uint64(at);
  free_signal(s);
  if (!extras_) return;
  auto& x = *extras_;
  if (x.timer_armed_at == at) x.timer_armed_at = 0;
  CallWait& w = x.wait;
  if (!w.active || w.deadline == 0 || w.has_outcome) return;
  if (now_ns() >= w.deadline) {
    w.timed_out = true;
    return;
  }
  if (x.timer_armed_at == 0 || x.timer_armed_at > w.deadline) {  // fired for an earlier call
    x.timer_armed_at = w.deadline;
    rt_->timers_->arm_check(id_, self_.as<term::PidBox>()->serial, w.deadline);
  }
}

}  // namespace ergod::runtime
