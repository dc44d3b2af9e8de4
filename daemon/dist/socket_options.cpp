// See socket_options.h.
#include "dist/socket_options.h"

#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <climits>
#include <cstdint>
#include <optional>
#include <string_view>

namespace ergod::dist {
namespace {

using term::Atom;
using term::Term;

enum class Kind { boolean, integer, linger };
struct Option {
  std::string_view name;
  int level, opt;
  Kind kind;
};
constexpr Option kOptions[] = {
    {"nodelay", IPPROTO_TCP, TCP_NODELAY, Kind::boolean}, {"keepalive", SOL_SOCKET, SO_KEEPALIVE, Kind::boolean},
    {"reuseaddr", SOL_SOCKET, SO_REUSEADDR, Kind::boolean}, {"sndbuf", SOL_SOCKET, SO_SNDBUF, Kind::integer},
    {"recbuf", SOL_SOCKET, SO_RCVBUF, Kind::integer},       {"priority", SOL_SOCKET, SO_PRIORITY, Kind::integer},
    {"tos", IPPROTO_IP, IP_TOS, Kind::integer},             {"linger", SOL_SOCKET, SO_LINGER, Kind::linger},
};

const Option* find(const Term& name) {
  if (!name.is_atom()) return nullptr;
  for (const Option& o : kOptions)
    if (name.atom_value().name() == o.name) return &o;
  return nullptr;
}

Term error(Term why) { return Term::tuple({Term::atom(term::atoms::error), std::move(why)}); }
Term einval() { return error(Term::atom("einval")); }
Term boolean(bool b) { return Term::atom(b ? term::atoms::true_ : term::atoms::false_); }

std::optional<Term> get(int fd, const Option& o) {
  if (o.kind == Kind::linger) {
    linger l{};
    socklen_t n = sizeof l;
    if (getsockopt(fd, o.level, o.opt, &l, &n) != 0) return std::nullopt;
    return Term::tuple({boolean(l.l_onoff != 0), Term::integer(l.l_linger)});
  }
  int v = 0;
  socklen_t n = sizeof v;
  if (getsockopt(fd, o.level, o.opt, &v, &n) != 0) return std::nullopt;
  return o.kind == Kind::boolean ? boolean(v != 0) : Term::integer(v);
}

bool set(int fd, const Option& o, const Term& value) {
  auto is_bool = [](const Term& t) { return t.is_atom(term::atoms::true_) || t.is_atom(term::atoms::false_); };
  if (o.kind == Kind::linger) {
    if (!(value.is_tuple() && value.tuple_arity() == 2 && is_bool(value.element(0)) && value.element(1).is_small() &&
          value.element(1).small_value() >= 0))
      return false;
    linger l{};
    l.l_onoff = value.element(0).is_atom(term::atoms::true_);
    l.l_linger = static_cast<int>(value.element(1).small_value());
    return setsockopt(fd, o.level, o.opt, &l, sizeof l) == 0;
  }
  int v;
  if (o.kind == Kind::boolean) {
    if (!is_bool(value)) return false;
    v = value.is_atom(term::atoms::true_);
  } else {
    if (!value.is_small() || value.small_value() < 0 || value.small_value() > INT32_MAX) return false;
    v = static_cast<int>(value.small_value());
  }
  return setsockopt(fd, o.level, o.opt, &v, sizeof v) == 0;
}

}  // namespace

Term get_socket_options(int fd, const Term& opts) {
  std::vector<Term> out;
  Term l = opts;
  for (; l.is_cons(); l = l.tail()) {
    const Option* o = find(l.head());
    if (!o) return einval();
    auto v = get(fd, *o);
    if (!v) return einval();
    out.push_back(Term::tuple({l.head(), *v}));
  }
  if (!l.is_nil()) return einval();
  return Term::tuple({Term::atom(term::atoms::ok), Term::list(out)});
}

Term set_socket_options(int fd, const Term& opts) {
  // inet_tcp_dist:setopts: these would take the socket from the distribution.
  std::vector<Term> bad;
  for (Term l = opts; l.is_cons(); l = l.tail()) {
    const Term& o = l.head();
    if (o.is_tuple() && o.tuple_arity() == 2 &&
        (o.element(0).is_atom(Atom::make("active")) || o.element(0).is_atom(Atom::make("deliver")) ||
         o.element(0).is_atom(Atom::make("packet"))))
      bad.push_back(o);
  }
  if (!bad.empty()) return error(Term::tuple({Term::atom("badopts"), Term::list(bad)}));
  Term l = opts;
  for (; l.is_cons(); l = l.tail()) {
    const Term& o = l.head();
    const Option* opt = o.is_tuple() && o.tuple_arity() == 2 ? find(o.element(0)) : nullptr;
    if (!opt || !set(fd, *opt, o.element(1))) return einval();
  }
  if (!l.is_nil()) return einval();
  return Term::atom(term::atoms::ok);
}

}  // namespace ergod::dist
