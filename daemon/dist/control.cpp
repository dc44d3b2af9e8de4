// Control message tuples <-> Control (see control.h).
#include "dist/control.h"

namespace ergod::dist {

using term::Term;

const char* to_string(ControlOp op) {
  switch (op) {
    case ControlOp::link: return "LINK";
    case ControlOp::send: return "SEND";
    case ControlOp::exit: return "EXIT";
    case ControlOp::unlink: return "UNLINK";
    case ControlOp::node_link: return "NODE_LINK";
    case ControlOp::reg_send: return "REG_SEND";
    case ControlOp::group_leader: return "GROUP_LEADER";
    case ControlOp::exit2: return "EXIT2";
    case ControlOp::send_tt: return "SEND_TT";
    case ControlOp::exit_tt: return "EXIT_TT";
    case ControlOp::reg_send_tt: return "REG_SEND_TT";
    case ControlOp::exit2_tt: return "EXIT2_TT";
    case ControlOp::monitor_p: return "MONITOR_P";
    case ControlOp::demonitor_p: return "DEMONITOR_P";
    case ControlOp::monitor_p_exit: return "MONITOR_P_EXIT";
    case ControlOp::send_sender: return "SEND_SENDER";
    case ControlOp::send_sender_tt: return "SEND_SENDER_TT";
    case ControlOp::payload_exit: return "PAYLOAD_EXIT";
    case ControlOp::payload_exit_tt: return "PAYLOAD_EXIT_TT";
    case ControlOp::payload_exit2: return "PAYLOAD_EXIT2";
    case ControlOp::payload_exit2_tt: return "PAYLOAD_EXIT2_TT";
    case ControlOp::payload_monitor_p_exit: return "PAYLOAD_MONITOR_P_EXIT";
    case ControlOp::spawn_request: return "SPAWN_REQUEST";
    case ControlOp::spawn_request_tt: return "SPAWN_REQUEST_TT";
    case ControlOp::spawn_reply: return "SPAWN_REPLY";
    case ControlOp::spawn_reply_tt: return "SPAWN_REPLY_TT";
    case ControlOp::alias_send: return "ALIAS_SEND";
    case ControlOp::alias_send_tt: return "ALIAS_SEND_TT";
    case ControlOp::unlink_id: return "UNLINK_ID";
    case ControlOp::unlink_id_ack: return "UNLINK_ID_ACK";
  }
  return "?";
}

bool has_payload(ControlOp op) {
  switch (op) {
    case ControlOp::send: case ControlOp::reg_send: case ControlOp::send_tt: case ControlOp::reg_send_tt:
    case ControlOp::send_sender: case ControlOp::send_sender_tt: case ControlOp::payload_exit:
    case ControlOp::payload_exit_tt: case ControlOp::payload_exit2: case ControlOp::payload_exit2_tt:
    case ControlOp::payload_monitor_p_exit: case ControlOp::spawn_request: case ControlOp::spawn_request_tt:
    case ControlOp::alias_send: case ControlOp::alias_send_tt:
      return true;
    default:
      return false;
  }
}

ControlOp without_token(ControlOp op) {
  switch (op) {
    case ControlOp::send_tt: return ControlOp::send;
    case ControlOp::exit_tt: return ControlOp::exit;
    case ControlOp::reg_send_tt: return ControlOp::reg_send;
    case ControlOp::exit2_tt: return ControlOp::exit2;
    case ControlOp::send_sender_tt: return ControlOp::send_sender;
    case ControlOp::payload_exit_tt: return ControlOp::payload_exit;
    case ControlOp::payload_exit2_tt: return ControlOp::payload_exit2;
    case ControlOp::spawn_request_tt: return ControlOp::spawn_request;
    case ControlOp::spawn_reply_tt: return ControlOp::spawn_reply;
    case ControlOp::alias_send_tt: return ControlOp::alias_send;
    default: return op;
  }
}

namespace {

bool is_tt(ControlOp op) { return without_token(op) != op; }

// The field layout of each operation, as element kinds after the op code. The trace token of
// the _TT forms is listed where it sits.
enum class F : uint8_t { unused, from_pid, from_proc, to_pid, to_name, to_proc, to_alias, ref, id, reason,
                         token, gl, mfa, options, flags, result };

struct Layout {
  F f[7];
  uint8_t n;
};

bool layout_of(ControlOp op, Layout& l) {
  using enum F;
  switch (op) {
    case ControlOp::link: case ControlOp::unlink: case ControlOp::group_leader:
    case ControlOp::send_sender: case ControlOp::payload_exit: case ControlOp::payload_exit2:
      l = {{from_pid, to_pid}, 2}; return true;
    case ControlOp::send: l = {{unused, to_pid}, 2}; return true;
    case ControlOp::send_tt: l = {{unused, to_pid, token}, 3}; return true;
    case ControlOp::exit: case ControlOp::exit2: l = {{from_pid, to_pid, reason}, 3}; return true;
    case ControlOp::exit_tt: case ControlOp::exit2_tt: l = {{from_pid, to_pid, token, reason}, 4}; return true;
    case ControlOp::node_link: l = {{}, 0}; return true;
    case ControlOp::reg_send: l = {{from_pid, unused, to_name}, 3}; return true;
    case ControlOp::reg_send_tt: l = {{from_pid, unused, to_name, token}, 4}; return true;
    case ControlOp::monitor_p: case ControlOp::demonitor_p: l = {{from_pid, to_proc, ref}, 3}; return true;
    case ControlOp::monitor_p_exit: l = {{from_proc, to_pid, ref, reason}, 4}; return true;
    case ControlOp::payload_monitor_p_exit: l = {{from_proc, to_pid, ref}, 3}; return true;
    case ControlOp::send_sender_tt: case ControlOp::payload_exit_tt: case ControlOp::payload_exit2_tt:
      l = {{from_pid, to_pid, token}, 3}; return true;
    case ControlOp::spawn_request: l = {{ref, from_pid, gl, mfa, options}, 5}; return true;
    case ControlOp::spawn_request_tt: l = {{ref, from_pid, gl, mfa, options, token}, 6}; return true;
    case ControlOp::spawn_reply: l = {{ref, to_pid, flags, result}, 4}; return true;
    case ControlOp::spawn_reply_tt: l = {{ref, to_pid, flags, result, token}, 5}; return true;
    case ControlOp::alias_send: l = {{from_pid, to_alias}, 2}; return true;
    case ControlOp::alias_send_tt: l = {{from_pid, to_alias, token}, 3}; return true;
    case ControlOp::unlink_id: case ControlOp::unlink_id_ack: l = {{id, from_pid, to_pid}, 3}; return true;
  }
  return false;
}

bool is_mfa(const Term& t) {
  return t.is_tuple() && t.tuple_arity() == 3 && t.element(0).is_atom() && t.element(1).is_atom() &&
         t.element(2).is_integer();
}

bool is_proper_list(const Term& t) {
  const Term* p = &t;
  while (p->is_cons()) p = &p->tail();
  return p->is_nil();
}

}  // namespace

Result<Control> control_from_term(const Term& t) {
  if (!t.is_tuple() || t.tuple_arity() == 0)
    return make_error("control message is not a tuple: " + term::to_string(t, 200));
  int64_t code;
  if (!t.element(0).is_small() || !t.element(0).to_int64(code) || code < 0 || code > 255)
    return make_error("control message without an operation code: " + term::to_string(t, 200));
  Control c;
  c.op = static_cast<ControlOp>(code);
  Layout l;
  if (!layout_of(c.op, l)) return make_error("unknown control operation " + std::to_string(code));
  if (t.tuple_arity() != l.n + 1u)
    return make_error(std::string(to_string(c.op)) + " with " + std::to_string(t.tuple_arity()) +
                      " elements where " + std::to_string(l.n + 1) + " were expected");
  for (uint8_t i = 0; i < l.n; ++i) {
    const Term& e = t.element(i + 1);
    bool ok = true;
    switch (l.f[i]) {
      case F::unused: break;
      case F::from_pid: ok = e.is_pid(); c.from = e; break;
      case F::from_proc: ok = e.is_pid() || e.is_atom(); c.from = e; break;
      case F::to_pid: ok = e.is_pid(); c.to = e; break;
      case F::to_name: ok = e.is_atom(); c.to = e; break;
      case F::to_proc: ok = e.is_pid() || e.is_atom(); c.to = e; break;
      case F::to_alias: ok = e.is_reference(); c.to = e; break;
      case F::ref: ok = e.is_reference(); c.ref = e; break;
      case F::id: ok = e.to_uint64(c.id); break;
      case F::reason: c.reason = e; break;
      case F::token: c.token = e; break;
      case F::gl: ok = e.is_pid(); c.group_leader = e; break;
      case F::mfa: ok = is_mfa(e); c.mfa = e; break;
      case F::options: ok = is_proper_list(e); c.options = e; break;
      case F::flags: ok = e.to_uint64(c.flags); break;
      case F::result: ok = e.is_pid() || e.is_atom(); c.result = e; break;
    }
    if (!ok)
      return make_error(std::string(to_string(c.op)) + " element " + std::to_string(i + 2) + " has the wrong type: " +
                        term::to_string(t, 200));
  }
  return c;
}

Term control_to_term(const Control& c) {
  Layout l;
  if (!layout_of(c.op, l)) return Term();
  Term elems[8];
  elems[0] = Term::integer(static_cast<int64_t>(c.op));
  for (uint8_t i = 0; i < l.n; ++i) {
    Term& e = elems[i + 1];
    switch (l.f[i]) {
      case F::unused: e = Term::atom(term::atoms::empty); break;
      case F::from_pid: case F::from_proc: e = c.from; break;
      case F::to_pid: case F::to_name: case F::to_proc: case F::to_alias: e = c.to; break;
      case F::ref: e = c.ref; break;
      case F::id: e = Term::unsigned_integer(c.id); break;
      case F::reason: e = c.reason; break;
      case F::token: e = c.token ? c.token : Term::atom(term::atoms::undefined); break;
      case F::gl: e = c.group_leader; break;
      case F::mfa: e = c.mfa; break;
      case F::options: e = c.options ? c.options : Term::nil(); break;
      case F::flags: e = Term::unsigned_integer(c.flags); break;
      case F::result: e = c.result; break;
    }
  }
  return Term::tuple(std::span<const Term>(elems, l.n + 1u));
}

std::string describe(const Control& c) {
  std::string s = to_string(c.op);
  if (c.from) s += " from " + term::to_string(c.from, 120);
  if (c.to) s += " to " + term::to_string(c.to, 120);
  if (c.ref) s += " ref " + term::to_string(c.ref, 120);
  if (is_tt(c.op)) s += " (traced)";
  return s;
}

}  // namespace ergod::dist
