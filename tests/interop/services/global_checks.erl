%% The Erlang side of the global interop test (global.sh): OTP 25 nodes running `global`
%% against ergod's global_name_server. Each case crashes (exit status 1, reason printed) when
%% global hangs or answers otherwise than with another OTP node in ergod's place.
%% Run: erl -sname X -setcookie C -pa DIR -noshell -s global_checks main ErgodNode Case [Arg]
-module(global_checks).
-export([main/1]).
-import(check_lib, [eq/2]).

main([Node, Case | Args]) ->
    check_lib:log_to_stdout(glb_log),
    %% A case that hangs fails here instead of at meson's timeout.
    timer:apply_after(30000, erlang, halt, [3]),
    check_lib:run([Node, Case | Args], fun case_/3).

%% ergod's own view of a name: global_name_server answers {whereis, Name, From} itself.
ergod_whereis(N, Name) ->
    Ref = make_ref(),
    {global_name_server, N} ! {whereis, Name, {self(), Ref}},
    receive {Ref, Where} -> Where after 5000 -> error(no_whereis_answer) end.

timed_sync() ->
    T0 = erlang:monotonic_time(millisecond),
    eq(ok, global:sync()),
    Ms = erlang:monotonic_time(millisecond) - T0,
    io:format("SYNC_MS ~p~n", [Ms]),
    Ms.

wait_until(F, 0) -> error({timeout, F});
wait_until(F, N) -> case F() of true -> ok; false -> receive after 50 -> wait_until(F, N - 1) end end.

%% One OTP node and ergod: sync, names, locks.
case_(single, N, []) ->
    true = timed_sync() < 5000,
    true = lists:member(N, nodes()),
    eq(ok, global:sync()),
    eq([node()], gen_server:call({global_name_server, N}, get_known)),
    %% register_name sets global's lock on ergod, registers there and deletes the lock.
    eq(yes, global:register_name(glb_foo, self())),
    eq(self(), global:whereis_name(glb_foo)),
    eq(self(), ergod_whereis(N, glb_foo)),
    true = lists:member(glb_foo, global:registered_names()),
    eq(no, global:register_name(glb_foo, spawn(fun() -> ok end))),
    eq(in_trans, global:trans({glb_res, self()}, fun() -> in_trans end)),
    eq(true, global:set_lock({glb_lock, me}, [node(), N])),
    %% A second requester is refused by ergod while we hold the lock there.
    Other = spawn(fun() -> receive {From, Id} -> From ! {self(), global:set_lock(Id, [N], 0)} end end),
    Other ! {self(), {glb_lock, other}},
    receive {Other, R} -> eq(false, R) after 5000 -> error(no_set_lock_answer) end,
    eq(true, global:del_lock({glb_lock, me}, [node(), N])),
    eq(true, global:set_lock({glb_lock, other}, [N], 0)),
    eq(true, global:del_lock({glb_lock, other}, [N])),
    eq(ok, global:unregister_name(glb_foo)),
    eq(undefined, global:whereis_name(glb_foo)),
    eq(undefined, ergod_whereis(N, glb_foo)),
    %% A registered process that dies leaves ergod's table too.
    P = spawn(fun() -> receive stop -> ok end end),
    eq(yes, global:register_name(glb_dies, P)),
    eq(P, ergod_whereis(N, glb_dies)),
    Mref = monitor(process, P),
    P ! stop,
    receive {'DOWN', Mref, _, _, _} -> ok end,
    wait_until(fun() -> ergod_whereis(N, glb_dies) =:= undefined end, 100),
    ok;

%% The first of two OTP nodes: joins ergod, registers a name, then waits for the second.
case_(first, _N, [ReadyFile]) ->
    timed_sync(),
    register(glb_first, self()),
    eq(yes, global:register_name(glb_first_name, self())),
    ok = file:write_file(atom_to_list(ReadyFile), <<"ready">>),
    receive {done, From} -> From ! {self(), bye}, ok after 25000 -> error(second_never_came) end;

%% global's lock, trans, external-name and sync/1 functions over rpc, side by side with a
%% reference OTP node: the same answers, and the same exceptions (file and line left out:
%% ergod runs no global.erl). The reference runs with connect_all false, so that its global
%% does not mesh it with ergod, and its stop at the end is no partition for anyone; it has
%% no code of ours, so a fun of this module fails there as on ergod.
case_(rpc_locks, N, []) ->
    ok = global:sync(),
    Cookie = atom_to_list(erlang:get_cookie()),
    {ok, Peer, PN} = peer:start(#{name => peer:random_name(),
                                  args => ["-setcookie", Cookie, "-connect_all", "false"]}),
    Want = lock_answers(PN),
    Got = lock_answers(N),
    peer:stop(Peer),
    [io:format("differs: ~p~n  reference: ~p~n  ergod:     ~p~n", [I, W, G])
     || {I, W, G} <- lists:zip3(lists:seq(1, length(Want)), Want, Got), W =/= G],
    eq(Want, Got);

%% The second: joins ergod only; global connects it to the first and hands it the name.
case_(second, N, [First]) ->
    timed_sync(),
    wait_until(fun() -> lists:member(First, nodes()) end, 100),
    eq(ok, global:sync()),
    FirstPid = rpc:call(First, erlang, whereis, [glb_first]),
    eq(FirstPid, global:whereis_name(glb_first_name)),
    eq(FirstPid, ergod_whereis(N, glb_first_name)),
    eq(yes, global:register_name(glb_second_name, self())),
    eq(self(), rpc:call(First, global, whereis_name, [glb_second_name])),
    eq(self(), ergod_whereis(N, glb_second_name)),
    true = lists:member(node(), rpc:call(First, erlang, nodes, [])),
    eq(lists:sort([node(), First]), lists:sort(gen_server:call({global_name_server, N}, get_known))),
    {glb_first, First} ! {done, self()},
    receive {FirstPid, bye} -> ok after 5000 -> error(first_did_not_answer) end.

lock_answers(T) ->
    C = fun(F, A) -> norm(rpc:call(T, global, F, A), T) end,
    Local = fun() -> x end,
    true = global:set_lock({glb_held, me}, [node(), T]),
    R1 = [C(set_lock, [{r1, me}]), C(set_lock, [foo]), C(set_lock, [{r1, me}, [T]]),
          C(set_lock, [{r1, me}, []]), C(set_lock, [{r1, me}, foo]), C(set_lock, [foo, [T]]),
          C(set_lock, [{r1, me}, [T], 0]), C(set_lock, [{r1, me}, [T], -1]), C(set_lock, [{r1, me}, [T], x]),
          C(set_lock, [foo, [T], 0]), C(set_lock, [{r1, me}, [T, node(), 'nosuch@nohost'], 0]),
          C(set_lock, [{glb_held, other}, [T], 0]), C(set_lock, [{glb_held, other}, [node()], 0]),
          C(set_lock, [{glb_held, other}, [T, node()], 0]), C(set_lock, [{glb_held, other}, [T], 1]),
          C(set_lock, [{glb_held, me}, [T], 0]), C(set_lock, [{glb_held, me}, [T, node()], 0])],
    R2 = [C(trans, [{glb_held, other}, fun erlang:is_alive/0, [T], 0]),
          C(trans, [{glb_held, other}, fun erlang:is_alive/0, [T, node()], 1]),
          C(trans, [{t, me}, fun erlang:is_alive/0]), C(trans, [{t, me}, fun erlang:is_alive/0, [T]]),
          C(trans, [{t, me}, fun erlang:is_alive/0, [T, node()], 0]), C(trans, [{t, me}, Local]),
          C(trans, [{t, me}, Local, [T]]), C(trans, [{t, me}, 42, [T]]), C(trans, [{t, me}, 42, [T], 0]),
          C(trans, [{t, me}, fun erlang:abs/1]), C(trans, [{t, me}, fun nosuch:f/0]),
          C(trans, [foo, fun erlang:is_alive/0]), C(trans, [{t, me}, fun erlang:is_alive/0, [T], -1]),
          C(trans, [{t, me}, fun erlang:is_alive/0, foo])],
    R3 = [C(del_lock, [{r1, me}]), C(del_lock, [foo]), C(del_lock, [{r1, me}, [T]]),
          C(del_lock, [{r1, me}, foo]), C(del_lock, [foo, [T]]), C(del_lock, [{glb_held, other}, [T]]),
          %% none of the above took or dropped our lock
          C(set_lock, [{glb_held, other}, [T], 0])],
    true = global:del_lock({glb_held, me}, [node(), T]),
    R4 = [C(set_lock, [{glb_held, other}, [T], 0])],
    P = spawn(fun() -> receive stop -> ok end end),
    R5 = [C(register_name_external, [{ext, T}, P]),
          rpc:call(T, global, whereis_name, [{ext, T}]) =:= P,
          C(register_name_external, [{ext, T}, P]),
          C(register_name_external, [{ext2, T}, P, fun global:random_exit_name/3]),
          C(register_name_external, [x, foo]), C(register_name_external, [x, foo, m]),
          C(unregister_name_external, [{ext, T}]), C(unregister_name_external, [{ext, T}]),
          rpc:call(T, global, whereis_name, [{ext, T}]),
          C(unregister_name, [{ext2, T}]),
          C(sync, [[]]), C(sync, [[T]]), C(sync, [['nosuch@nohost']])],
    P ! stop,
    R1 ++ R2 ++ R3 ++ R4 ++ R5.

%% Node names as 'T' (the node asked) and 'ME'; stack frames without file and line.
norm(X, T) when X =:= T -> 'T';
norm(X, _) when X =:= node() -> 'ME';
norm({M, F, A, Loc}, T) when is_atom(M), is_atom(F), is_list(Loc) ->
    {M, F, norm(A, T), [E || E <- Loc, element(1, E) =/= file, element(1, E) =/= line]};
norm(X, T) when is_list(X) -> norm_list(X, T);
norm(X, T) when is_tuple(X) -> list_to_tuple(norm(tuple_to_list(X), T));
norm(X, _) -> X.
norm_list([], _) -> [];
norm_list([H | L], T) -> [norm(H, T) | norm_list(L, T)];
norm_list(Tail, T) -> norm(Tail, T).
