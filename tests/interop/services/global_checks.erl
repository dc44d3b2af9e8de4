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
