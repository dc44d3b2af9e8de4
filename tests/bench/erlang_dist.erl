%% The erl client of tests/bench/compare.sh's distributed workloads: the same workloads as
%% ergod_bench_dist.cpp against the `echo` server (shared/interop/README.md) of another node
%% (erl's echo_ref or ergod). Prints one "name value" line per workload:
%%   dist_call_1, dist_call_64  calls/s of {echo, bench} from 1 / 64 caller processes
%%   dist_send_64B, _1KiB       one-way messages/s: batches of 1000 {echo, Dead, Bin} sent with !
%%                              to {echo, Server} (Dead: a dead pid on the server's node, so
%%                              echo's reply goes nowhere), each followed by a ping call
%%   dist_echo_1MiB_us          microseconds per call of {echo, <<1 MiB>>}
%% Usage: erl -sname N -setcookie C -run erlang_dist main SERVER_NODE SECONDS
-module(erlang_dist).
-export([main/1]).

-define(BATCH, 1000).

main([ServerS | Rest]) ->
    Secs = case Rest of [S | _] -> list_to_integer(S); [] -> 2 end,
    Echo = {echo, list_to_atom(ServerS)},
    wait_ping(Echo, 75),
    Dead = dead_pid(Echo),
    report(dist_call_1, calls(Echo, 1, {echo, bench}, Secs)),
    report(dist_call_64, calls(Echo, 64, {echo, bench}, Secs)),
    report(dist_send_64B, sends(Echo, {echo, Dead, binary:copy(<<"x">>, 64)}, Secs)),
    report(dist_send_1KiB, sends(Echo, {echo, Dead, binary:copy(<<"x">>, 1024)}, Secs)),
    report(dist_echo_1MiB_us, echo_us(Echo, {echo, binary:copy(<<"x">>, 1 bsl 20)}, Secs)),
    halt().

report(Name, Value) -> io:format("~s ~w~n", [Name, round(Value)]).

call(Echo, Req, Timeout) ->
    try gen_server:call(Echo, Req, Timeout) of R -> {ok, R} catch exit:E -> {error, E} end.

wait_ping(_Echo, 0) -> io:format(standard_error, "no answer from echo~n", []), halt(1);
wait_ping(Echo, N) ->
    case call(Echo, ping, 2000) of
        {ok, pong} -> ok;
        _ -> timer:sleep(200), wait_ping(Echo, N - 1)
    end.

%% echo's pid before a restart: a dead pid on the server's own node.
dead_pid(Echo) ->
    {ok, Old} = call(Echo, self, 10000),
    _ = call(Echo, {stop, normal}, 10000),
    wait_new(Echo, Old, 75),
    Old.

wait_new(_Echo, _Old, 0) -> io:format(standard_error, "echo did not come back~n", []), halt(1);
wait_new(Echo, Old, N) ->
    case call(Echo, self, 2000) of
        {ok, New} when New =/= Old -> ok;
        _ -> timer:sleep(20), wait_new(Echo, Old, N - 1)
    end.

%% Runs N client processes until the deadline; returns {total count, elapsed seconds}.
run(N, Fun, Secs) ->
    Parent = self(),
    Start = erlang:monotonic_time(microsecond),
    Deadline = Start + Secs * 1000000,
    [spawn_link(fun() -> Parent ! {done, Fun(Deadline, 0)} end) || _ <- lists:seq(1, N)],
    Total = lists:sum([receive {done, C} -> C end || _ <- lists:seq(1, N)]),
    {Total, (erlang:monotonic_time(microsecond) - Start) / 1.0e6}.

calls(Echo, Callers, Req, Secs) ->
    {N, Elapsed} = run(Callers, fun(D, C) -> call_loop(Echo, Req, D, C) end, Secs),
    N / Elapsed.

call_loop(Echo, Req, Deadline, N) ->
    case erlang:monotonic_time(microsecond) >= Deadline of
        true -> N;
        false -> gen_server:call(Echo, Req, 30000), call_loop(Echo, Req, Deadline, N + 1)
    end.

sends(Echo, Msg, Secs) ->
    {N, Elapsed} = run(1, fun(D, C) -> send_loop(Echo, Msg, D, C) end, Secs),
    N / Elapsed.

send_loop(Echo, Msg, Deadline, N) ->
    case erlang:monotonic_time(microsecond) >= Deadline of
        true -> N;
        false ->
            send_n(Echo, Msg, ?BATCH),
            pong = gen_server:call(Echo, ping, 30000),
            send_loop(Echo, Msg, Deadline, N + ?BATCH)
    end.

send_n(_Echo, _Msg, 0) -> ok;
send_n(Echo, Msg, K) -> Echo ! Msg, send_n(Echo, Msg, K - 1).

echo_us(Echo, Req, Secs) ->
    {N, Elapsed} = run(1, fun(D, C) -> call_loop(Echo, Req, D, C) end, Secs),
    case N of 0 -> 0; _ -> Elapsed * 1.0e6 / N end.
