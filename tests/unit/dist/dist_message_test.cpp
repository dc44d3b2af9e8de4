// Whole distribution messages as bytes: control + payload through the header form (with the
// atom cache) and the pass-through form, big messages through fragments, malformed bytes.
#include <catch2/catch.hpp>

#include <functional>
#include <optional>

#include "dist/dist_header.h"
#include "dist/dist_message.h"
#include "dist/fragments.h"
#include "term/etf_encode.h"

using namespace ergod::dist;
using ergod::term::Atom;
using ergod::term::Term;

namespace {
std::span<const uint8_t> span_of(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
Term pid(uint32_t id) { return Term::pid(Atom::make("peer@host"), id, 0, 7); }
Control reg_send() {
  Control c;
  c.op = ControlOp::reg_send;
  c.from = pid(1);
  c.to = Term::atom("testproc");
  return c;
}
// Through the header form: the bytes a peer would get, read back with its receive cache.
ergod::Result<DistMessage> through_header(const Control& c, const Term& payload, SendAtomCache& send,
                                          ReceiveAtomCache& recv, size_t* frame_size = nullptr) {
  EncodedMessage m;
  encode_message(c, payload, &send, m);
  REQUIRE(m.head.substr(0, 2) == "\x83\x44");
  std::string frame = m.head + std::string(m.body.begin(), m.body.end());
  if (frame_size) *frame_size = frame.size();
  std::vector<Atom> refs;
  auto h = read_dist_header(span_of(frame).subspan(2), recv, refs);
  REQUIRE(h.ok());
  return decode_message_body(span_of(frame).subspan(2 + h.value()), refs, 1 << 26);
}
}  // namespace

TEST_CASE("a message with its payload survives the header form and the pass-through form", "[message]") {
  SendAtomCache send;
  ReceiveAtomCache recv;
  Term payload = Term::tuple({Term::atom("hello"), Term::list({Term::atom("hello"), Term::integer(7)}),
                              Term::binary("bytes")});
  auto r = through_header(reg_send(), payload, send, recv);
  REQUIRE(r.ok());
  CHECK(r->control.op == ControlOp::reg_send);
  CHECK(r->control.to == Term::atom("testproc"));
  CHECK(r->payload == payload);

  EncodedMessage m;
  encode_message(reg_send(), payload, nullptr, m);
  std::string frame = m.head + std::string(m.body.begin(), m.body.end());
  CHECK(static_cast<uint8_t>(frame[0]) == 112);
  auto p = decode_pass_through(span_of(frame), 1 << 26);
  REQUIRE(p.ok());
  CHECK(p->payload == payload);
}

TEST_CASE("the second message with the same atoms is smaller: they come from the cache", "[message]") {
  SendAtomCache send;
  ReceiveAtomCache recv;
  Term payload = Term::tuple({Term::atom("a_long_enough_atom_name_one"), Term::atom("a_long_enough_atom_name_two")});
  size_t first = 0, second = 0;
  REQUIRE(through_header(reg_send(), payload, send, recv, &first).ok());
  auto r = through_header(reg_send(), payload, send, recv, &second);
  REQUIRE(r.ok());
  CHECK(r->payload == payload);
  CHECK(second + 40 < first);
}

TEST_CASE("every control message survives the bytes of the header form", "[message]") {
  SendAtomCache send;
  ReceiveAtomCache recv;
  uint32_t ids[3] = {1, 2, 3};
  Term ref = Term::reference(Atom::make("peer@host"), 7, ids);
  for (int code : {1, 2, 3, 4, 5, 6, 7, 8, 12, 13, 16, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32,
                   33, 34, 35, 36}) {
    Control c;
    c.op = static_cast<ControlOp>(code);
    INFO(to_string(c.op));
    // A tuple of the right shape built by hand, then read as a Control.
    Term t = control_to_term(c);
    std::vector<Term> elems(t.tuple_data(), t.tuple_data() + t.tuple_arity());
    // Fill every field with a value of an accepted type by trying pid, atom, ref, list, mfa, int.
    Term candidates[] = {pid(1), ref, Term::integer(3), Term::nil(),
                         Term::tuple({Term::atom("m"), Term::atom("f"), Term::integer(0)}), Term::atom("name")};
    std::optional<Control> ok;
    std::function<void(size_t)> fill = [&](size_t i) {
      if (ok) return;
      if (i == elems.size()) {
        auto r = control_from_term(Term::tuple(std::span<const Term>(elems)));
        if (r) ok = r.value();
        return;
      }
      for (auto& cand : candidates) {
        elems[i] = cand;
        fill(i + 1);
        if (ok) return;
      }
    };
    fill(1);
    REQUIRE(ok);
    Term payload = has_payload(ok->op) ? Term::list({Term::atom("payload")}) : Term();
    auto r = through_header(*ok, payload, send, recv);
    REQUIRE(r.ok());
    CHECK(control_to_term(r->control) == control_to_term(*ok));
    if (payload) CHECK(r->payload == payload);
  }
}

TEST_CASE("a big message in fragments decodes whole", "[message]") {
  SendAtomCache send;
  ReceiveAtomCache recv;
  Term payload = Term::tuple({Term::atom("big"), Term::binary(std::string(300000, 'b'))});
  EncodedMessage m;
  encode_message(reg_send(), payload, &send, m);
  OutgoingFragments out(1, m.header, m.body, 65536);
  FragmentAssembler a;
  AssembledMessage whole;
  bool done = false;
  std::string f;
  for (bool first = true; !out.done(); first = false) {
    out.next_frame(f);
    auto r = first ? a.first(span_of(f), recv, whole) : a.next(span_of(f), whole);
    REQUIRE(r.ok());
    done = r.value();
  }
  REQUIRE(done);
  auto r = decode_message_body(whole.body, whole.refs, 1 << 26);
  REQUIRE(r.ok());
  CHECK(r->payload == payload);
}

TEST_CASE("malformed messages are refused with a reason", "[message]") {
  std::vector<Atom> none;
  auto bytes = [](std::initializer_list<uint8_t> b) { return std::vector<uint8_t>(b); };
  // a control that is not a tuple
  auto v = bytes({100, 0, 2, 'o', 'k'});
  CHECK_FALSE(decode_message_body(v, none, 1 << 20).ok());
  // REG_SEND without its payload
  std::vector<uint8_t> c;
  ergod::term::EncodeOptions o;
  o.version = false;
  ergod::term::encode(control_to_term(reg_send()), c, o);
  auto r = decode_message_body(c, none, 1 << 20);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().find("payload") != std::string::npos);
  // LINK followed by stray bytes
  Control l;
  l.op = ControlOp::link;
  l.from = pid(1);
  l.to = pid(2);
  std::vector<uint8_t> lb;
  ergod::term::encode(control_to_term(l), lb, o);
  lb.push_back(97);
  lb.push_back(1);
  CHECK_FALSE(decode_message_body(lb, none, 1 << 20).ok());
  // an atom cache ref beyond the header's refs
  CHECK_FALSE(decode_message_body(bytes({104, 1, 82, 5}), none, 1 << 20).ok());
  // truncated input
  CHECK_FALSE(decode_message_body(bytes({104, 3, 97}), none, 1 << 20).ok());
  CHECK_FALSE(decode_pass_through(bytes({112}), 1 << 20).ok());
  CHECK_FALSE(decode_pass_through(bytes({113, 131, 97, 1}), 1 << 20).ok());
}
