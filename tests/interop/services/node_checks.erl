%% Checks that concern nodes rather than one service, run by node_kinds.sh:
%%   erl -s node_checks main ErgodNode Case [OtherErgodNode]
%% prints "PASS Case" and halts 0, or "FAIL Case: Why" and halts 1.
-module(node_checks).
-export([main/1]).

main([Node, Case | Rest]) ->
    Result = try run(Case, Node, Rest) of
                 ok -> pass
             catch C:E:S -> {C, E, S}
             end,
    case Result of
        pass -> io:format("PASS ~s~n", [Case]), halt(0);
        _ -> io:format("FAIL ~s: ~p~n", [Case, Result]), halt(1)
    end.

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
    ok.
