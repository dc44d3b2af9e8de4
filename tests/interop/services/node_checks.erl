%% Checks that concern nodes rather than one service, run by node_*.sh and ergod_pair.sh:
%%   erl -s node_checks main ErgodNode Case [OtherErgodNode]
%% prints "PASS Case" and halts 0, or "FAIL Case: Why" and halts 1 (check_lib:run/2).
-module(node_checks).
-export([main/1]).

main(Args) -> check_lib:run(Args, fun run/3).

call(Node, Req) -> gen_server:call({echo, Node}, Req, 60000).

%% Polls Node's echo events until every wanted event (a fun or a term) was seen.
wait_events(Node, Wanted) -> wait_events(Node, Wanted, [], 100).
wait_events(_, [], Seen, _) -> Seen;
wait_events(Node, Wanted, _, 0) -> error({events_missing, Node, Wanted});
wait_events(Node, Wanted, Seen, N) ->
    New = Seen ++ call(Node, events),
    Left = [W || W <- Wanted, not lists:any(fun(E) -> matches(W, E) end, New)],
    case Left of
        [] -> New;
        _ -> timer:sleep(50), wait_events(Node, Left, New, N - 1)
    end.
matches(F, E) when is_function(F) -> F(E);
matches(T, E) -> T =:= E.

%% Polls F() until it returns Want.
wait_for(F, Want) -> wait_for(F, Want, 100).
wait_for(F, Want, 0) -> error({never, Want, F()});
wait_for(F, Want, N) ->
    case F() of
        Want -> ok;
        _ -> timer:sleep(50), wait_for(F, Want, N - 1)
    end.

%% A hidden erl node connected to ergod is in nodes(hidden) there, not in nodes().
run(hidden, Node, []) ->
    Name = list_to_atom("hidden" ++ integer_to_list(erlang:unique_integer([positive]))),
    %% Driven over its standard io, so that it has no connection but the one to ergod.
    {ok, Peer, Hidden} = peer:start(#{name => Name, connection => standard_io,
                                      args => ["-hidden", "-setcookie", atom_to_list(erlang:get_cookie())]}),
    true = peer:call(Peer, net_kernel, connect_node, [Node]),
    ok = wait_for(fun() -> erpc:call(Node, erlang, nodes, [hidden]) end, [Hidden]),
    Visible = erpc:call(Node, erlang, nodes, []),
    true = lists:member(node(), Visible),
    false = lists:member(Hidden, Visible),
    true = lists:member(Hidden, erpc:call(Node, erlang, nodes, [connected])),
    [Node] = peer:call(Peer, erlang, nodes, [hidden]),
    [] = peer:call(Peer, erlang, nodes, []),
    peer:stop(Peer),
    ok = wait_for(fun() -> erpc:call(Node, erlang, nodes, [hidden]) end, []);
%% GROUP_LEADER to an ergod process, and spawn requests that carry a group leader: accepted,
%% nothing breaks (ergod has no io to redirect).
run(group_leader, Node, []) ->
    Echo = call(Node, self),
    true = group_leader(self(), Echo),
    pong = call(Node, ping),
    Node = erpc:call(Node, erlang, node, []),
    Node = rpc:call(Node, erlang, node, []),
    ok;
%% ergod A drives ergod B through the echo protocol: calls, sends, 8 MiB, links, monitors and
%% exit signals both ways. Leaves A linked to and monitoring B's echo for after_kill.
run(pair, A, [B]) ->
    {ok, pong} = call(A, {call, {echo, B}, ping, 10000}),
    Big = binary:copy(<<"ergod">>, 8 * 1024 * 1024 div 5 + 1),
    {ok, Big} = call(A, {call, {echo, B}, {echo, Big}, 60000}),
    EchoA = call(A, self), EchoB = call(B, self),
    B = node(EchoB),
    {ok, EchoB} = call(A, {call, {echo, B}, self, 10000}),
    _ = call(A, events), _ = call(B, events),
    ok = call(A, {send, {echo, B}, {echo, EchoA, via_b}}),
    ok = call(A, {send, EchoB, plain_to_b}),
    wait_events(A, [via_b]),
    wait_events(B, [plain_to_b]),
    ok = call(A, {link, EchoB}),
    ok = call(A, {exit, EchoB, from_a}),
    ok = call(B, {exit, EchoA, from_b}),
    wait_events(B, [{'EXIT', EchoA, from_a}]),
    wait_events(A, [{'EXIT', EchoB, from_b}]),
    Ref = call(A, {monitor, EchoB}),
    ok = call(A, {demonitor, Ref}),
    _ = call(A, {monitor, EchoB}),
    _ = call(A, {monitor, {echo, B}}),
    [] = call(A, events),
    io:format("LINKED ~p~n", [EchoB]),
    ok;
%% After B was killed: A's link and monitors fired noconnection; then B is back and A
%% reconnects on the next call.
run(after_kill, A, [B]) ->
    wait_events(A, [fun({'EXIT', P, noconnection}) -> node(P) =:= B; (_) -> false end,
                    fun({'DOWN', _, process, P, noconnection}) when is_pid(P) -> node(P) =:= B;
                       (_) -> false end,
                    fun({'DOWN', _, process, {echo, N}, noconnection}) -> N =:= B; (_) -> false end]),
    {ok, pong} = call(A, {call, {echo, B}, ping, 10000}),
    {ok, EchoB} = call(A, {call, {echo, B}, self, 10000}),
    B = node(EchoB),
    ok;
%% B's cookie differs: A cannot reach it.
run(wrong_cookie, A, [B]) ->
    {error, {nodedown, B}} = call(A, {call, {echo, B}, ping, 10000}),
    ok.
