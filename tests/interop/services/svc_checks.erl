%% The Erlang side of the services interop tests: each case runs on a real OTP 25 node against
%% a running ergod and crashes (exit status 1, with the reason printed) when ergod answers
%% anything other than what an OTP node running echo_ref.erl would.
%% Run: erl -sname X -setcookie C -pa DIR -noshell -s svc_checks main ErgodNode Case
-module(svc_checks).
-export([main/1]).
-export([ping/1, echo_corpus/1, echo_calls/1, links_monitors/1, watch_for_kill/1, after_kill/1,
         rpc/1, rex/1, pg/1, pg_restart/1, net_kernel/1, echo_errors/1, funs/1, bif_errors/1,
         nodes/1, spawn_opts/1, bifs/1, sleep/1, disconnect/1, monitor_node/1, global_rpc/1,
         pg_rpc/1, global_register_rpc/1, allow_nodes/1, echo_sys/1]).
-import(check_lib, [eq/2]).

main([Node, Case]) ->
    check_lib:log_to_stdout(svc_log),
    check_lib:run([Node, Case], fun(C, N, []) -> ?MODULE:C(N) end).

call(N, R) -> gen_server:call({echo, N}, R, 5000).

ping(N) -> eq(pong, net_adm:ping(N)).

corpus() ->
    [0, 1, -1, 255, 256, 1 bsl 27, -(1 bsl 27), 1 bsl 59, 1 bsl 60, 1 bsl 64, -(1 bsl 200),
     1 bsl 2100, 0.0, -0.0, 1.5, 1.0e300, 2.2250738585072014e-308,
     a, '', 'hello world', 'ünïcødé', list_to_atom(lists:duplicate(255, $x)), true, undefined,
     [], [1, 2, 3], "string", [a | b], [[[]]], lists:seq(1, 1000),
     {}, {a}, {a, b, c}, list_to_tuple(lists:seq(1, 300)),
     <<>>, <<1, 2, 3>>, <<0:1>>, <<5:3>>, binary:copy(<<"x">>, 100000), binary:copy(<<7>>, 1 bsl 20),
     #{}, #{a => 1}, #{{k} => [v], 1 => 2.0, 1.0 => 3}, maps:from_list([{I, I} || I <- lists:seq(1, 100)]),
     self(), make_ref(), hd(erlang:ports()), fun lists:map/2, fun(X) -> X + 1 end,
     {deep, lists:foldl(fun(_, A) -> [A] end, [], lists:seq(1, 1000))},
     {mixed, [#{k => {<<"v">>, 1.0}}], "é", <<"é"/utf8>>}].

echo_corpus(N) ->
    [eq(T, call(N, {echo, T})) || T <- corpus()],
    ok.

%% Every call of the protocol except link/monitor (links_monitors/1).
echo_calls(N) ->
    eq(pong, call(N, ping)),
    Echo = call(N, self),
    true = is_pid(Echo), eq(N, node(Echo)),
    %% call: to us, to a missing name, timing out
    Me = self(),
    Srv = spawn_link(fun Loop() -> receive {'$gen_call', From, R} -> gen:reply(From, {got, R}), Loop() end end),
    register(svc_srv, Srv),
    eq({ok, {got, hi}}, call(N, {call, Srv, hi, 2000})),
    eq({ok, {got, by_name}}, call(N, {call, {svc_srv, node()}, by_name, 2000})),
    eq({error, noproc}, call(N, {call, {nosuch, node()}, x, 2000})),
    eq({error, noproc}, call(N, {call, nosuch_local, x, 2000})),
    %% {global, Name} and {via, global, Name}, resolved through ergod's copy of global's names
    ok = global:sync(),
    yes = global:register_name(svc_global, Srv),
    eq({ok, {got, g}}, call(N, {call, {global, svc_global}, g, 2000})),
    eq({ok, {got, v}}, call(N, {call, {via, global, svc_global}, v, 2000})),
    eq({error, noproc}, call(N, {call, {global, svc_nosuch}, x, 2000})),
    global:unregister_name(svc_global),
    Silent = spawn(fun() -> receive never -> ok end end),
    eq({error, timeout}, call(N, {call, Silent, x, 200})),
    %% send: to a pid, to {Name, Node}; cast; {echo, From, T}
    eq(ok, call(N, {send, Me, one})),
    eq(ok, call(N, {send, {svc_name, node()}, ignored})),
    register(svc_name, Me),
    eq(ok, call(N, {send, {svc_name, node()}, two})),
    gen_server:cast({echo, N}, {send, Me, three}),
    {echo, N} ! {echo, Me, four},
    [receive X -> ok after 5000 -> error({missing, X}) end || X <- [one, two, three, four]],
    %% events: other info messages, oldest first, then forgotten
    eq([], call(N, events)),
    {echo, N} ! first, {echo, N} ! {second, Me},
    eq([first, {second, Me}], call(N, events)),
    eq([], call(N, events)),
    %% stop: replies ok, a new echo is registered
    eq(ok, call(N, {stop, normal})),
    Echo2 = wait_new_echo(N, Echo, 50),
    eq(pong, call(N, ping)),
    eq(ok, call(N, {stop, crashed})),
    _ = wait_new_echo(N, Echo2, 50),
    eq(pong, call(N, ping)),
    ok.

wait_new_echo(_N, _Old, 0) -> error(echo_not_restarted);
wait_new_echo(N, Old, K) ->
    case catch call(N, self) of
        P when is_pid(P), P =/= Old -> P;
        _ -> timer:sleep(50), wait_new_echo(N, Old, K - 1)
    end.

%% Wrong requests end echo, or its inner call, with the reasons echo_ref's would: the failing
%% function on top of the stack, its arguments as given.
echo_errors(N) ->
    Crash = fun(R) ->
                Old = call(N, self),
                {'EXIT', {Reason, {gen_server, call, [{echo, N}, R, 5000]}}} = (catch call(N, R)),
                _ = wait_new_echo(N, Old, 50),
                Reason
            end,
    {function_clause, [{echo, handle_call, [foo, {_, _}, []], _} | _]} = Crash(foo),
    {badarg, [{erlang, send, [no_such_name, x], _} | _]} = Crash({send, no_such_name, x}),
    {badarg, [{erlang, unlink, [42], _} | _]} = Crash({unlink, 42}),
    {badarg, [{erlang, monitor, [process, 42], _} | _]} = Crash({monitor, 42}),
    {badarg, [{erlang, demonitor, [42, [flush]], _} | _]} = Crash({demonitor, 42}),
    {badarg, [{erlang, demonitor, [_, [flush]], _} | _]} = Crash({demonitor, make_ref()}),
    {badarg, [{erlang, exit, [echo, foo], _} | _]} = Crash({exit, echo, foo}),
    {badarg, [{erlang, link, [_], _} | _]} = Crash({link, hd(erlang:ports())}),
    Echo = call(N, self),
    killed = Crash({exit, Echo, kill}),
    {error, {function_clause, [{gen, call, [Echo, '$gen_call', x, foo], _} | _]}} =
        call(N, {call, Echo, x, foo}),
    {error, {function_clause, [{gen, call, [_, '$gen_call', x, -1], _} | _]}} = call(N, {call, self(), x, -1}),
    {error, {function_clause, [{gen, do_for_proc, _, _} | _]}} = call(N, {call, 42, x, 100}),
    {error, {undef, [{nosuch_mod, whereis_name, [x], _} | _]}} = call(N, {call, {via, nosuch_mod, x}, x, 100}),
    Old = call(N, self),
    gen_server:cast({echo, N}, bogus),
    _ = wait_new_echo(N, Old, 50),
    ok.

%% Links, monitors and exit signals both ways, seen through echo's events.
links_monitors(N) ->
    Echo = call(N, self),
    %% echo links to our process; our process exits: echo (trapping) gets the EXIT
    P1 = spawn(fun() -> receive {die, R} -> exit(R) end end),
    eq(ok, call(N, {link, P1})),
    P1 ! {die, boom},
    wait_events(N, [{'EXIT', P1, boom}]),
    %% unlink: no EXIT
    P2 = spawn(fun() -> receive {die, R} -> exit(R) end end),
    eq(ok, call(N, {link, P2})),
    eq(ok, call(N, {unlink, P2})),
    P2 ! {die, boom2}, timer:sleep(200),
    eq([], call(N, events)),
    %% echo monitors by pid and by name
    P3 = spawn(fun() -> receive {die, R} -> exit(R) end end),
    Ref3 = call(N, {monitor, P3}),
    true = is_reference(Ref3),
    P3 ! {die, gone},
    wait_events(N, [{'DOWN', Ref3, process, P3, gone}]),
    register(svc_named, spawn(fun() -> receive {die, R} -> exit(R) end end)),
    Ref4 = call(N, {monitor, {svc_named, node()}}),
    svc_named ! {die, named_gone},
    wait_events(N, [{'DOWN', Ref4, process, {svc_named, node()}, named_gone}]),
    RefMissing = call(N, {monitor, {nosuch, node()}}),
    wait_events(N, [{'DOWN', RefMissing, process, {nosuch, node()}, noproc}]),
    %% demonitor: no DOWN
    P5 = spawn(fun() -> receive {die, R} -> exit(R) end end),
    Ref5 = call(N, {monitor, P5}),
    eq(ok, call(N, {demonitor, Ref5})),
    P5 ! {die, x}, timer:sleep(200),
    eq([], call(N, events)),
    %% echo sends exit signals: trapped here, and a kill
    process_flag(trap_exit, true),
    eq(ok, call(N, {exit, self(), hello})),
    receive {'EXIT', Echo, hello} -> ok after 5000 -> error(no_exit_signal) end,
    P6 = spawn(fun() -> receive never -> ok end end),
    M6 = monitor(process, P6),
    eq(ok, call(N, {exit, P6, kill})),
    receive {'DOWN', M6, process, P6, killed} -> ok after 5000 -> error(no_kill) end,
    %% we link to echo and monitor it; echo stops with a reason: both fire, a new echo comes
    link(Echo),
    MEcho = monitor(process, Echo),
    eq(ok, call(N, {stop, bye})),
    receive {'EXIT', Echo, bye} -> ok after 5000 -> error(no_exit_from_echo) end,
    receive {'DOWN', MEcho, process, Echo, bye} -> ok after 5000 -> error(no_down_from_echo) end,
    _ = wait_new_echo(N, Echo, 50),
    %% our exit signal to echo (trapping) becomes an event
    exit(call(N, self), from_erl),
    wait_events(N, [{'EXIT', self(), from_erl}]),
    ok.

wait_events(N, Want) -> wait_events(N, Want, [], 50).
wait_events(_N, Want, Got, 0) -> error({events, Want, got, Got});
wait_events(N, Want, Got0, K) ->
    Got = Got0 ++ call(N, events),
    case Got of
        Want -> ok;
        _ when length(Got) < length(Want) -> timer:sleep(100), wait_events(N, Want, Got, K - 1);
        _ -> error({events, Want, got, Got})
    end.

%% The first erl of the SIGKILL test: echo links to and monitors this node's process, then the
%% test kills this OS process.
watch_for_kill(N) ->
    P = spawn(fun() -> receive never -> ok end end),
    register(svc_victim, P),
    eq(ok, call(N, {link, P})),
    Ref = call(N, {monitor, P}),
    io:format("WATCHED ~p ~p~n", [P, Ref]),
    receive stop -> ok end.

%% The second erl: echo saw noconnection for both, and serves the new node.
after_kill(N) ->
    wait_events_match(N, 50),
    eq(pong, call(N, ping)),
    true = lists:member(node(), rpc:call(N, erlang, nodes, [])),
    ok.

wait_events_match(_N, 0) -> error(no_noconnection_events);
wait_events_match(N, K) ->
    case call(N, events) of
        [] -> timer:sleep(100), wait_events_match(N, K - 1);
        Evs ->
            Sorted = lists:sort([element(1, E) || E <- Evs]),
            eq(['DOWN', 'EXIT'], Sorted),
            [noconnection, noconnection] = [lists:last(tuple_to_list(E)) || E <- Evs],
            ok
    end.

rpc(N) ->
    eq(N, rpc:call(N, erlang, node, [])),
    eq([node()], rpc:call(N, erlang, nodes, [])),
    eq([node()], rpc:call(N, erlang, nodes, [visible])),
    eq({badrpc, {'EXIT', {undef, [{nosuch, fn, [1], []}]}}}, rpc:call(N, nosuch, fn, [1])),
    eq({badrpc, {'EXIT', {undef, [{erlang, halt, [], []}]}}}, rpc:call(N, erlang, halt, [])),
    eq(N, erpc:call(N, erlang, node, [], 5000)),
    {'EXIT', {{exception, undef, [{nosuch, fn, [], []}]}, _}} = (catch erpc:call(N, nosuch, fn, [])),
    true = rpc:cast(N, erlang, node, []),
    ok = erpc:cast(N, erlang, node, []),
    %% old-style rex call and cast
    eq(N, gen_server:call({rex, N}, {call, erlang, node, [], group_leader()}, 5000)),
    eq({badrpc, {'EXIT', {undef, [{nosuch, fn, [], []}]}}},
       gen_server:call({rex, N}, {call, nosuch, fn, [], group_leader()}, 5000)),
    gen_server:cast({rex, N}, {cast, erlang, node, [], group_leader()}),
    eq(pong, net_adm:ping(N)),
    ok.

%% rex: what rpc.erl's rex answers besides call and cast (rpc:sbcast, rpc:block_call, the
%% features probe, hidden C nodes' plain calls, send); an unknown call gets no answer.
rex(N) ->
    eq({[N], []}, rpc:sbcast([N], rex, {ignored, by_rex})),
    eq({[], [N]}, rpc:sbcast([N], nosuch_name, hello)),
    eq(N, rpc:block_call(N, erlang, node, [])),
    eq({badrpc, {'EXIT', {undef, [{nosuch, fn, [], []}]}}}, rpc:block_call(N, nosuch, fn, [])),
    {rex, N} ! {self(), features_request},
    eq({features_reply, N, [erpc]}, receive {features_reply, _, _} = F -> F after 5000 -> timeout end),
    {rex, N} ! {self(), {call, erlang, node, [], user}},
    eq({rex, N}, receive {rex, _} = R -> R after 5000 -> timeout end),
    {rex, N} ! {self(), {send, nosuch_name, hi}},
    eq({rex, N, {nonexisting_name, nosuch_name}}, receive {rex, _, _} = S -> S after 5000 -> timeout end),
    {'EXIT', {timeout, _}} = (catch gen_server:call({rex, N}, bogus, 500)),
    eq(N, rpc:call(N, erlang, node, [])),
    ok.

%% pg: our scope discovers ergod's and gets its (empty) sync; joins and leaves cost nothing.
pg(N) ->
    {ok, _} = pg:start(pg),
    timer:sleep(300),
    Me = self(),
    ok = pg:join(g1, Me),
    eq([Me], pg:get_members(g1)),
    ok = pg:leave(g1, Me),
    eq([], pg:get_members(g1)),
    %% ergod's scope knows our scope: it monitors it (so a discover reached it)
    PgPid = whereis(pg),
    {monitored_by, By} = process_info(PgPid, monitored_by),
    true = lists:any(fun(P) -> is_pid(P) andalso node(P) =:= N end, By),
    ok.

%% pg: an unknown call crashes ergod's scope as it crashes pg.erl's (badarg), and
%% kernel_safe_sup restarts it; the new scope discovers ours.
pg_restart(N) ->
    {ok, _} = pg:start(pg),
    Old = rpc:call(N, erlang, whereis, [pg]),
    true = is_pid(Old),
    {'EXIT', {{badarg, [{pg, handle_call, 3, _} | _]}, {gen_server, call, _}}} =
        (catch gen_server:call({pg, N}, bogus, 5000)),
    check_lib:wait(fun() -> New = rpc:call(N, erlang, whereis, [pg]), is_pid(New) andalso New =/= Old end),
    New = rpc:call(N, erlang, whereis, [pg]),
    PgPid = whereis(pg),
    check_lib:wait(fun() ->
        {monitored_by, By} = process_info(PgPid, monitored_by),
        lists:member(New, By)
    end),
    ok.

%% net_kernel: what net_kernel.erl answers a remote caller; unknown calls get no answer.
net_kernel(N) ->
    eq(yes, gen_server:call({net_kernel, N}, {is_auth, node()})),
    eq(true, gen_server:call({net_kernel, N}, {connect, normal, N})),
    eq(true, gen_server:call({net_kernel, N}, {connect, normal, node()})),
    eq(false, gen_server:call({net_kernel, N}, {disconnect, N})),
    eq(false, gen_server:call({net_kernel, N}, {disconnect, 'nosuch@nohost'})),
    eq(#{started => static, name_type => static, name => N, name_domain => shortnames},
       gen_server:call({net_kernel, N}, get_state)),
    eq(60000, gen_server:call({net_kernel, N}, ticktime)),
    eq(N, gen_server:call({net_kernel, N}, nodename)),
    eq(false, gen_server:call({net_kernel, N}, longnames)),
    {'EXIT', {timeout, _}} = (catch gen_server:call({net_kernel, N}, bogus, 500)),
    eq({error, noconnection}, gen_server:call({net_kernel, N}, {getopts, 'nosuch@nohost', [nodelay]})),
    eq({error, noconnection}, gen_server:call({net_kernel, N}, {setopts, 'nosuch@nohost', [{nodelay, true}]})),
    eq({error, noconnection}, gen_server:call({net_kernel, N}, {getopts, 42, [nodelay]})),
    eq(pong, net_adm:ping(N)),
    ok.

%% Funs sent to ergod fail as on an OTP node lacking their module (this module's funs), and an
%% export fun of a function ergod has runs.
funs(N) ->
    F = fun() -> ok end,
    process_flag(trap_exit, true),
    P1 = spawn_link(N, F),
    eq({undef, [{F, [], []}]}, receive {'EXIT', P1, R1} -> R1 after 5000 -> timeout end),
    {P2, M2} = spawn_monitor(N, F),
    eq({undef, [{F, [], []}]}, receive {'DOWN', M2, _, P2, R2} -> R2 after 5000 -> timeout end),
    {'EXIT', {{exception, undef, [{F, [], []}, {erlang, apply, 2, []}]}, _}} = (catch erpc:call(N, F)),
    eq({badrpc, {'EXIT', {undef, [{F, [], []}, {erlang, apply, 2, []}]}}}, rpc:call(N, erlang, apply, [F, []])),
    eq({badrpc, {'EXIT', {{badarity, {F, [x]}}, [{erlang, apply, 2, []}]}}}, rpc:call(N, erlang, apply, [F, [x]])),
    eq({badrpc, {'EXIT', {undef, [{nosuch, fn, [], []}, {erlang, apply, 2, []}]}}},
       rpc:call(N, erlang, apply, [fun nosuch:fn/0, []])),
    eq({badrpc, {'EXIT', {undef, [{nosuch, fn, [], []}, {erlang, apply, 3, []}]}}},
       rpc:call(N, erlang, apply, [nosuch, fn, []])),
    eq(N, erpc:call(N, fun erlang:node/0)),
    eq(N, rpc:call(N, erlang, apply, [fun erlang:node/0, []])),
    {P3, M3} = spawn_monitor(N, fun erlang:node/0),
    eq(normal, receive {'DOWN', M3, _, P3, R3} -> R3 after 5000 -> timeout end),
    ok.

%% ergod's BIFs fail with erts' frame, as erl's do.
bif_errors(N) ->
    Info = [{error_info, #{module => erl_erts_errors}}],
    eq({badrpc, {'EXIT', {badarg, [{erlang, nodes, [bad], Info}]}}}, rpc:call(N, erlang, nodes, [bad])),
    {'EXIT', {{exception, badarg, [{erlang, nodes, [bad], Info}]}, _}} = (catch erpc:call(N, erlang, nodes, [bad])),
    {P, M} = spawn_monitor(N, erlang, nodes, [bad]),
    eq({badarg, [{erlang, nodes, [bad], Info}]}, receive {'DOWN', M, _, P, R} -> R after 5000 -> timeout end),
    ok.

%% erlang:nodes/1,2 as erts answers them (one visible peer: this node).
nodes(N) ->
    Info = [{error_info, #{module => erl_erts_errors}}],
    Me = node(),
    eq({badrpc, {'EXIT', {badarg, [{erlang, nodes, [1], Info}]}}}, rpc:call(N, erlang, nodes, [1])),
    eq({badrpc, {'EXIT', {badarg, [{erlang, nodes, [[visible | this]], Info}]}}},
       rpc:call(N, erlang, nodes, [[visible | this]])),
    eq([Me, N], rpc:call(N, erlang, nodes, [[this, visible, visible]])),
    eq([Me, N], rpc:call(N, erlang, nodes, [[this, connected, visible, hidden]])),
    eq([], rpc:call(N, erlang, nodes, [[]])),
    %% known: nonode@nohost (every OTP node's boot name), the erl nodes of earlier checks
    %% (forgotten 60 s after they left), then us and ergod itself
    [nonode@nohost | Known] = rpc:call(N, erlang, nodes, [known]),
    true = lists:suffix([Me, N], Known),
    [{Me, #{connection_id := Id, node_type := visible}}, {N, #{connection_id := undefined, node_type := this}}] =
        rpc:call(N, erlang, nodes, [[this, visible], #{connection_id => true, node_type => true}]),
    true = is_integer(Id),
    eq([{Me, #{}}], rpc:call(N, erlang, nodes, [visible, #{}])),
    eq({badrpc, {'EXIT', {badarg, [{erlang, nodes, [visible, #{bogus => true}], Info}]}}},
       rpc:call(N, erlang, nodes, [visible, #{bogus => true}])),
    ok.

%% Spawn options are checked as the spawning OTP node checks them.
spawn_opts(N) ->
    [begin
         R = erlang:spawn_request(N, erlang, node, [], O),
         eq({O, error, badopt}, receive {spawn_reply, R, A, B} -> {O, A, B} after 5000 -> timeout end)
     end || O <- [[bogus], [{priority, bogus}], [{fullsweep_after, -1}], [{message_queue_data, x}],
                  [{max_heap_size, #{}}], [{priority, high}, bogus]]],
    {'EXIT', {badarg, [{erlang, spawn_opt, _, [{error_info, #{cause := badopt}}]} | _]}} =
        (catch spawn_opt(N, erlang, node, [], [bogus])),
    [begin
         R = erlang:spawn_request(N, erlang, node, [], O),
         eq({O, ok}, receive {spawn_reply, R, A, _} -> {O, A} after 5000 -> timeout end)
     end || O <- [[], [{priority, high}], [{fullsweep_after, 3}, {min_heap_size, 100}],
                  [{max_heap_size, #{size => 1000, kill => false}}], [{message_queue_data, off_heap}]]],
    %% {monitor, Opts} monitors as monitor does (the tag is applied on our side)
    R = erlang:spawn_request(N, erlang, node, [], [{monitor, [{tag, svc_tag}]}]),
    P = receive {spawn_reply, R, ok, Pid} -> Pid after 5000 -> error(no_spawn_reply) end,
    receive {svc_tag, R, process, P, normal} -> ok after 5000 -> error(no_tagged_down) end,
    ok.

%% The BIFs ergod answers truthfully; the rest stays undef.
bifs(N) ->
    eq(true, rpc:call(N, erlang, is_alive, [])),
    Rex = rpc:call(N, erlang, whereis, [rex]),
    true = is_pid(Rex) andalso node(Rex) =:= N,
    eq(undefined, rpc:call(N, erlang, whereis, [nosuch_name])),
    true = lists:member(rex, rpc:call(N, erlang, registered, [])),
    eq(true, rpc:call(N, erlang, is_process_alive, [Rex])),
    {badrpc, {'EXIT', {badarg, _}}} = rpc:call(N, erlang, is_process_alive, [self()]),
    Self = erpc:call(N, erlang, self, []),
    true = is_pid(Self) andalso node(Self) =:= N,
    true = is_integer(rpc:call(N, erlang, system_info, [creation])),
    eq({badrpc, {'EXIT', {undef, [{erlang, system_info, [otp_release], []}]}}},
       rpc:call(N, erlang, system_info, [otp_release])),
    ok.

%% timer:sleep/1 on ergod: ok after the time (the erpc process waits on a timer), through
%% erpc and both rex paths; infinity never returns; a bad time is timer.erl's timeout_value.
sleep(N) ->
    T0 = erlang:monotonic_time(millisecond),
    eq(ok, rpc:call(N, timer, sleep, [300])),
    true = erlang:monotonic_time(millisecond) - T0 >= 300,
    eq(ok, gen_server:call({rex, N}, {call, timer, sleep, [100], user})),
    eq(ok, rpc:block_call(N, timer, sleep, [100])),
    {'EXIT', {{erpc, timeout}, _}} = (catch erpc:call(N, timer, sleep, [infinity], 300)),
    {badrpc, {'EXIT', {timeout_value, [{timer, sleep, 1, _}]}}} = rpc:call(N, timer, sleep, [x]),
    %% many sleepers at once hold no worker: a call is answered meanwhile
    Me = self(),
    [spawn(fun() -> Me ! {slept, rpc:call(N, timer, sleep, [500])} end) || _ <- lists:seq(1, 20)],
    timer:sleep(100),
    T1 = erlang:monotonic_time(millisecond),
    eq(N, rpc:call(N, erlang, node, [])),
    true = erlang:monotonic_time(millisecond) - T1 < 300,
    [receive {slept, R} -> eq(ok, R) after 5000 -> error(no_sleep_answer) end || _ <- lists:seq(1, 20)],
    ok.

%% net_kernel's {disconnect, Node}, net_kernel:disconnect/1 and erlang:disconnect_node/1 over
%% rpc, erpc and rex, as an OTP node answers them: true once the connection is gone (the node
%% sees nodedown, echo's link to it fires noconnection), false when not connected. A hidden
%% peer node, so that global stays out of it.
disconnect(N) ->
    Cookie = atom_to_list(erlang:get_cookie()),
    Dir = filename:dirname(code:which(?MODULE)),  % the peer runs this module's funs
    {ok, Peer, PN} = peer:start(#{name => peer:random_name(), args => ["-setcookie", Cookie, "-hidden", "-pa", Dir]}),
    Connect = fun() -> true = erpc:call(PN, net_kernel, connect_node, [N]) end,
    Connect(),
    Me = self(),
    erpc:call(PN, erlang, spawn,
              [fun() -> monitor_node(N, true), Me ! watching, receive M -> Me ! {watched, M} end end]),
    receive watching -> ok after 5000 -> error(no_watcher) end,
    Linked = erpc:call(PN, erlang, spawn, [fun() -> receive stop -> ok end end]),
    eq(ok, call(N, {link, Linked})),
    eq(true, gen_server:call({net_kernel, N}, {disconnect, PN}, 5000)),
    eq([], rpc:call(N, erlang, nodes, [hidden])),
    eq({nodedown, N}, receive {watched, W} -> W after 5000 -> timeout end),
    wait_events(N, [{'EXIT', Linked, noconnection}]),
    eq(false, gen_server:call({net_kernel, N}, {disconnect, PN}, 5000)),
    Connect(),
    eq(true, rpc:call(N, erlang, disconnect_node, [PN])),
    eq([], rpc:call(N, erlang, nodes, [hidden])),
    eq(false, rpc:call(N, erlang, disconnect_node, [PN])),
    Connect(),
    eq(true, erpc:call(N, net_kernel, disconnect, [PN], 5000)),
    Connect(),
    eq(true, gen_server:call({rex, N}, {call, net_kernel, disconnect, [PN], user}, 5000)),
    Connect(),
    gen_server:cast({net_kernel, N}, {async_disconnect, PN}),
    check_lib:wait(fun() -> [] =:= rpc:call(N, erlang, nodes, [hidden]) end),
    eq(false, rpc:call(N, net_kernel, disconnect, [N])),
    eq(false, rpc:call(N, erlang, disconnect_node, ["x"])),
    %% the caller's own connection: rpc sees it go; net_kernel's answer does not bring it back.
    %% Asked from the hidden peer: the global of a visible node may reconnect at any time.
    Own = fun() ->
              true = net_kernel:connect_node(N),
              R1 = rpc:call(N, erlang, disconnect_node, [node()]),
              true = net_kernel:connect_node(N),
              R2 = (catch gen_server:call({net_kernel, N}, {disconnect, node()}, 5000)),
              timer:sleep(300),
              {R1, R2, [X || X <- erlang:nodes(hidden), X =:= N]}
          end,
    {{badrpc, nodedown}, {'EXIT', {{nodedown, N}, _}}, []} = erpc:call(PN, erlang, apply, [Own, []]),
    peer:stop(Peer),
    ok.

%% erlang:monitor_node/2,3 over rpc answer as erts does (the monitor is the rpc process's); ours
%% on ergod gets one nodedown per call when the connection goes.
monitor_node(N) ->
    Me = node(),
    Frame = fun(Args, Info) -> [{erlang, monitor_node, Args, [{error_info, Info}]}] end,
    Erts = #{module => erl_erts_errors},
    Badopt = Erts#{cause => badopt},
    [eq(true, rpc:call(N, erlang, monitor_node, A))
     || A <- [[Me, true], [Me, false], [N, true], [nonode@nohost, true], [Me, true, []],
              [Me, true, [allow_passive_connect]]]],
    eq(true, gen_server:call({rex, N}, {call, erlang, monitor_node, [Me, false], user})),
    [eq({badrpc, {'EXIT', {badarg, Frame(A, Erts)}}}, rpc:call(N, erlang, monitor_node, A))
     || A <- [[1, true], [Me, x]]],
    [eq({badrpc, {'EXIT', {badarg, Frame(A, Badopt)}}}, rpc:call(N, erlang, monitor_node, A))
     || A <- [[Me, true, [bogus]], [Me, true, x]]],
    true = monitor_node(N, true),
    true = monitor_node(N, true),
    true = erlang:disconnect_node(N),
    [receive {nodedown, N} -> ok after 5000 -> error(no_nodedown) end || _ <- [1, 2]],
    true = net_kernel:connect_node(N),
    ok.

%% global:whereis_name/1 and registered_names/0 over rpc see the names registered from here.
global_rpc(N) ->
    ok = global:sync(),
    Me = self(),
    yes = global:register_name({svc, name}, Me),
    eq(Me, rpc:call(N, global, whereis_name, [{svc, name}])),
    eq(undefined, rpc:call(N, global, whereis_name, [nosuch])),
    true = lists:member({svc, name}, rpc:call(N, global, registered_names, [])),
    _ = global:unregister_name({svc, name}),
    eq(undefined, rpc:call(N, global, whereis_name, [{svc, name}])),
    false = lists:member({svc, name}, rpc:call(N, global, registered_names, [])),
    ok.

%% A reference OTP 25 node (a peer of this one, visible, same cookie) to run the same
%% assertions against as against ergod.
start_reference() -> start_reference([]).
start_reference(Args) ->
    Cookie = atom_to_list(erlang:get_cookie()),
    {ok, Peer, PN} = peer:start(#{name => peer:random_name(), args => ["-setcookie", Cookie | Args]}),
    {Peer, PN}.

%% pg's read functions over rpc and erpc answer from the joins that the scope heard from ours,
%% as on an OTP node; members go with our scope's DOWN.
pg_rpc(N) ->
    {ok, _} = pg:start(pg),
    {Peer, PN} = start_reference(),
    {ok, _} = erpc:call(PN, pg, start, [pg]),
    Me = self(),
    Targets = [PN, N],
    ok = pg:join(g1, Me),
    ok = pg:join(g2, [Me, Me]),
    [check_lib:wait(fun() -> [Me] =:= rpc:call(T, pg, get_members, [pg, g1]) end) || T <- Targets],
    [pg_rpc_answers(T, Me) || T <- Targets],
    ok = pg:leave(g1, Me),
    [check_lib:wait(fun() -> [g2] =:= rpc:call(T, pg, which_groups, []) end) || T <- Targets],
    [eq([], rpc:call(T, pg, get_members, [g1])) || T <- Targets],
    %% our scope gone (its DOWN): so are its members
    exit(whereis(pg), kill),
    [check_lib:wait(fun() -> [] =:= rpc:call(T, pg, which_groups, [pg]) end) || T <- Targets],
    [eq([], rpc:call(T, pg, get_members, [g2])) || T <- Targets],
    peer:stop(Peer),
    ok.

pg_rpc_answers(T, Me) ->
    eq([Me], rpc:call(T, pg, get_members, [g1])),
    eq([Me, Me], rpc:call(T, pg, get_members, [pg, g2])),
    eq([Me, Me], erpc:call(T, pg, get_members, [g2])),
    eq([], rpc:call(T, pg, get_members, [pg, nosuch])),
    eq([], rpc:call(T, pg, get_local_members, [g1])),
    eq([], rpc:call(T, pg, get_local_members, [pg, g1])),
    eq([g1, g2], lists:sort(rpc:call(T, pg, which_groups, []))),
    eq([g1, g2], lists:sort(rpc:call(T, pg, which_groups, [pg]))),
    eq([], rpc:call(T, pg, which_local_groups, [pg])),
    eq([], rpc:call(T, pg, which_local_groups, [])),
    %% an unknown scope: the get functions catch ets' badarg, which_groups do not
    eq([], rpc:call(T, pg, get_members, [nosuch, g1])),
    eq([], rpc:call(T, pg, get_local_members, [nosuch, g1])),
    eq([], rpc:call(T, pg, get_members, ["x", g1])),
    Info = [{error_info, #{cause => id, module => erl_stdlib_errors}}],
    {badrpc, {'EXIT', {badarg, [{ets, match, [nosuch, {'$1', '_', '_'}], Info}, {pg, which_groups, 1, _}]}}} =
        rpc:call(T, pg, which_groups, [nosuch]),
    {'EXIT', {{exception, badarg, [{ets, match, _, _}, {pg, which_groups, 1, _}]}, _}} =
        (catch erpc:call(T, pg, which_groups, [nosuch])),
    MS = [{{'$1', '_', '$2'}, [{'=/=', '$2', []}], ['$1']}],
    {badrpc, {'EXIT', {badarg, [{ets, select, [nosuch, MS], Info}, {pg, which_local_groups, 1, _}]}}} =
        rpc:call(T, pg, which_local_groups, [nosuch]),
    {badrpc, {'EXIT', {function_clause, [{pg, which_groups, ["x"], _}]}}} = rpc:call(T, pg, which_groups, ["x"]),
    ok.

%% global:register_name/2,3, re_register_name, unregister_name, send and sync over rpc: the
%% name is registered on every node, as when an OTP node registers it.
global_register_rpc(N) ->
    ok = global:sync(),
    {Peer, PN} = start_reference(),
    ok = global:sync(),
    [global_register_answers(T) || T <- [PN, N]],
    peer:stop(Peer),
    ok.

global_register_answers(T) ->
    Me = self(),
    Fwd = fun() -> spawn(fun F() -> receive M -> Me ! {got, self(), M}, F() end end) end,
    P1 = Fwd(), P2 = Fwd(),
    Name = {reg, T},
    eq(ok, rpc:call(T, global, sync, [])),
    eq(yes, rpc:call(T, global, register_name, [Name, P1])),
    eq(P1, global:whereis_name(Name)),
    eq(P1, rpc:call(T, global, whereis_name, [Name])),
    eq(no, rpc:call(T, global, register_name, [Name, P2])),
    eq(P1, erpc:call(T, global, send, [Name, hello])),
    eq({got, P1, hello}, receive {got, _, _} = G -> G after 5000 -> timeout end),
    eq({badrpc, {'EXIT', {badarg, {{nosuch, T}, x}}}}, rpc:call(T, global, send, [{nosuch, T}, x])),
    eq(yes, rpc:call(T, global, re_register_name, [Name, P2])),
    eq(P2, global:whereis_name(Name)),
    eq(ok, rpc:call(T, global, unregister_name, [Name])),
    eq(undefined, global:whereis_name(Name)),
    eq(undefined, rpc:call(T, global, whereis_name, [Name])),
    eq(ok, rpc:call(T, global, unregister_name, [Name])),
    eq(yes, rpc:call(T, global, register_name, [Name, P2, fun global:notify_all_name/3])),
    eq(P2, global:whereis_name(Name)),
    eq(ok, global:unregister_name(Name)),
    eq(undefined, rpc:call(T, global, whereis_name, [Name])),
    {badrpc, {'EXIT', {function_clause, [{global, register_name, [x, notapid], _}]}}} =
        rpc:call(T, global, register_name, [x, notapid]),
    {badrpc, {'EXIT', {function_clause, [{global, re_register_name, [x, notapid, m], _}]}}} =
        rpc:call(T, global, re_register_name, [x, notapid, m]),
    exit(P1, kill), exit(P2, kill),
    ok.

%% net_kernel's {allow, Nodes}: ok for a list of atoms (appended to `allowed`), else error;
%% then a node not in the list can neither connect in nor be connected to, until allowed.
%% Hidden peers, so that global stays out of it.
allow_nodes(N) ->
    {Peer, PN} = start_reference(["-hidden"]),
    [allow_answers(T) || T <- [PN, N]],
    peer:stop(Peer),
    ok.

allow_answers(T) ->
    NK = {net_kernel, T},
    eq(error, gen_server:call(NK, {allow, [a, "b"]})),
    eq(error, gen_server:call(NK, {allow, x})),
    eq(ok, gen_server:call(NK, {allow, [node()]})),
    eq({ok, [node()]}, gen_server:call(NK, allowed)),
    {Other, ON} = start_reference(["-hidden"]),
    eq(false, erpc:call(ON, net_kernel, connect_node, [T])),
    eq(false, gen_server:call(NK, {connect, normal, ON})),
    eq(ok, gen_server:call(NK, {allow, [ON]})),
    eq(true, erpc:call(ON, net_kernel, connect_node, [T])),
    eq({ok, [node(), ON]}, gen_server:call(NK, allowed)),
    peer:stop(Other),
    ok.

%% sys on echo shows echo_ref's state (the events, newest first), alone and in get_status.
echo_sys(N) ->
    _ = call(N, events),
    {echo, N} ! first,
    {echo, N} ! {second, 2},
    eq([{second, 2}, first], sys:get_state({echo, N})),
    {status, _, {module, gen_server}, [_, running, _, _, Misc]} = sys:get_status({echo, N}),
    eq(true, lists:member({data, [{"State", [{second, 2}, first]}]}, Misc)),
    eq([first, {second, 2}], call(N, events)),
    eq([], sys:get_state({echo, N})).
