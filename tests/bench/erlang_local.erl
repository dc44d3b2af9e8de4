%% The Erlang side of tests/bench/compare.sh: the same local workloads as ergod_bench_local,
%% measured on this machine's Erlang/OTP. Prints one "name value" line per workload.
%% Usage: erl -run erlang_local main [SECONDS [NAME]]   (NAME: only that workload)
-module(erlang_local).
-behaviour(gen_server).
-export([main/1, init/1, handle_call/3, handle_cast/2]).

-define(SECONDS, 2).

main(Args) ->
    Secs = case Args of [S | _] -> list_to_integer(S); [] -> ?SECONDS end,
    Only = case Args of [_, O | _] -> list_to_atom(O); _ -> all end,
    Run = fun(Name, F) when Only =:= all; Only =:= Name -> report(Name, F()); (_, _) -> ok end,
    Run(call_1, fun() -> calls(1, 1, Secs) end),
    Run(call_8, fun() -> calls(8, 8, Secs) end),
    Run(call_64, fun() -> calls(64, 64, Secs) end),
    Run(call_64to1, fun() -> calls(64, 1, Secs) end),
    Run(spawn_exit, fun() -> spawn_exit(500000) end),
    Run(idle_process_bytes, fun() -> idle_bytes(100000) end),
    halt().

report(Name, Value) -> io:format("~s ~w~n", [Name, round(Value)]).

init([]) -> {ok, []}.
handle_call(Req, _From, S) -> {reply, Req, S}.
handle_cast(_, S) -> {noreply, S}.

%% Callers each call a server (caller I uses server I rem Servers) in a loop for Secs seconds;
%% the result is total calls per second.
calls(Callers, Servers, Secs) ->
    Pids = list_to_tuple([begin {ok, P} = gen_server:start(?MODULE, [], []), P end
                          || _ <- lists:seq(1, Servers)]),
    Parent = self(),
    Deadline = erlang:monotonic_time(millisecond) + Secs * 1000,
    Start = erlang:monotonic_time(microsecond),
    [spawn_link(fun() -> Parent ! {done, call_loop(element(I rem Servers + 1, Pids), Deadline, 0)} end)
     || I <- lists:seq(0, Callers - 1)],
    Total = lists:sum([receive {done, N} -> N end || _ <- lists:seq(1, Callers)]),
    Elapsed = erlang:monotonic_time(microsecond) - Start,
    [gen_server:stop(P) || P <- tuple_to_list(Pids)],
    Total / (Elapsed / 1.0e6).

call_loop(Server, Deadline, N) ->
    case N band 1023 of
        0 ->
            case erlang:monotonic_time(millisecond) >= Deadline of
                true -> N;
                false -> gen_server:call(Server, ping), call_loop(Server, Deadline, N + 1)
            end;
        _ -> gen_server:call(Server, ping), call_loop(Server, Deadline, N + 1)
    end.

%% Spawns N processes that exit at once; the rate counts until the last one has exited.
spawn_exit(N) ->
    Before = erlang:system_info(process_count),
    Start = erlang:monotonic_time(microsecond),
    spawn_n(N),
    wait_count(Before),
    Elapsed = erlang:monotonic_time(microsecond) - Start,
    N / (Elapsed / 1.0e6).

spawn_n(0) -> ok;
spawn_n(N) -> spawn(fun() -> ok end), spawn_n(N - 1).

wait_count(Before) ->
    case erlang:system_info(process_count) =< Before of
        true -> ok;
        false -> erlang:yield(), wait_count(Before)
    end.

%% Memory per idle process: spawn N that wait in receive, compare the VM's total memory.
idle_bytes(N) ->
    erlang:garbage_collect(),
    Before = erlang:memory(total),
    Pids = [spawn(fun() -> receive stop -> ok end end) || _ <- lists:seq(1, N)],
    After = erlang:memory(total),
    [P ! stop || P <- Pids],
    (After - Before) / N.
