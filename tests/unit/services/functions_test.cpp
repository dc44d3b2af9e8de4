// FunctionRegistry: missing functions, funs through erlang:apply/2 and the stacks of BIF
// errors, as erpc reads them from an OTP 25 node (checked with erl against a node lacking
// the fun's module).
#include "../runtime/support.h"
#include "services/functions.h"

using namespace rt_test;
using namespace ergod::services;

namespace {

Term L(std::initializer_list<Term> l) { return Term::list(l); }
Term nil() { return Term::nil(); }
Term apply2() { return T({A("erlang"), A("apply"), I(2), nil()}); }
Term erts_info() {
  return L({T({A("error_info"), Term::map({{A("module"), A("erl_erts_errors")}})})});
}

Term local_fun(uint8_t arity) {
  uint8_t uniq[16] = {1, 2, 3};
  return Term::local_fun(arity, uniq, 0, Atom::make("fm2"), I(0), I(12345), Term::pid(Atom::make("c@h"), 1, 0, 1), {});
}

struct Fixture {
  Runtime rt;
  Inbox in{rt};
  FunctionRegistry fns;
  Fixture() {
    fns.add(Atom::make("erlang"), Atom::make("node"), 0,
            [](Process& self, const Term&) { return ApplyResult::ok(Term::atom(self.runtime().node())); });
    fns.add(Atom::make("erlang"), Atom::make("picky"), 1, [](Process&, const Term&) {
      return ApplyResult::bif_error(A("badarg"));
    });
    fns.add(Atom::make("erlang"), Atom::make("sometimes"), 1, [](Process&, const Term&) { return ApplyResult::undef(); });
  }
  ApplyResult apply(const Term& m, const Term& f, const Term& a) {
    ApplyResult r;
    REQUIRE(in.run([&](Process& p) { r = fns.apply(p, m, f, a); }));
    return r;
  }
};

void check_error(const ApplyResult& r, const Term& reason, const Term& stack) {
  CHECK(r.kind == ApplyResult::Kind::error);
  CHECK(r.value == reason);
  CHECK(r.stack == stack);
}

}  // namespace

TEST_CASE("a missing function is undef with the frame {M, F, Args, []}", "[functions]") {
  Fixture f;
  check_error(f.apply(A("nosuch"), A("fn"), L({I(1)})), A("undef"), L({T({A("nosuch"), A("fn"), L({I(1)}), nil()})}));
}

TEST_CASE("a BIF error carries erts' frame with error_info, and undef() looks missing", "[functions]") {
  Fixture f;
  check_error(f.apply(A("erlang"), A("picky"), L({A("bad")})), A("badarg"),
              L({T({A("erlang"), A("picky"), L({A("bad")}), erts_info()})}));
  check_error(f.apply(A("erlang"), A("sometimes"), L({A("x")})), A("undef"),
              L({T({A("erlang"), A("sometimes"), L({A("x")}), nil()})}));
}

TEST_CASE("a local fun is undef as on a node without its module, below erlang:apply/2", "[functions]") {
  Fixture f;
  Term fun = local_fun(0);
  check_error(f.apply(A("erlang"), A("apply"), L({fun, nil()})), A("undef"), L({T({fun, nil(), nil()}), apply2()}));
}

TEST_CASE("a registered export fun runs, a missing one is undef below erlang:apply/2", "[functions]") {
  Fixture f;
  ApplyResult r = f.apply(A("erlang"), A("apply"), L({Term::export_fun(Atom::make("erlang"), Atom::make("node"), 0), nil()}));
  CHECK(r.kind == ApplyResult::Kind::return_);
  CHECK(r.value == Term::atom(f.rt.node()));
  check_error(f.apply(A("erlang"), A("apply"), L({Term::export_fun(Atom::make("nosuch"), Atom::make("fn"), 1), L({A("x")})})),
              A("undef"), L({T({A("nosuch"), A("fn"), L({A("x")}), nil()}), apply2()}));
}

TEST_CASE("apply/2 with a wrong arity, a non-fun or a bad list fails as BEAM's apply does", "[functions]") {
  Fixture f;
  Term fun = local_fun(0);
  check_error(f.apply(A("erlang"), A("apply"), L({fun, L({A("x")})})), T({A("badarity"), T({fun, L({A("x")})})}),
              L({apply2()}));
  check_error(f.apply(A("erlang"), A("apply"), L({A("notfun"), nil()})), T({A("badfun"), A("notfun")}), L({apply2()}));
  check_error(f.apply(A("erlang"), A("apply"), L({fun, A("x")})), A("badarg"),
              L({T({A("erlang"), A("apply"), L({fun, A("x")}), erts_info()}), apply2()}));
}

TEST_CASE("apply/3 runs the function it names, with its own frame below a failure", "[functions]") {
  Fixture f;
  ApplyResult r = f.apply(A("erlang"), A("apply"), L({A("erlang"), A("node"), nil()}));
  CHECK(r.value == Term::atom(f.rt.node()));
  check_error(f.apply(A("erlang"), A("apply"), L({A("nosuch"), A("fn"), nil()})), A("undef"),
              L({T({A("nosuch"), A("fn"), nil(), nil()}), T({A("erlang"), A("apply"), I(3), nil()})}));
  check_error(f.apply(A("erlang"), A("apply"), L({I(1), A("fn"), nil()})), A("badarg"),
              L({T({A("erlang"), A("apply"), L({I(1), A("fn"), nil()}), erts_info()})}));
}
