// inet:getopts/2 and inet:setopts/2 as OTP answers them for a distribution socket (what
// net_kernel:getopts/setopts of a connected node return), read from and written to the
// socket itself: nodelay, keepalive, reuseaddr (booleans), sndbuf, recbuf, priority, tos
// (integers) and linger ({Bool, Seconds}). Options of OTP's inet driver that a plain socket
// has no truth for (buffer, packet, active, delay_send...) are einval, as an unknown option.
// setopts refuses active, deliver and packet first with {error, {badopts, Those}}, as
// inet_tcp_dist:setopts does. Not here: finding the connection (Distribution::socket_options).
// Threads: any (they only call getsockopt/setsockopt on fd).
#pragma once

#include "term/term.h"

namespace ergod::dist {

// {ok, [{Opt, Value}]} in the order asked, or {error, einval}.
term::Term get_socket_options(int fd, const term::Term& opts);
// ok, {error, einval} or {error, {badopts, Opts}}.
term::Term set_socket_options(int fd, const term::Term& opts);

}  // namespace ergod::dist
