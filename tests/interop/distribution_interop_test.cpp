// The distribution controller against real erl: messages both ways (REG_SEND, SEND, the atom
// cache, fragments), links and monitors with their reasons, exits, noconnection when the erl
// node dies, and spawn requests refused while no spawn handler is registered.
#include <catch2/catch.hpp>

#include "runtime_node.h"
#include "term/etf_decode.h"

using namespace ergod;
using namespace ergod::test;
using term::Atom;
using term::Term;

namespace {

// The probe: a registered erl process that obeys commands from ergod (see the cases below).
std::string probe_code(const std::string& node) {
  return "Node = '" + node + "', register(probe, self()), true = net_kernel:connect_node(Node), "
         "{testproc, Node} ! {probe, self()}, io:format(\"READY~n\"), "
         "Corpus = [ok, 'with space', 'ünïcødé', list_to_atom(lists:duplicate(255, $a)), "
         "  list_to_atom([16#1F600 || _ <- lists:seq(1, 255)]), "
         "  0, 255, 256, -1, 1 bsl 27, -(1 bsl 27), 1 bsl 31, 1 bsl 64, -(1 bsl 100), 1 bsl 2000, "
         "  3.14, -0.0, 1.0e300, <<>>, <<1,2,3>>, binary:copy(<<\"x\">>, 100000), <<1:3>>, <<255, 7:5>>, "
         "  [], \"string\", [1,2|3], [a, [b, [c]]], {}, {a, b, c}, list_to_tuple(lists:seq(1, 300)), "
         "  #{}, #{a => 1, <<\"b\">> => [2]}, maps:from_list([{I, I * I} || I <- lists:seq(1, 100)]), "
         "  self(), make_ref(), fun lists:map/2, hd(erlang:ports()), {nested, [#{k => {v, [1.5]}}]}, "
         "  lists:seq(1, 1000), {ok, ok, ok, 'with space'}], "
         "Loop = fun L() -> receive "
         "  {echo, Who, T} -> Who ! {echoed, T}, L(); "
         "  {corpus, _} -> [{testproc, Node} ! {corpus, T, term_to_binary(T)} || T <- Corpus], "
         "     {testproc, Node} ! {corpus_done, length(Corpus)}, L(); "
         "  {spawn_idle, Who} -> Who ! {idle, spawn(fun() -> receive {exit, R} -> exit(R) end end)}, L(); "
         "  {spawn_linker, Who} -> spawn(fun() -> link(Who), Who ! {linker, self()}, "
         "     receive {exit, R} -> exit(R) end end), L(); "
         "  {spawn_monitor, Who, Target} -> spawn(fun() -> Ref = erlang:monitor(process, Target), "
         "     Who ! {monitoring, self()}, receive {'DOWN', Ref, process, Obj, Reason} -> "
         "     Who ! {down_seen, Obj, Reason} end end), L(); "
         "  {spawn_trapper, Who, Target} -> spawn(fun() -> process_flag(trap_exit, true), link(Target), "
         "     Who ! {trapper, self()}, receive {'EXIT', Target, Reason} -> Who ! {exit_seen, Reason} end end), L(); "
         "  {spawn_link_unlink, Who} -> spawn(fun() -> link(Who), unlink(Who), Who ! {unlinked, self()}, "
         "     receive {exit, R} -> exit(R) end end), L(); "
         "  {big, Who, N} -> Who ! {big, binary:copy(<<7>>, N)}, L(); "
         "  {erpc, Who} -> Who ! {erpc_result, catch erpc:call(Node, erlang, node, [], 5000)}, L(); "
         "  {nodes, Who} -> Who ! {nodes, nodes()}, L(); "
         "  Other -> io:format(\"GOT ~p~n\", [Other]), L() "
         "end end, Loop().";
}

Term atom(const char* s) { return Term::atom(s); }
Term tup(std::initializer_list<Term> t) { return Term::tuple(t); }

struct Pair {
  uint16_t epmd_port = free_port();
  RuntimeNode node;
  std::string erl_name = unique_name("erl");
  std::unique_ptr<Child> erl;
  Term probe;

  explicit Pair(uint32_t ticktime_ms = 60000, std::vector<std::string> erl_args = {})
      : node(epmd_port, ticktime_ms) {
    REQUIRE(node.error().empty());
    erl = start_erl(erl_name, "interop_cookie", epmd_port, probe_code(node.name()), erl_args);
    REQUIRE(erl->wait_for("READY", 20s));
    Term hello = node.expect_tagged("probe");
    INFO(erl->output());
    REQUIRE(hello);
    probe = hello.element(1);
    REQUIRE(probe.is_pid());
  }
  void tell(Term msg) { REQUIRE(node.rt().send(probe, std::move(msg))); }
  // Runs fn inside testproc, then waits until the probe has answered a message testproc sent
  // after fn: the signals fn sent to erl have arrived there (one connection keeps order).
  template <class F>
  void in_testproc_then_sync(F fn) {
    Term pr = probe;
    REQUIRE(node.rt().run_in(node.testproc(), [fn, pr](runtime::Process& self) {
      fn(self);
      self.send(pr, Term::tuple({Term::atom("echo"), self.self(), Term::atom("sync")}));
    }));
    REQUIRE(node.expect([](const Term& t) { return t.is_tuple() && t.element(0) == Term::atom("echoed") &&
                                                   t.element(1) == Term::atom("sync"); }));
  }
  Term self() const { return node.testproc(); }
};

}  // namespace

TEST_CASE("terms that erl sends to a registered name arrive equal to what binary_to_term gives",
          "[interop][distribution]") {
  LogCapture logs;
  Pair p;
  p.tell(tup({atom("corpus"), p.self()}));
  Term done = p.node.expect_tagged("corpus_done");
  INFO(p.erl->output() << logs.all() << p.node.pending());
  REQUIRE(done);
  int64_t n = 0;
  REQUIRE(done.element(1).to_int64(n));
  for (int64_t i = 0; i < n; ++i) {
    Term c = p.node.expect_tagged("corpus", 1s);
    REQUIRE(c);
    auto bytes = c.element(2).bytes();
    auto decoded = term::decode(bytes);
    REQUIRE(decoded.ok());
    INFO("term " << i << ": " << term::to_string(c.element(1), 300));
    CHECK(decoded.value() == c.element(1));
  }
  CHECK(p.node.dist().messages_in() >= uint64_t(n));
}

TEST_CASE("terms that ergod sends to an erl pid arrive and come back equal", "[interop][distribution]") {
  LogCapture logs;
  Pair p;
  std::string long_atom;
  for (int i = 0; i < 255; ++i) long_atom += "\xc3\xa9";  // 255 characters, 510 bytes
  std::vector<Term> corpus = {
      atom("ok"), atom("a_fresh_atom_from_ergod"), Term::atom(long_atom), Term::integer(42),
      Term::integer(-5000000000LL), Term::floating(2.5), Term::binary(std::string(200000, 'z')),
      Term::list({Term::integer(1), atom("two"), Term::binary("three")}), Term::nil(),
      tup({atom("ok"), atom("ok"), atom("a_fresh_atom_from_ergod")}), p.self(), p.node.rt().make_ref(),
      Term::map({{atom("k"), Term::integer(1)}, {Term::binary("b"), Term::nil()}}),
  };
  for (int round = 0; round < 2; ++round)  // twice: the second time the atoms come from the cache
    for (auto& t : corpus) {
      auto t0 = std::chrono::steady_clock::now();
      p.tell(tup({atom("echo"), p.self(), t}));
      Term back = p.node.expect_tagged("echoed");
      // Each round trip is quick: a fragmented message is not left waiting for the next event.
      CHECK(std::chrono::steady_clock::now() - t0 < 5s);
      INFO(p.erl->output() << logs.all() << term::to_string(t, 200));
      REQUIRE(back);
      CHECK(back.element(1) == t);
    }
}

TEST_CASE("8 MiB messages go both ways in fragments while the connection keeps ticking",
          "[interop][distribution]") {
  LogCapture logs;
  Pair p(4000, {"-kernel", "net_ticktime", "4"});
  const size_t big = size_t(8) << 20;
  Term payload = Term::binary(std::string(big, 'q'));
  for (int i = 0; i < 3; ++i) {
    p.tell(tup({atom("echo"), p.self(), payload}));
    p.tell(tup({atom("big"), p.self(), Term::integer(static_cast<int64_t>(big))}));
    // a small message from another sender is not stuck behind the big ones
    REQUIRE(p.node.rt().send(p.probe, tup({atom("echo"), p.self(), atom("small")})));
  }
  for (int i = 0; i < 3; ++i) {
    Term e = p.node.expect_tagged("echoed", 60s);
    INFO(p.erl->output() << logs.all());
    REQUIRE(e);
    if (e.element(1).is_atom()) {
      --i;
      continue;
    }
    CHECK(e.element(1).bytes().size() == big);
    Term b = p.node.expect_tagged("big", 60s);
    REQUIRE(b);
    CHECK(b.element(1).bytes().size() == big);
  }
  // Quiet for two tick times: the connection stays up.
  std::this_thread::sleep_for(9s);
  p.tell(tup({atom("nodes"), p.self()}));
  Term n = p.node.expect_tagged("nodes");
  INFO(p.erl->output() << logs.all());
  REQUIRE(n);
  CHECK(n.element(1) == Term::list({Term::atom(p.node.name())}));
  CHECK(p.node.dist().nodes().size() == 1);
  CHECK_FALSE(logs.contains("down"));
  CHECK(p.node.dist().fragmented_out() >= 3);
  CHECK(p.node.dist().fragmented_in() >= 3);
}

TEST_CASE("the messages of one process reach erl in the order sent whatever their sizes and threads",
          "[interop][distribution]") {
  // testproc sends from a worker (written when the worker flushes, big ones in fragments, some
  // over the fragment watermark); the test thread sends at the same time (written at once).
  // erl echoes each back: both senders' sequences must come back in order.
  LogCapture logs;
  Pair p;
  const int n = 24;
  Term probe = p.probe;
  REQUIRE(p.node.rt().run_in(p.self(), [probe, n](runtime::Process& self) {
    for (int i = 0; i < n; ++i) {
      size_t size = i % 4 == 0 ? size_t(5) << 20 : i % 4 == 1 ? 100000 : i % 4 == 2 ? 10 : 70000;
      Term body = Term::tuple({Term::integer(i), Term::binary(std::string(size, char('a' + i % 26)))});
      self.send(probe, tup({atom("echo"), self.self(), body}));
    }
  }));
  const int m = 200;
  for (int j = 0; j < m; ++j)
    REQUIRE(p.node.rt().send(p.probe, tup({atom("echo"), p.self(), tup({atom("main"), Term::integer(j)})})));
  int next_i = 0, next_j = 0;
  while (next_i < n || next_j < m) {
    Term e = p.node.expect_tagged("echoed", 60s);
    INFO(p.erl->output() << logs.all() << " at " << next_i << "/" << next_j);
    REQUIRE(e);
    Term body = e.element(1);
    int64_t k = -1;
    if (body.element(0) == atom("main")) {
      REQUIRE(body.element(1).to_int64(k));
      CHECK(k == next_j++);
    } else {
      REQUIRE(body.element(0).to_int64(k));
      CHECK(k == next_i++);
      CHECK(body.element(1).bytes().size() ==
            (k % 4 == 0 ? size_t(5) << 20 : k % 4 == 1 ? 100000u : k % 4 == 2 ? 10u : 70000u));
    }
  }
  CHECK(p.node.dist().fragmented_out() >= size_t(n / 2));
}

TEST_CASE("a ping-pong with erl is read by idle workers and keeps its order",
          "[interop][distribution]") {
  // A process on ergod and the erl probe bounce a counter: while the process waits, its worker
  // spins and reads the socket itself (the loop thread reads too, whichever comes first).
  // Bursts of numbered messages from erl between the rounds must arrive in order either way.
  LogCapture logs;
  Pair p;
  const int64_t rounds = 3000;
  Term probe = p.probe, testproc = p.self();
  auto ping_pong = [&] {
    auto pinger = p.node.rt().spawn(runtime::make_behavior(
        [probe](runtime::Process& self) { self.send(probe, tup({atom("echo"), self.self(), Term::integer(0)})); },
        [probe, testproc, rounds, next = int64_t(0), bad = int64_t(-1)](runtime::Process& self, Term m) mutable {
          int64_t k = -1;
          if (!m.is_tuple() || !m.element(1).to_int64(k) || k != next) bad = bad < 0 ? next : bad;
          if (++next == rounds) {
            self.send(testproc, tup({atom("pinger_done"), Term::integer(bad)}));
            self.exit(atom("normal"));
            return;
          }
          self.send(probe, tup({atom("echo"), self.self(), Term::integer(next)}));
        }));
    REQUIRE(pinger);
    Term done = p.node.expect_tagged("pinger_done", 60s);
    INFO(p.erl->output() << logs.all());
    REQUIRE(done);
    CHECK(done.element(1) == Term::integer(-1));  // every answer came, in order
  };
  // A worker spins 50 us before it sleeps: on a loaded machine whole rounds may take longer,
  // and then the loop thread reads every reply. Another round then, up to five.
  for (int i = 0; i < 5 && p.node.dist().messages_read_by_workers() == 0; ++i) ping_pong();
  CHECK(p.node.dist().messages_read_by_workers() > 0);
}

TEST_CASE("links and monitors across the connection fire with the right reasons both ways",
          "[interop][distribution]") {
  LogCapture logs;
  Pair p;
  auto& rt = p.node.rt();
  // erl links to testproc (which traps exits) and exits: testproc gets the EXIT message.
  p.tell(tup({atom("spawn_linker"), p.self()}));
  Term linker = p.node.expect_tagged("linker");
  REQUIRE(linker);
  Term lpid = linker.element(1);
  REQUIRE(rt.send(lpid, tup({atom("exit"), tup({atom("custom"), Term::integer(1)})})));
  Term ex = p.node.expect_tagged("EXIT");
  INFO(p.erl->output() << logs.all() << p.node.pending());
  REQUIRE(ex);
  CHECK(ex.element(1) == lpid);
  CHECK(ex.element(2) == tup({atom("custom"), Term::integer(1)}));

  // testproc monitors an erl process that then exits: DOWN with its reason.
  p.tell(tup({atom("spawn_idle"), p.self()}));
  Term idle = p.node.expect_tagged("idle");
  REQUIRE(idle);
  Term ipid = idle.element(1);
  p.in_testproc_then_sync([ipid](runtime::Process& self) { self.monitor(ipid); });
  REQUIRE(rt.send(ipid, tup({atom("exit"), atom("idle_done")})));
  Term down = p.node.expect_tagged("DOWN");
  REQUIRE(down);
  CHECK(down.element(3) == ipid);
  INFO(term::to_string(down));
  CHECK(down.element(4) == atom("idle_done"));

  // testproc links to an erl process that exits.
  p.tell(tup({atom("spawn_idle"), p.self()}));
  Term idle2 = p.node.expect_tagged("idle");
  REQUIRE(idle2);
  Term i2 = idle2.element(1);
  p.in_testproc_then_sync([i2](runtime::Process& self) { self.link(i2); });
  REQUIRE(rt.send(i2, tup({atom("exit"), atom("i2_done")})));
  Term ex2 = p.node.expect([&](const Term& t) { return t.is_tuple() && t.element(0) == atom("EXIT") && t.element(1) == i2; });
  REQUIRE(ex2);
  CHECK(ex2.element(2) == atom("i2_done"));

  // erl monitors and links to local processes of ours that end.
  auto victim = rt.spawn(runtime::make_behavior([](runtime::Process&, Term) {}));
  REQUIRE(victim.ok());
  Term v = victim->pid;
  p.tell(tup({atom("spawn_monitor"), p.self(), v}));
  REQUIRE(p.node.expect_tagged("monitoring"));
  p.tell(tup({atom("spawn_trapper"), p.self(), v}));
  REQUIRE(p.node.expect_tagged("trapper"));
  rt.exit(v, atom("victim_gone"));
  Term seen = p.node.expect_tagged("down_seen");
  REQUIRE(seen);
  CHECK(seen.element(1) == v);
  CHECK(seen.element(2) == atom("victim_gone"));
  Term seen2 = p.node.expect_tagged("exit_seen");
  REQUIRE(seen2);
  CHECK(seen2.element(1) == atom("victim_gone"));

  // erl monitors a process of ours that does not exist: noproc.
  p.tell(tup({atom("spawn_monitor"), p.self(), tup({atom("no_such_name"), Term::atom(p.node.name())})}));
  REQUIRE(p.node.expect_tagged("monitoring"));
  Term np = p.node.expect_tagged("down_seen");
  REQUIRE(np);
  CHECK(np.element(2) == atom("noproc"));
}

TEST_CASE("killing the erl node fires noconnection for links and monitors", "[interop][distribution]") {
  LogCapture logs;
  Pair p;
  p.tell(tup({atom("spawn_idle"), p.self()}));
  Term a = p.node.expect_tagged("idle");
  p.tell(tup({atom("spawn_idle"), p.self()}));
  Term b = p.node.expect_tagged("idle");
  REQUIRE(a);
  REQUIRE(b);
  Term apid = a.element(1), bpid = b.element(1);
  p.in_testproc_then_sync([apid, bpid](runtime::Process& self) {
    self.link(apid);
    self.monitor(bpid);
  });
  p.erl->kill_now();
  Term ex = p.node.expect_tagged("EXIT");
  INFO(logs.all() << p.node.pending());
  REQUIRE(ex);
  CHECK(ex.element(1) == apid);
  CHECK(ex.element(2) == atom("noconnection"));
  Term down = p.node.expect_tagged("DOWN");
  REQUIRE(down);
  CHECK(down.element(3) == bpid);
  CHECK(down.element(4) == atom("noconnection"));
  CHECK(wait_until([&] { return p.node.dist().nodes().empty(); }, 10s));
}

TEST_CASE("a monitor of a node that cannot be reached fires noconnection", "[interop][distribution]") {
  LogCapture logs;
  RuntimeNode node(free_port());
  REQUIRE(node.error().empty());
  Term ghost = Term::pid(Atom::make("ghost@" + short_host()), 40, 0, 1);
  REQUIRE(node.rt().run_in(node.testproc(), [ghost](runtime::Process& self) {
    self.monitor(ghost);
    self.link(ghost);
  }));
  Term down = node.expect_tagged("DOWN");
  INFO(logs.all() << node.pending());
  REQUIRE(down);
  CHECK(down.element(4) == atom("noconnection"));
  Term ex = node.expect_tagged("EXIT");
  REQUIRE(ex);
  CHECK(ex.element(2) == atom("noconnection"));
}

TEST_CASE("an erpc call from erl is refused with notsup while no spawn handler is set",
          "[interop][distribution]") {
  LogCapture logs;
  Pair p;
  p.tell(tup({atom("erpc"), p.self()}));
  Term r = p.node.expect_tagged("erpc_result");
  INFO(p.erl->output() << logs.all());
  REQUIRE(r);
  CHECK(term::to_string(r.element(1)).find("notsup") != std::string::npos);
}

TEST_CASE("an unlink in either direction stops the exit signal", "[interop][distribution]") {
  LogCapture logs;
  Pair p;
  auto& rt = p.node.rt();
  // erl links and unlinks (UNLINK_ID, which we acknowledge), then exits.
  p.tell(tup({atom("spawn_link_unlink"), p.self()}));
  Term u = p.node.expect_tagged("unlinked");
  REQUIRE(u);
  Term upid = u.element(1);
  REQUIRE(rt.send(upid, tup({atom("exit"), atom("after_unlink")})));
  // We link, unlink, then make it exit.
  p.tell(tup({atom("spawn_idle"), p.self()}));
  Term idle = p.node.expect_tagged("idle");
  REQUIRE(idle);
  Term ipid = idle.element(1);
  p.in_testproc_then_sync([ipid](runtime::Process& self) {
    self.link(ipid);
    self.unlink(ipid);
  });
  REQUIRE(rt.send(ipid, tup({atom("exit"), atom("after_our_unlink")})));
  // No EXIT may come; the absence can only be waited for with a bound.
  Term ex = p.node.expect_tagged("EXIT", 1500ms);
  INFO(p.erl->output() << logs.all() << p.node.pending());
  CHECK_FALSE(ex);
  CHECK(p.node.dist().nodes().size() == 1);
}
