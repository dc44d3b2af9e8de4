// inet:getopts/setopts on a socket, as OTP answers them for a distribution connection.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "dist/socket_options.h"

using ergod::term::Term;
using namespace ergod::dist;

namespace {
Term A(const char* s) { return Term::atom(s); }
Term T(std::initializer_list<Term> l) { return Term::tuple(l); }
Term L(std::initializer_list<Term> l) { return Term::list(l); }
struct Tcp {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  ~Tcp() { close(fd); }
};
}  // namespace

TEST_CASE("getopts answers the options asked, in order, from the socket", "[sockopts]") {
  Tcp s;
  REQUIRE(s.fd >= 0);
  CHECK(set_socket_options(s.fd, L({T({A("nodelay"), A("true")}), T({A("keepalive"), A("false")})})) == A("ok"));
  CHECK(get_socket_options(s.fd, L({A("nodelay"), A("keepalive")})) ==
        T({A("ok"), L({T({A("nodelay"), A("true")}), T({A("keepalive"), A("false")})})}));
  CHECK(get_socket_options(s.fd, Term::nil()) == T({A("ok"), Term::nil()}));
  Term r = get_socket_options(s.fd, L({A("sndbuf"), A("linger")}));
  CHECK(r.element(1).head().element(1).is_integer());
  CHECK(r.element(1).tail().head().element(1) == T({A("false"), Term::integer(0)}));
}

TEST_CASE("an unknown option or a bad value is einval; active, deliver and packet are badopts", "[sockopts]") {
  Tcp s;
  Term einval = T({A("error"), A("einval")});
  CHECK(get_socket_options(s.fd, L({A("nodelay"), A("bogus")})) == einval);
  CHECK(get_socket_options(s.fd, L({A("buffer")})) == einval);
  CHECK(set_socket_options(s.fd, L({T({A("nodelay"), Term::integer(1)})})) == einval);
  CHECK(set_socket_options(s.fd, L({A("nodelay")})) == einval);
  Term active = T({A("active"), A("false")}), packet = T({A("packet"), Term::integer(2)});
  CHECK(set_socket_options(s.fd, L({T({A("nodelay"), A("true")}), active, packet})) ==
        T({A("error"), T({A("badopts"), L({active, packet})})}));
}
