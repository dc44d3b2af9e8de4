%% pg from a real OTP 25 node: joins, leaves and monitors of processes on the target node over
%% rpc, and scopes the target does not run. Each case runs against ergod AND against a real
%% OTP 25 node started here in its place (with a pg scope, as ergod runs one), which is how
%% the answers are proved to be OTP's.
%% Run: erl -sname X -setcookie C -pa DIR -noshell -s pg_checks main ErgodNode Case
-module(pg_checks).
-export([main/1]).
-import(check_lib, [eq/2, wait/1]).

main([Node, Case]) ->
    check_lib:log_to_stdout(pg_log),
    timer:apply_after(60000, erlang, halt, [3]),  % a hung case fails here, not at meson's timeout
    check_lib:run([Node, Case], fun(C, N, []) -> against_both(C, N) end).

against_both(Case, N) ->
    {ok, _} = pg:start(pg),
    Cookie = atom_to_list(erlang:get_cookie()),
    {ok, Peer, Ref} = peer:start(#{name => peer:random_name(), args => ["-setcookie", Cookie]}),
    {ok, _} = erpc:call(Ref, pg, start, [pg]),
    try [ok = case_(Case, T) || T <- [Ref, N]], ok
    after peer:stop(Peer)
    end.

r(T, F, A) -> rpc:call(T, pg, F, A).

%% A process on T that lives until killed.
sleeper(T) -> spawn(T, timer, sleep, [infinity]).

case_(join_leave, T) ->
    P = sleeper(T),
    eq(ok, r(T, join, [g1, P])),
    eq(ok, r(T, join, [pg, g2, [P, P]])),
    %% our scope hears the joins, as the target's own table has them
    wait(fun() -> [P] =:= pg:get_members(g1) andalso [P, P] =:= pg:get_members(g2) end),
    eq([P], r(T, get_members, [g1])),
    eq([P], r(T, get_local_members, [g1])),
    eq([P, P], r(T, get_local_members, [pg, g2])),
    eq([g1, g2], lists:sort(r(T, which_local_groups, []))),
    eq([g1, g2], lists:sort(r(T, which_groups, [pg]))),
    eq(ok, r(T, leave, [g1, P])),
    eq(not_joined, r(T, leave, [g1, P])),
    eq(not_joined, r(T, leave, [pg, nosuch, [P]])),
    eq(ok, r(T, leave, [pg, g2, P])),
    eq([P], r(T, get_members, [g2])),
    wait(fun() -> [] =:= pg:get_members(g1) andalso [P] =:= pg:get_members(g2) end),
    %% a member that ends leaves its groups, on the target and here
    exit(P, kill),
    wait(fun() -> [] =:= r(T, which_groups, []) end),
    wait(fun() -> [] =:= pg:which_groups() end),
    ok;
case_(join_errors, T) ->
    Me = self(),
    P = sleeper(T),
    {badrpc, {'EXIT', {{nolocal, Me}, [{pg, ensure_local, 1, _}, {pg, join, 3, _}, {pg, join, 2, []}]}}} =
        r(T, join, [g, Me]),
    {badrpc, {'EXIT', {{nolocal, Me}, [{pg, ensure_local, 1, _}, {pg, leave, 3, _}]}}} = r(T, leave, [pg, g, Me]),
    {badrpc, {'EXIT', {{nolocal, Me}, [{pg, '-ensure_local/1-fun-0-', 1, _}, {lists, foreach_1, 2, _},
                                       {pg, join, 3, _}, {pg, join, 2, []}]}}} = r(T, join, [g, [P, Me]]),
    {badrpc, {'EXIT', {{nolocal, x}, _}}} = r(T, join, [g, [x]]),
    {badrpc, {'EXIT', {function_clause, [{pg, join, [pg, g, x], _}, {pg, join, 2, []}]}}} = r(T, join, [g, x]),
    {badrpc, {'EXIT', {function_clause, [{pg, leave, [pg, g, 1], _}]}}} = r(T, leave, [pg, g, 1]),
    eq({badrpc, {'EXIT', {noproc, {gen_server, call, [nosuch, {join_local, g, P}, infinity]}}}},
       r(T, join, [nosuch, g, P])),
    eq({badrpc, {'EXIT', {noproc, {gen_server, call, [nosuch, {leave_local, g, [P]}, infinity]}}}},
       r(T, leave, [nosuch, g, [P]])),
    {'EXIT', {{exception, {nolocal, Me}, _}, _}} = (catch erpc:call(T, pg, join, [g, Me])),
    eq([], r(T, which_groups, [])),
    exit(P, kill),
    ok;
case_(monitors, T) ->
    P = sleeper(T),
    ok = r(T, join, [g1, [P, P]]),
    {R1, M1} = r(T, monitor_scope, []),
    true = is_reference(R1) andalso node(R1) =:= T,
    eq(#{g1 => [P, P]}, M1),
    {_, #{g1 := [P, P]}} = r(T, monitor_scope, [pg]),
    {R2, [P, P]} = r(T, monitor, [g1]),
    true = is_reference(R2),
    {_, []} = r(T, monitor, [pg, nosuch]),
    eq(false, r(T, demonitor, [make_ref()])),
    eq(false, r(T, demonitor, [pg, R1])),  % the rpc's process is gone, and its monitors with it
    eq({badrpc, {'EXIT', {noproc, {gen_server, call, [nosuch, monitor, infinity]}}}}, r(T, monitor_scope, [nosuch])),
    eq({badrpc, {'EXIT', {noproc, {gen_server, call, [nosuch, {monitor, g}, infinity]}}}}, r(T, monitor, [nosuch, g])),
    %% the calls behind them, made by this process: changes come as messages until demonitor
    {SRef, #{g1 := [P, P]}} = gen_server:call({pg, T}, monitor),
    {GRef, []} = gen_server:call({pg, T}, {monitor, g2}),
    ok = r(T, join, [g2, P]),
    eq({GRef, join, g2, [P]}, recv(GRef)),
    eq({SRef, join, g2, [P]}, recv(SRef)),
    ok = r(T, leave, [g1, [P]]),
    eq({SRef, leave, g1, [P]}, recv(SRef)),
    %% a join here reaches the target's monitors too
    Me = self(),
    ok = pg:join(g2, Me),
    eq({GRef, join, g2, [Me]}, recv(GRef)),
    eq({SRef, join, g2, [Me]}, recv(SRef)),
    ok = pg:leave(g2, Me),
    eq({GRef, leave, g2, [Me]}, recv(GRef)),
    eq({SRef, leave, g2, [Me]}, recv(SRef)),
    eq(ok, gen_server:call({pg, T}, {demonitor, GRef})),
    eq(false, gen_server:call({pg, T}, {demonitor, GRef})),
    exit(P, kill),  % its groups, newest join first
    eq({SRef, leave, g2, [P]}, recv(SRef)),
    eq({SRef, leave, g1, [P]}, recv(SRef)),
    eq(ok, gen_server:call({pg, T}, {demonitor, SRef})),
    receive X -> error({unexpected, X}) after 300 -> ok end;
%% which_groups lists atom groups in the order of OTP's ETS table, on the target as here:
%% the same list from both (300 groups grow the table past its first 256 buckets).
case_(order, T) ->
    P = sleeper(T),
    Gs = [g1, g2, g3, a, b, c, z, x_y_z, 'Elixir.Foo'],
    [ok = r(T, join, [G, P]) || G <- Gs],
    eq([g3, g2, g1, z, x_y_z, c, b, a, 'Elixir.Foo'], r(T, which_groups, [])),
    eq([g3, g2, g1, z, x_y_z, c, b, a, 'Elixir.Foo'], r(T, which_local_groups, [pg])),
    Many = [list_to_atom("k" ++ integer_to_list(I)) || I <- lists:seq(1, 300)],
    [ok = r(T, join, [G, P]) || G <- Many],
    %% this node's own ETS table, filled the same way, is the reference
    Ets = ets:new(order, [set, {read_concurrency, true}]),
    [ets:insert(Ets, {G, [], []}) || G <- Gs ++ Many],
    eq([G || [G] <- ets:match(Ets, {'$1', '_', '_'})], r(T, which_groups, [])),
    %% a group left and joined again is newest in its bucket
    ok = r(T, leave, [g1, P]),
    ok = r(T, join, [g1, P]),
    ets:delete(Ets, g1),
    ets:insert(Ets, {g1, [], []}),
    eq([G || [G] <- ets:match(Ets, {'$1', '_', '_'})], r(T, which_groups, [])),
    exit(P, kill),
    wait(fun() -> [] =:= r(T, which_groups, []) end),
    ok;
%% A scope that this node runs and the target does not (Phoenix.PubSub starts one per
%% PubSub): its discover goes nowhere, without a log line on either side; a call fails at once.
case_(other_scope, T) ->
    case pg:start(my_pubsub) of {ok, _} -> ok; {error, {already_started, _}} -> ok end,
    Me = self(),
    ok = pg:join(my_pubsub, topic, Me),
    eq([Me], pg:get_members(my_pubsub, topic)),
    eq([], r(T, get_members, [my_pubsub, topic])),
    {'EXIT', {noproc, _}} = (catch gen_server:call({my_pubsub, T}, {monitor, topic}, 2000)),
    {badrpc, {'EXIT', {noproc, _}}} = r(T, monitor_scope, [my_pubsub]),
    %% pg's own scope is unaffected
    ok = pg:join(g, Me),
    wait(fun() -> [Me] =:= r(T, get_members, [g]) end),
    ok = pg:leave(g, Me),
    wait(fun() -> [] =:= r(T, get_members, [g]) end),
    ok = pg:leave(my_pubsub, topic, Me).

recv(Ref) ->
    receive {Ref, _, _, _} = M -> M after 5000 -> {timeout, Ref} end.
