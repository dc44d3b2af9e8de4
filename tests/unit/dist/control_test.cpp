// Control messages: every operation OTP 25 sends survives to_term -> from_term, and tuples
// of the wrong shape are refused with a reason.
#include <catch2/catch.hpp>

#include "dist/control.h"

using namespace ergod::dist;
using ergod::term::Atom;
using ergod::term::Term;

namespace {
Term pid(uint32_t id) { return Term::pid(Atom::make("peer@host"), id, 0, 7); }
Term ref() {
  uint32_t ids[3] = {1, 2, 3};
  return Term::reference(Atom::make("peer@host"), 7, ids);
}
Control filled(ControlOp op) {
  Control c;
  c.op = op;
  switch (without_token(op)) {
    case ControlOp::send: c.to = pid(2); break;
    case ControlOp::reg_send: c.from = pid(1); c.to = Term::atom("some_name"); break;
    case ControlOp::monitor_p: case ControlOp::demonitor_p:
      c.from = pid(1); c.to = Term::atom("by_name"); c.ref = ref(); break;
    case ControlOp::monitor_p_exit: case ControlOp::payload_monitor_p_exit:
      c.from = pid(1); c.to = pid(2); c.ref = ref(); break;
    case ControlOp::spawn_request:
      c.ref = ref(); c.from = pid(1); c.group_leader = pid(3);
      c.mfa = Term::tuple({Term::atom("erpc"), Term::atom("execute_call"), Term::integer(4)});
      c.options = Term::list({Term::atom("monitor")});
      break;
    case ControlOp::spawn_reply: c.ref = ref(); c.to = pid(1); c.flags = 3; c.result = pid(9); break;
    case ControlOp::alias_send: c.from = pid(1); c.to = ref(); break;
    case ControlOp::unlink_id: case ControlOp::unlink_id_ack: c.id = 0x123456789abcull; c.from = pid(1); c.to = pid(2); break;
    case ControlOp::node_link: break;
    default: c.from = pid(1); c.to = pid(2); break;
  }
  if (op == ControlOp::exit || op == ControlOp::exit2 || op == ControlOp::exit_tt || op == ControlOp::exit2_tt ||
      op == ControlOp::monitor_p_exit)
    c.reason = Term::tuple({Term::atom("shutdown"), Term::integer(1)});
  if (without_token(op) != op) c.token = Term::tuple({Term::atom("trace"), Term::integer(42)});
  return c;
}
}  // namespace

TEST_CASE("every control message of OTP 25 survives encoding and decoding", "[control]") {
  const int codes[] = {1, 2, 3, 4, 5, 6, 7, 8, 12, 13, 16, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36};
  for (int code : codes) {
    auto op = static_cast<ControlOp>(code);
    INFO(to_string(op));
    Control c = filled(op);
    Term t = control_to_term(c);
    REQUIRE(t.is_tuple());
    auto back = control_from_term(t);
    REQUIRE(back.ok());
    CHECK(back->op == op);
    CHECK(control_to_term(back.value()) == t);
    CHECK(back->id == c.id);
    CHECK(back->flags == c.flags);
    if (c.from) CHECK(back->from == c.from);
    if (c.to) CHECK(back->to == c.to);
    if (c.reason) CHECK(back->reason == c.reason);
    if (c.token) CHECK(back->token == c.token);
  }
}

TEST_CASE("control tuples are laid out as the protocol says", "[control]") {
  Control c = filled(ControlOp::reg_send);
  Term t = control_to_term(c);
  REQUIRE(t.tuple_arity() == 4);
  CHECK(t.element(0) == Term::integer(6));
  CHECK(t.element(2).is_atom(ergod::term::atoms::empty));  // Unused
  CHECK(t.element(3) == Term::atom("some_name"));
  Control u = filled(ControlOp::unlink_id);
  Term tu = control_to_term(u);
  CHECK(tu.element(1) == Term::unsigned_integer(0x123456789abcull));
  CHECK(has_payload(ControlOp::payload_exit2));
  CHECK_FALSE(has_payload(ControlOp::exit2));
}

TEST_CASE("malformed control messages are refused with a reason", "[control]") {
  CHECK_FALSE(control_from_term(Term::atom("nope")).ok());
  CHECK_FALSE(control_from_term(Term::tuple({})).ok());
  CHECK_FALSE(control_from_term(Term::tuple({Term::atom("link")})).ok());
  CHECK_FALSE(control_from_term(Term::tuple({Term::integer(99)})).ok());
  CHECK_FALSE(control_from_term(Term::tuple({Term::integer(-1)})).ok());
  auto r = control_from_term(Term::tuple({Term::integer(1), pid(1)}));  // LINK missing ToPid
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().find("LINK") != std::string::npos);
  CHECK_FALSE(control_from_term(Term::tuple({Term::integer(1), pid(1), Term::atom("x")})).ok());
  CHECK_FALSE(control_from_term(Term::tuple({Term::integer(6), pid(1), Term::atom(""), pid(2)})).ok());
  CHECK_FALSE(control_from_term(Term::tuple({Term::integer(35), Term::atom("id"), pid(1), pid(2)})).ok());
  CHECK_FALSE(control_from_term(Term::tuple({Term::integer(29), ref(), pid(1), pid(2), Term::atom("mfa"), Term::nil()})).ok());
}
