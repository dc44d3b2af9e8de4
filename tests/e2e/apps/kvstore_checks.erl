%% The Erlang side of the kvstore end-to-end test (kvstore.sh): a real OTP 25 node uses the
%% kvstore example application (plugins/kvstore) on ergod as the README's tutorial does.
%% Run: erl -sname X -setcookie C -pa DIR -noshell -s kvstore_checks main ErgodNode Case
-module(kvstore_checks).
-export([main/1]).
-export([data/1, ttl/1, stats/1, sessions/1, session_ends/1, kill_stats/1, kill_store/1,
         childspecs/1, start_child_errors/1, sys_calls/1]).
-import(check_lib, [eq/2, wait/1]).

main([Node, Case]) -> check_lib:run([Node, Case], fun(C, N, []) -> ?MODULE:C(N) end).

kv(N, Req) -> gen_server:call({kv_store, N}, Req).
stats_of(N) -> gen_server:call({kv_stats, N}, stats).

%% [{Id, Pid}] of kvstore_sup, in start order.
tree(N) ->
    lists:reverse([{Id, P} || {Id, P, _, _} <- supervisor:which_children({kvstore_sup, N})]).

%% put/get/delete/keys, max_keys from the manifest's env (5 in the test's copy), rpc.
data(N) ->
    eq(<<"1.0.0">>, rpc:call(N, kvstore, version, [])),
    eq([], kv(N, keys)),
    eq(not_found, kv(N, {get, a})),
    eq(ok, kv(N, {put, a, 1})),
    eq({ok, 1}, kv(N, {get, a})),
    eq(ok, kv(N, {put, a, #{any => [term, <<"at">>, all]}})),
    eq({ok, #{any => [term, <<"at">>, all]}}, kv(N, {get, a})),
    eq(ok, kv(N, {put, {tuple, key}, self()})),
    eq(ok, kv(N, {put, 42, "text"})),
    eq([42, a, {tuple, key}], kv(N, keys)),  % Erlang term order
    eq(3, kv(N, size)),
    eq(ok, kv(N, {delete, {tuple, key}})),
    eq(ok, kv(N, {delete, nosuch})),
    eq(not_found, kv(N, {get, {tuple, key}})),
    [ok = kv(N, {put, K, K}) || K <- [k1, k2, k3]],
    eq({error, full}, kv(N, {put, k4, 4})),
    eq(ok, kv(N, {put, k3, overwritten})),  % not a new key: allowed when full
    eq({error, {bad_ttl, -1}}, kv(N, {put, b, 1, -1})),
    eq({error, {unknown_call, what}}, kv(N, what)),
    [ok = kv(N, {delete, K}) || K <- kv(N, keys)],
    eq([], kv(N, keys)),
    ok.

%% {put, K, V, TtlMs} expires; overwriting a key drops its old timer; infinity keeps it.
ttl(N) ->
    eq(ok, kv(N, {put, short, 1, 50})),
    eq(ok, kv(N, {put, kept, 1, 100})),
    eq(ok, kv(N, {put, kept, 2})),           % no expiry any more
    eq(ok, kv(N, {put, forever, 3, infinity})),
    eq(ok, kv(N, {put, later, 4, 300})),
    wait(fun() -> kv(N, {get, short}) =:= not_found end),
    wait(fun() -> kv(N, {get, later}) =:= not_found end),
    %% later's timer (300 ms) fired after kept's old one (100 ms), which changed nothing.
    eq({ok, 2}, kv(N, {get, kept})),
    eq({ok, 3}, kv(N, {get, forever})),
    eq(2, maps:get(expired, stats_of(N))),
    [ok = kv(N, {delete, K}) || K <- kv(N, keys)],
    ok.

%% kv_stats counts what the store did, as the store's casts tell it.
stats(N) ->
    S0 = stats_of(N),
    eq([deletes, expired, gets, hits, keys, misses, puts, rejected], lists:sort(maps:keys(S0))),
    eq(ok, kv(N, {put, s1, 1})),
    {ok, 1} = kv(N, {get, s1}),
    not_found = kv(N, {get, s2}),
    eq(ok, kv(N, {delete, s1})),
    Want = S0#{puts := maps:get(puts, S0) + 1, gets := maps:get(gets, S0) + 2,
               hits := maps:get(hits, S0) + 1, misses := maps:get(misses, S0) + 1,
               deletes := maps:get(deletes, S0) + 1, keys := 0},
    wait(fun() -> stats_of(N) =:= Want end),
    ok.

%% A session per client, from OTP's supervisor API; its get goes through the store.
sessions(N) ->
    Client = spawn(fun() -> receive stop -> ok end end),
    {ok, S} = supervisor:start_child({sessions_sup, N}, [Client]),
    eq(N, node(S)),
    eq(Client, gen_server:call(S, client)),
    eq(ok, kv(N, {put, a, 1})),
    eq({ok, 1}, gen_server:call(S, {get, a})),
    eq(ok, gen_server:call(S, {put, b, 2})),
    eq({ok, 2}, kv(N, {get, b})),
    eq(ok, gen_server:call(S, {delete, b})),
    eq(not_found, gen_server:call(S, {get, b})),
    eq(4, gen_server:call(S, requests)),
    [{undefined, S, worker, _}] = supervisor:which_children({sessions_sup, N}),
    {error, {badarg, _}} = supervisor:start_child({sessions_sup, N}, [not_a_pid]),
    Client ! stop,
    ok.

%% A session ends (normal) when its client dies, and leaves its supervisor.
session_ends(N) ->
    Client = spawn(fun() -> receive stop -> ok end end),
    {ok, S} = supervisor:start_child({sessions_sup, N}, [Client]),
    Ref = erlang:monitor(process, S),
    exit(Client, kill),
    receive {'DOWN', Ref, process, S, Reason} -> eq(normal, Reason)
    after 5000 -> error(session_still_up)
    end,
    wait(fun() -> supervisor:which_children({sessions_sup, N}) =:= [] end),
    ok.

%% rest_for_one: stats dies -> stats and sessions_sup restart, the store and its data stay;
%% the new stats reads the store's size at init.
kill_stats(N) ->
    eq(ok, kv(N, {put, a, 1})),
    eq(ok, kv(N, {put, b, 2})),
    [{store, P1}, {stats, P2}, {sessions_sup, P3}] = tree(N),
    exit(P2, kill),
    wait(fun() ->
             [{store, Q1}, {stats, Q2}, {sessions_sup, Q3}] = tree(N),
             Q1 =:= P1 andalso is_pid(Q2) andalso Q2 =/= P2 andalso is_pid(Q3) andalso Q3 =/= P3
         end),
    eq({ok, 1}, kv(N, {get, a})),
    eq(2, maps:get(keys, stats_of(N))),
    ok.

%% rest_for_one: the store dies -> all three restart (a session with them), the data is gone.
kill_store(N) ->
    Client = spawn(fun() -> receive stop -> ok end end),
    {ok, S} = supervisor:start_child({sessions_sup, N}, [Client]),
    SRef = erlang:monitor(process, S),
    eq(ok, kv(N, {put, a, 1})),
    [{store, P1}, {stats, P2}, {sessions_sup, P3}] = tree(N),
    exit(P1, kill),
    receive {'DOWN', SRef, process, S, shutdown} -> ok
    after 5000 -> error(session_still_up)
    end,
    wait(fun() ->
             [{store, Q1}, {stats, Q2}, {sessions_sup, Q3}] = tree(N),
             lists:all(fun is_pid/1, [Q1, Q2, Q3]) andalso Q1 =/= P1 andalso Q2 =/= P2 andalso Q3 =/= P3
         end),
    eq(not_found, kv(N, {get, a})),
    eq([], kv(N, keys)),
    eq(#{puts => 0, gets => 1, hits => 0, misses => 1, deletes => 0, expired => 0, rejected => 0, keys => 0},
       wait_value(fun() -> stats_of(N) end, fun(#{misses := M}) -> M =:= 1 end)),
    eq([], supervisor:which_children({sessions_sup, N})),
    Client ! stop,
    ok.

wait_value(Get, Done) -> wait_value(Get, Done, 100).
wait_value(_, _, 0) -> error(timeout);
wait_value(Get, Done, K) ->
    V = Get(),
    case catch Done(V) of
        true -> V;
        _ -> timer:sleep(50), wait_value(Get, Done, K - 1)
    end.

%% supervisor:get_childspec/2 as OTP answers it: the map of OTP 25's keys, the start MFA
%% naming the plugin's behavior; simple_one_for_one takes a child's pid.
childspecs(N) ->
    {ok, Store} = supervisor:get_childspec({kvstore_sup, N}, store),
    eq(#{id => store, start => {ergod_plugin, start_link, [kvstore, store, []]}, restart => permanent,
         significant => false, shutdown => 5000, type => worker, modules => [store]}, Store),
    {ok, #{type := supervisor, shutdown := infinity}} = supervisor:get_childspec({kvstore_sup, N}, sessions_sup),
    eq({error, not_found}, supervisor:get_childspec({kvstore_sup, N}, nope)),
    Client = spawn(fun() -> receive stop -> ok end end),
    {ok, S} = supervisor:start_child({sessions_sup, N}, [Client]),
    {ok, #{id := session, restart := temporary,
           start := {ergod_plugin, start_link, [kvstore, session, []]}}} =
        supervisor:get_childspec({sessions_sup, N}, S),
    eq({error, not_found}, supervisor:get_childspec({sessions_sup, N}, nope)),
    Client ! stop,
    ok.

%% start_child with Erlang child specs: OTP's errors come first (the spec, then the id).
start_child_errors(N) ->
    Sup = {kvstore_sup, N},
    eq({error, {invalid_child_spec, foo}}, supervisor:start_child(Sup, foo)),
    eq({error, missing_start}, supervisor:start_child(Sup, #{id => x})),
    eq({error, {invalid_mfa, bad}}, supervisor:start_child(Sup, #{id => store, start => bad})),
    StorePid = child_pid(N, store),
    eq({error, {already_started, StorePid}},
       supervisor:start_child(Sup, #{id => store, start => {m, f, []}})),
    {error, {cxx_child_spec_required, _}} = supervisor:start_child(Sup, #{id => new, start => {m, f, []}}),
    {error, {'EXIT', {badarg, [_ | _]}}} = supervisor:start_child({sessions_sup, N}, notalist),
    ok.

%% sys on ergod's processes: get_state, get_status, suspend/resume, change_code, debug.
sys_calls(N) ->
    Store = {kv_store, N},
    eq({plugin_state, kvstore, store}, sys:get_state(Store)),
    StorePid = child_pid(N, store),
    {status, StorePid, {module, gen_server}, [_PDict, running, _Parent, [], Misc]} = sys:get_status(Store),
    [{header, "Status for generic server kv_store"} | _] = Misc,
    eq(ok, sys:suspend(Store)),
    {status, _, _, [_, suspended | _]} = sys:get_status(Store),
    {'EXIT', {timeout, _}} = (catch gen_server:call(Store, {get, a}, 300)),
    {error, {'EXIT', {undef, _}}} = sys:change_code(Store, store, 1, x),
    eq(ok, sys:resume(Store)),
    {ok, _} = gen_server:call(Store, {get, a}),
    eq({error, {unknown_system_msg, {change_code, store, 1, x}}}, sys:change_code(Store, store, 1, x)),
    eq(unknown_debug, sys:trace(Store, true)),
    eq({ok, []}, sys:log(Store, get)),
    State = sys:get_state({kvstore_sup, N}),
    {state, {local, kvstore_sup}, rest_for_one, {[sessions_sup, stats, store], _}, undefined, 5, 10,
     _, 0, never, ergod_supervisor, _} = State,
    {status, _, {module, gen_server}, [_, running, _, [], [_, _, {data, [{"State", State}]},
                                                         {supervisor, [{"Callback", ergod_supervisor}]}]]} =
        sys:get_status({kvstore_sup, N}),
    ok.

child_pid(N, Id) -> hd([P || {I, P, _, _} <- supervisor:which_children({kvstore_sup, N}), I =:= Id]).
