%% The Erlang side of the application end-to-end tests: a real OTP 25 node calls into the
%% counter_c plugin's processes on ergod and drives its supervisors with OTP's own API.
%% Run: erl -sname X -setcookie C -pa DIR -noshell -s app_checks main ErgodNode Case
-module(app_checks).
-export([main/1]).
-export([calls/1, applications/1, one_for_all/1, exceed/1, exceed_once/1, counters_down/1, counters_up/1]).
-import(check_lib, [eq/2, wait/1]).

main([Node, Case]) -> check_lib:run([Node, Case], fun(C, N, []) -> ?MODULE:C(N) end).

children(N) -> lists:sort(supervisor:which_children({counters_sup, N})).
pids(N) -> [P || {_, P, _, _} <- children(N)].

%% Calls into the plugin by registered name, from another node; env reached the processes.
calls(N) ->
    eq(100, gen_server:call({c1, N}, get)),
    eq(105, gen_server:call({c1, N}, {add, 5})),
    eq(0, gen_server:call({b1, N}, get)),
    [{c1, P1, worker, [c1]}, {c2, P2, worker, [c2]}] = children(N),
    true = is_pid(P1) andalso is_pid(P2) andalso node(P1) =:= N,
    eq([{specs, 2}, {active, 2}, {supervisors, 0}, {workers, 2}],
       supervisor:count_children({counters_sup, N})),
    ok.

%% OTP's application module over rpc: the running ones, the last started first, with the
%% manifests' descriptions and versions as strings.
applications(N) ->
    Running = [{counters, "", "2.0.0"}, {base, "the first to start, the last to stop", "1.0.0"}],
    eq(Running, rpc:call(N, application, which_applications, [])),
    eq(Running, rpc:call(N, application, which_applications, [infinity])),
    eq(Running, rpc:call(N, application, which_applications, [5000])),
    eq(lists:sort(Running), lists:sort(rpc:call(N, application, loaded_applications, []))),
    {badrpc, {'EXIT', {function_clause, [{application, which_applications, [-1], _} | _]}}} =
        rpc:call(N, application, which_applications, [-1]),
    ok.

%% Killing one child restarts both (one_for_all), with fresh state.
one_for_all(N) ->
    [P1, P2] = pids(N),
    exit(P1, kill),
    wait(fun() -> [Q1, Q2] = pids(N), is_pid(Q1) andalso is_pid(Q2) andalso Q1 =/= P1 andalso Q2 =/= P2 end),
    eq(100, gen_server:call({c1, N}, get)),
    ok.

%% Two more kills within the period exceed intensity 2: the supervisor gives up.
exceed(N) ->
    Ref = erlang:monitor(process, {counters_sup, N}),
    [P1, _] = pids(N),
    exit(P1, kill),
    wait(fun() -> [Q1, _] = pids(N), is_pid(Q1) andalso Q1 =/= P1 end),
    [Q1, _] = pids(N),
    exit(Q1, kill),
    receive {'DOWN', Ref, process, _, Reason} -> eq(shutdown, Reason)
    after 5000 -> error(supervisor_still_up)
    end,
    ok.

%% intensity 0: the first kill ends the supervisor.
exceed_once(N) ->
    Ref = erlang:monitor(process, {counters_sup, N}),
    [P1, _] = pids(N),
    exit(P1, kill),
    receive {'DOWN', Ref, process, _, _} -> ok
    after 5000 -> error(supervisor_still_up)
    end.

counters_down(N) ->
    eq(undefined, rpc_whereis(N, counters_sup)),
    ok.

counters_up(N) ->
    eq(100, gen_server:call({c1, N}, get)),
    ok.

rpc_whereis(N, Name) ->
    case catch gen_server:call({Name, N}, which_children, 1000) of
        {'EXIT', {noproc, _}} -> undefined;
        _ -> up
    end.
