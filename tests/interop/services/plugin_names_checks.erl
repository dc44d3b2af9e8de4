%% A plugin's process in pg groups and with a global name, from a real OTP 25 node:
%% counter_c's counter c1 on ergod joins and leaves groups and registers a global name through
%% the C ABI (pg_join, pg_leave, global_register_name), and this node sees it as it sees a
%% process of an OTP node doing pg:join/leave and global:register_name: the same members,
%% monitor notifications and names, side by side with a process on a real OTP node (a peer)
%% in c1's place.
%% Run: erl -sname X -setcookie C -pa DIR -noshell -s plugin_names_checks main ErgodNode Case
-module(plugin_names_checks).
-export([main/1, member/0]).
-import(check_lib, [eq/2, wait/1]).

main([Node, Case]) ->
    check_lib:log_to_stdout(plugin_names_log),
    timer:apply_after(60000, erlang, halt, [3]),
    check_lib:run([Node, Case], fun(C, N, []) -> case_(C, N) end).

c1(N) -> rpc:call(N, erlang, whereis, [c1]).

%% What counter_c answers to {join, G} and {leave, G}, on an OTP node.
member() ->
    receive
        {'$gen_call', From, {join, G}} -> gen:reply(From, pg:join(G, self()));
        {'$gen_call', From, {leave, G}} -> gen:reply(From, pg:leave(G, self()));
        {'$gen_call', From, {register_global, Name}} -> gen:reply(From, global:register_name(Name, self()));
        {'$gen_call', From, {unregister_global, Name}} -> gen:reply(From, global:unregister_name(Name))
    end,
    member().

recv(Ref) -> receive {Ref, _, _, _} = M -> M after 5000 -> error({no_message, Ref}) end.

case_(start_group, N) ->
    {ok, _} = pg:start(pg),
    %% c1 joined `counters` in its init; a restarted c1 joins again
    P = c1(N),
    true = is_pid(P),
    wait(fun() -> [P] =:= pg:get_members(counters) end),
    exit(P, kill),
    wait(fun() -> is_pid(c1(N)) andalso c1(N) =/= P andalso [c1(N)] =:= pg:get_members(counters) end),
    eq([c1(N)], rpc:call(N, pg, get_local_members, [counters])),
    ok;
case_(side_by_side, N) ->
    {ok, _} = pg:start(pg),
    Cookie = atom_to_list(erlang:get_cookie()),
    Dir = filename:dirname(code:which(?MODULE)),
    {ok, Peer, Ref} = peer:start(#{name => peer:random_name(), args => ["-setcookie", Cookie, "-pa", Dir]}),
    {ok, _} = erpc:call(Ref, pg, start, [pg]),
    try
        Theirs = erpc:call(Ref, erlang, spawn, [?MODULE, member, []]),
        Events = [events(Theirs), events(c1(N))],
        [A, B] = [[{Tag, G} || {_, Tag, G, _} <- E] || E <- Events],
        eq(A, B),
        ok
    after peer:stop(Peer)
    end;
case_(global_name, N) ->
    ok = global:sync(),
    Cookie = atom_to_list(erlang:get_cookie()),
    Dir = filename:dirname(code:which(?MODULE)),
    {ok, Peer, Ref} = peer:start(#{name => peer:random_name(), args => ["-setcookie", Cookie, "-pa", Dir]}),
    try
        ok = erpc:call(Ref, global, sync, []),
        Theirs = erpc:call(Ref, erlang, spawn, [?MODULE, member, []]),
        [ok = names(P, Name) || {P, Name} <- [{Theirs, {peer_name, 1}}, {c1(N), {plugin_name, 1}}]],
        ok
    after peer:stop(Peer)
    end;
case_(exit_leaves, N) ->
    {ok, _} = pg:start(pg),
    P = c1(N),
    {Ref, []} = pg:monitor(gone),
    ok = gen_server:call(P, {join, gone}),
    eq({Ref, join, gone, [P]}, recv(Ref)),
    exit(P, kill),
    eq({Ref, leave, gone, [P]}, recv(Ref)),
    eq([], pg:get_members(gone)),
    ok.

%% The notifications this node gets while P joins, leaves and joins groups; P's members as
%% seen here after each.
events(P) ->
    {SRef, _} = pg:monitor_scope(),
    ok = gen_server:call(P, {join, g1}),
    E1 = recv(SRef),
    eq([P], pg:get_members(g1)),
    ok = gen_server:call(P, {join, {g, 2}}),
    E2 = recv(SRef),
    ok = gen_server:call(P, {join, g1}),
    E3 = recv(SRef),
    eq([P, P], pg:get_members(g1)),
    ok = gen_server:call(P, {leave, g1}),
    E4 = recv(SRef),
    eq([P], pg:get_members(g1)),
    ok = gen_server:call(P, {leave, {g, 2}}),
    E5 = recv(SRef),
    ok = gen_server:call(P, {leave, g1}),
    E6 = recv(SRef),
    eq([], pg:get_members(g1)),
    eq([], pg:get_members({g, 2})),
    pg:demonitor(SRef),
    [eq({SRef, T, G, [P]}, E) || {T, G, E} <- lists:zip3([join, join, join, leave, leave, leave],
                                                         [g1, {g, 2}, g1, g1, {g, 2}, g1],
                                                         [E1, E2, E3, E4, E5, E6])],
    [E1, E2, E3, E4, E5, E6].

%% P's global name as this node sees it: registered, refused to another pid, unregistered,
%% registered again and gone with P's exit.
names(P, Name) ->
    eq(yes, gen_server:call(P, {register_global, Name})),
    eq(P, global:whereis_name(Name)),
    eq(no, global:register_name(Name, self())),
    eq(ok, gen_server:call(P, {unregister_global, Name})),
    eq(undefined, global:whereis_name(Name)),
    eq(ok, gen_server:call(P, {unregister_global, Name})),
    eq(yes, gen_server:call(P, {register_global, Name})),
    eq(P, global:whereis_name(Name)),
    exit(P, kill),
    wait(fun() -> undefined =:= global:whereis_name(Name) end),
    ok.
