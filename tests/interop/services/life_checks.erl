%% Life and death of processes and nodes as echo sees them, each case run side by side against
%% ergod and a reference OTP 25 node running echo_ref.erl (a peer of this node), asserting the
%% same answers and event lists from both:
%%   erl -s life_checks main ErgodNode Case
%% prints "PASS Case" and halts 0, or "FAIL Case: Why" and halts 1 (check_lib:run/2).
-module(life_checks).
-export([main/1, target/0]).
-export([noconnection_order/1, restart_watch/1, peer_restart/1, other_domain/2, remote_matrix/1]).
-import(check_lib, [eq/2]).

main([Node, Case | Args]) ->
    check_lib:log_to_stdout(life_log),
    check_lib:run([Node, Case | Args], fun(C, N, []) -> ?MODULE:C(N);
                                          (C, N, [Other]) -> ?MODULE:C(N, Other) end).

call(N, R) -> gen_server:call({echo, N}, R, 10000).

%% A reference node running echo_ref (compiled beside this module), same cookie; hidden, so
%% that global does not connect ergod to it while it stops.
start_echo_ref() ->
    {Peer, PN} = start_peer(["-hidden"]),
    {ok, _} = erpc:call(PN, echo_ref, start, []),
    {Peer, PN}.

start_peer(Args) ->
    Cookie = atom_to_list(erlang:get_cookie()),
    Dir = filename:dirname(code:which(?MODULE)),
    {ok, Peer, PN} = peer:start(host(#{name => peer:random_name(),
                                       args => ["-setcookie", Cookie, "-pa", Dir | Args]})),
    {Peer, PN}.

%% With long names, peer would name the node after the host name: ours instead.
host(Opts) ->
    case net_kernel:longnames() of
        true -> [_, Host] = string:split(atom_to_list(node()), "@"), Opts#{host => Host};
        false -> Opts
    end.

%% Runs F(EchoNode) against the reference node and against ergod: both must give the same.
side_by_side(N, F) ->
    {Peer, Ref} = start_echo_ref(),
    Want = F(Ref),
    Got = F(N),
    peer:stop(Peer),
    eq(Want, Got),
    Want.

%% A process on another node that echo calls, links to, monitors and sends exit signals to.
target() ->
    receive
        {'$gen_call', From, {late, X, Ms}} -> timer:sleep(Ms), gen:reply(From, X), target();
        {'$gen_call', _, {exit, R, Ms}} -> timer:sleep(Ms), exit(R);
        {'$gen_call', _, kill_me} -> exit(self(), kill);
        {die, R} -> exit(R);
        {trap, Me} -> process_flag(trap_exit, true), Me ! trapping, target();
        {'EXIT', _, _} = E -> put(exits, [E | exits()]), target();
        {exits, Me} -> Me ! {exits, lists:reverse(exits())}, target();
        _ -> target()
    end.
exits() -> case get(exits) of undefined -> []; L -> L end.

%% Replaces pids and references by the names given, so that two runs compare.
rename(T, Names) ->
    case lists:keyfind(T, 1, Names) of
        {_, Name} -> Name;
        false when is_tuple(T) -> list_to_tuple(rename(tuple_to_list(T), Names));
        false when is_list(T) -> [rename(E, Names) || E <- T];
        false -> T
    end.

%% A node killed with SIGKILL: echo's links and monitors to its processes fire noconnection,
%% the links' EXITs first, then the monitors' DOWNs, each in the order they were made (erts
%% walks its per-connection lists); an inner call to it ends {nodedown, Node}.
noconnection_order(N) ->
    process_flag(trap_exit, true),  % peer's control process goes with the killed node
    Want = [{'EXIT', {q, I}, noconnection} || I <- [1, 3, 4, 6, 8, 9]] ++
           [{'DOWN', {m, I}, process, {q, I}, noconnection} || I <- [2, 3, 5, 6, 7]] ++
           [{'DOWN', {m, name}, process, {name, aux}, noconnection}] ++
           [{'DOWN', {m, I}, process, {q, I}, noconnection} || I <- [8, 9]],
    Got = side_by_side(N, fun(E) -> noconnection_events(E) end),
    eq({{error, {nodedown, aux}}, Want}, Got),
    ok.

noconnection_events(N) ->
    {_, Aux} = start_peer(["-hidden"]),
    _ = call(N, events),
    Qs = [{I, erpc:call(Aux, erlang, spawn, [?MODULE, target, []])} || I <- lists:seq(1, 10)],
    Q = fun(I) -> element(2, lists:keyfind(I, 1, Qs)) end,
    true = erpc:call(Aux, erlang, register, [life_target, Q(10)]),
    Link = fun(I) -> ok = call(N, {link, Q(I)}), [] end,
    Mon = fun(I) -> [{call(N, {monitor, Q(I)}), {m, I}}] end,
    Refs = lists:append(
             [Link(1), Mon(2), Link(3), Mon(3), Link(4), Mon(5), Mon(6), Link(6), Mon(7),
              [{call(N, {monitor, {life_target, Aux}}), {m, name}}],
              Link(8), Link(9), Mon(8), Mon(9)]),
    Me = self(),
    spawn(fun() -> Me ! {inner, call(N, {call, Q(1), {late, x, 5000}, 8000})} end),
    timer:sleep(200),
    os:cmd("kill -KILL " ++ erpc:call(Aux, os, getpid, [])),
    Inner = receive {inner, I} -> I after 9000 -> no_answer end,
    Events = wait_events(N, 12),
    rename({Inner, Events}, [{Aux, aux}, {life_target, name} | Refs ++ [{P, {q, I}} || {I, P} <- Qs]]).

%% Runs in the background while lifecycle.sh kills ergod with SIGKILL and starts it again with
%% the same name (a new creation): this node sees nodedown, then nodeup when it connects again,
%% and the pids of the old ergod are dead from here and from the new ergod's echo, as those of a
%% restarted OTP node are (checked first on a reference node restarted the same way).
restart_watch(N) ->
    process_flag(trap_exit, true),
    ok = net_kernel:monitor_nodes(true),
    Name = peer:random_name(),
    {Peer, Ref} = start_echo_ref_named(Name),
    OldRef = call(Ref, self),
    _ = monitor(process, OldRef),
    flush_nodeup(Ref),
    peer:stop(Peer),
    {Peer2, Ref} = start_echo_ref_named(Name),
    Want = {node_events(Ref), old_pid(Ref, OldRef)},
    peer:stop(Peer2),
    flush(),
    Old = call(N, self),
    _ = monitor(process, Old),
    io:format("WATCHING ~p~n", [Old]),
    check_lib:wait(fun() -> {messages, Ms} = process_info(self(), messages),
                            lists:member({nodedown, N}, Ms) end),
    check_lib:wait(fun() -> net_kernel:connect_node(N) end),
    Got = {node_events(N), old_pid(N, Old)},
    eq(rename(Want, [{Ref, node}, {OldRef, old}]), rename(Got, [{N, node}, {Old, old}])),
    ok.

start_echo_ref_named(Name) ->
    Cookie = atom_to_list(erlang:get_cookie()),
    Dir = filename:dirname(code:which(?MODULE)),
    {ok, Peer, PN} = peer:start(#{name => Name, args => ["-setcookie", Cookie, "-pa", Dir]}),
    {ok, _} = erpc:call(PN, echo_ref, start, []),
    {Peer, PN}.

%% The node's monitor_nodes messages and our monitor's DOWN, in the order they came.
node_events(Node) ->
    receive
        {nodedown, Node} = E -> [E | node_events(Node)];
        {nodeup, Node} = E -> [E | node_events(Node)];
        {'DOWN', _, process, P, R} when node(P) =:= Node -> [{down, R} | node_events(Node)]
    after 500 -> []
    end.

flush() -> receive _ -> flush() after 0 -> ok end.
flush_nodeup(Node) -> receive {nodeup, Node} -> ok after 5000 -> error(no_nodeup) end.

%% A pid of the node's previous creation: dead for erlang:is_process_alive/1 there, messages
%% and exit signals to it go nowhere (not to the new process of the same number), monitors
%% and links fire noproc at once, calls end noproc; the same through the new echo.
old_pid(Node, Old) ->
    New = call(Node, self),
    _ = call(Node, events),
    Alive = rpc:call(Node, erlang, is_process_alive, [Old]),
    Old ! stale,
    exit(Old, stale),
    M = monitor(process, Old),
    Down = receive {'DOWN', M, process, Old, R1} -> R1 after 2000 -> no_down end,
    true = link(Old),
    Exit = receive {'EXIT', Old, R2} -> R2 after 2000 -> no_exit end,
    Call = catch gen_server:call(Old, ping, 1000),
    Echo = [call(Node, R) || R <- [{call, Old, ping, 1000}, {send, Old, stale}, {monitor, Old},
                                  {link, Old}, {exit, Old, kill}, {exit, Old, stale}]],
    timer:sleep(300),
    Refs = [{R, ref} || R <- Echo, is_reference(R)],
    {Alive, Down, Exit, Call, rename(Echo, Refs), rename(call(Node, events), Refs),
     call(Node, self) =:= New}.

%% An erl node restarted with the same name (a new creation) while echo holds pids of the old
%% one: echo's calls, monitors and links to them end noproc, sends and exit signals to them do
%% not reach the new node's processes of the same numbers.
peer_restart(N) ->
    process_flag(trap_exit, true),
    Got = side_by_side(N, fun(E) -> peer_restart_answers(E) end),
    eq({[{'EXIT', o1, noconnection}, {'DOWN', ref, process, o1, noconnection}],
        [{error, noproc}, ref, ok, ok, ok, ok],
        [{'DOWN', ref, process, o3, noproc}, {'EXIT', o4, noproc}],
        [true, true, true, true, true]}, Got),
    ok.

peer_restart_answers(N) ->
    Name = peer:random_name(),
    Cookie = atom_to_list(erlang:get_cookie()),
    Dir = filename:dirname(code:which(?MODULE)),
    Start = fun() -> {ok, P, Aux} = peer:start(#{name => Name, args => ["-setcookie", Cookie, "-pa", Dir, "-hidden"]}),
                     {P, Aux, [erpc:call(Aux, erlang, spawn, [?MODULE, target, []]) || _ <- lists:seq(1, 5)]}
            end,
    {P1, Aux, Olds = [O1, O2, O3, O4, O5]} = Start(),
    _ = call(N, events),
    {ok, up} = call(N, {call, O5, {late, up, 0}, 2000}),  % connected before the links
    ok = call(N, {link, O1}),
    M1 = call(N, {monitor, O1}),
    peer:stop(P1),
    Lost = wait_events(N, 2),
    {P2, Aux, News} = Start(),
    Echo = [call(N, R) || R <- [{call, O2, x, 1000}, {monitor, O3}, {link, O4}, {send, O5, stale},
                                {exit, O5, kill}, {exit, O1, kill}]],
    Events = wait_events(N, 2),
    Alive = [erpc:call(Aux, erlang, is_process_alive, [P]) || P <- News],
    peer:stop(P2),
    Refs = [{R, ref} || R <- [M1 | Echo], is_reference(R)],
    Pids = lists:zip(Olds, [o1, o2, o3, o4, o5]),
    rename({Lost, Echo, Events, Alive}, Refs ++ Pids).

%% This node and ergod run long names (-name), or both short ones, and Other (an erl node of
%% the other domain, on the same EPMD) is out of reach: an OTP node does not dial it (it logs
%% "System running to use fully qualified hostnames" or "System NOT running ..."), so calls
%% end nodedown and monitors fire noconnection; everything else works as with short names, and
%% net_kernel:longnames/0, nodename/0 and get_state/0 over rpc say which domain it is;
%% net_kernel:connect_node/1 over rpc answers as net_kernel does.
other_domain(N, Other0) ->
    Other = list_to_atom(atom_to_list(Other0)),
    Got = side_by_side(N, fun(E) -> other_domain_answers(E, Other) end),
    Name = {rex, other},
    eq({pong, true, {ok, {got, hi}}, {ok, {got, named}}, [{'EXIT', p, bye}, {'DOWN', m, process, p, bye}],
        {error, {nodedown, other}}, {false, false, true, true, {function_clause, net_kernel, connect_node, ["x"]}},
        false, [{'DOWN', ref, process, Name, noconnection}]}, Got),
    ok.

other_domain_answers(N, Other) ->
    Me = self(),
    Srv = spawn_link(fun Loop() -> receive {'$gen_call', From, R} -> gen:reply(From, {got, R}), Loop() end end),
    register(life_srv, Srv),
    _ = call(N, events),
    P = spawn(?MODULE, target, []),
    ok = call(N, {link, P}),
    M = call(N, {monitor, P}),
    P ! {die, bye},
    State = rpc:call(N, net_kernel, get_state, []),
    Answers = {net_adm:ping(N),
               node(call(N, self)) =:= N andalso N =:= rpc:call(N, erlang, node, [])
                   andalso N =:= rpc:call(N, net_kernel, nodename, []) andalso N =:= maps:get(name, State)
                   andalso maps:get(name_domain, State) =:= maps:get(name_domain, net_kernel:get_state())
                   andalso net_kernel:longnames() =:= rpc:call(N, net_kernel, longnames, []),
               call(N, {call, Srv, hi, 2000}),
               call(N, {call, {life_srv, node()}, named, 2000}),
               wait_events(N, 2),
               call(N, {call, {rex, Other}, x, 2000}),
               {gen_server:call({net_kernel, N}, {connect, normal, Other}),
                rpc:call(N, net_kernel, connect_node, [Other]),
                rpc:call(N, net_kernel, connect_node, [node()]),
                rpc:call(N, net_kernel, connect_node, [N]),
                case rpc:call(N, net_kernel, connect_node, ["x"]) of
                    {badrpc, {'EXIT', {function_clause, [{Mod, Fun, Args, _} | _]}}} -> {function_clause, Mod, Fun, Args};
                    Other1 -> Other1
                end},
               lists:member(Other, rpc:call(N, erlang, nodes, [])),
               [call(N, {monitor, {rex, Other}})]},
    Down = wait_events(N, 1),
    unregister(life_srv),
    unlink(Srv), exit(Srv, kill),
    Refs = [{R, ref} || R <- element(9, Answers)],
    rename(setelement(9, Answers, Down), [{P, p}, {M, m}, {Other, other}, {Me, me} | Refs]).

%% Echo towards processes of a third node (an erl node, hidden): its inner calls (answered,
%% by name, a dead pid, the callee exiting normal, with an error, killed, an unknown node, a
%% timeout whose late reply must not show up), links and monitors on processes that exit
%% normally, abnormally or are killed, a monitor by name of nothing there, a demonitor with
%% the DOWN queued behind a busy echo, exit signals to trapping and non-trapping processes,
%% and unlinks right before the process exits: echo's answers and events as echo_ref's.
remote_matrix(N) ->
    {_, Aux} = start_peer(["-hidden"]),
    Got = side_by_side(N, fun(E) -> remote_answers(E, Aux) end),
    [{call_pid, {ok, hi}}, {call_name, {ok, by_name}}, {call_dead, {error, noproc}} | _] = Got,
    ok.

remote_answers(N, Aux) ->
    _ = call(N, events),
    Spawn = fun() -> erpc:call(Aux, erlang, spawn, [?MODULE, target, []]) end,
    P = Spawn(),
    catch erpc:call(Aux, erlang, unregister, [life_target]),
    true = erpc:call(Aux, erlang, register, [life_target, P]),
    Dead = Spawn(),
    exit(Dead, kill),
    Calls = [{call_pid, call(N, {call, P, {late, hi, 0}, 2000})},
             {call_name, call(N, {call, {life_target, Aux}, {late, by_name, 0}, 2000})},
             {call_dead, call(N, {call, Dead, x, 2000})},
             {call_exit_normal, call(N, {call, Spawn(), {exit, normal, 0}, 2000})},
             {call_exit_error, call(N, {call, Spawn(), {exit, {bad, [1]}, 100}, 2000})},
             {call_killed, call(N, {call, Spawn(), kill_me, 2000})},
             {call_unknown_node, call(N, {call, {x, 'nosuch@nohost'}, x, 2000})},
             {call_name_missing, call(N, {call, {nosuch, Aux}, x, 2000})},
             {call_timeout, call(N, {call, P, {late, late, 300}, 100})},
             {events_after_calls, begin timer:sleep(500), call(N, events) end}],
    Watch = fun(Kind, How) ->
                Q = Spawn(),
                Refs = case Kind of
                           link -> ok = call(N, {link, Q}), [];
                           monitor -> [call(N, {monitor, Q})];
                           link_monitor -> ok = call(N, {link, Q}), [call(N, {monitor, Q})];
                           monitor_link -> M = call(N, {monitor, Q}), ok = call(N, {link, Q}), [M]
                       end,
                %% the link and monitor reached Q before it dies (else: noproc, on OTP too)
                Want = case Kind of link -> {1, 0}; monitor -> {0, 1}; _ -> {1, 1} end,
                check_lib:wait(fun() ->
                                   [{links, L}, {monitored_by, Mb}] =
                                       erpc:call(Aux, erlang, process_info, [Q, [links, monitored_by]]),
                                   {length(L), length(Mb)} =:= Want
                               end),
                case How of
                    {die, Why} -> Q ! {die, Why};
                    {exit, Why} -> exit(Q, Why)
                end,
                timer:sleep(200),
                {Kind, How, rename(call(N, events), [{Q, q} | [{R, ref} || R <- Refs]])}
            end,
    Watched = [Watch(K, H) || K <- [link, monitor, link_monitor, monitor_link],
                              H <- [{die, normal}, {die, boom}, {exit, kill}, {exit, other}, {exit, normal}]],
    NoName = call(N, {monitor, {nosuch, Aux}}),
    timer:sleep(200),
    Missing = rename(call(N, events), [{NoName, ref}, {Aux, aux}]),
    %% demonitor while the DOWN is queued: echo is busy in a call, then the demonitor request
    %% comes, then the DOWN; demonitor's flush removes it
    Q = Spawn(),
    M = call(N, {monitor, Q}),
    Me = self(),
    spawn(fun() -> Me ! {busy, call(N, {call, Spawn(), x, 600})} end),
    timer:sleep(100),
    spawn(fun() -> Me ! {demonitor, call(N, {demonitor, M})} end),
    timer:sleep(100),
    Q ! {die, gone},
    Flushed = {receive {busy, B} -> B end, receive {demonitor, D} -> D end, call(N, events)},
    Signal = fun(Trap, Why) ->
                 T = Spawn(),
                 Trap andalso begin T ! {trap, self()}, receive trapping -> true end end,
                 Mon = monitor(process, T),
                 ok = call(N, {exit, T, Why}),
                 receive
                     {'DOWN', Mon, _, _, R} -> {Trap, Why, {down, R}}
                 after 300 ->
                     T ! {exits, self()},
                     receive {exits, Es} -> {Trap, Why, [Reason || {'EXIT', _, Reason} <- Es]} end
                 end
             end,
    Signals = [Signal(Tr, W) || Tr <- [true, false], W <- [normal, kill, other]],
    Unlinked = [begin
                    U = Spawn(),
                    ok = call(N, {link, U}),
                    ok = call(N, {unlink, U}),
                    U ! {die, boom}
                end || _ <- lists:seq(1, 20)],
    timer:sleep(300),
    Calls ++ [{watched, Watched}, {monitor_missing_name, Missing}, {demonitor_flush, Flushed},
              {exit_signals, Signals}, {unlink_then_exit, length(Unlinked), call(N, events)}].

%% Echo's events until there are K (or 5 s passed).
wait_events(N, K) -> wait_events(N, K, [], 50).
wait_events(_, _, Got, 0) -> Got;
wait_events(N, K, Got0, T) ->
    case Got0 ++ call(N, events) of
        Got when length(Got) >= K -> Got;
        Got -> timer:sleep(100), wait_events(N, K, Got, T - 1)
    end.
