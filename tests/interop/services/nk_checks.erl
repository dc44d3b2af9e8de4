%% net_kernel from a real OTP 25 node: getopts/setopts of a connected node and the net
%% ticktime over rpc, and a send to an old incarnation. Each case runs against ergod AND
%% against a real OTP 25 node started here in its place, which is how the answers are proved
%% to be OTP's.
%% Run: erl -sname X -setcookie C -pa DIR -noshell -s nk_checks main ErgodNode Case
-module(nk_checks).
-export([main/1]).
-import(check_lib, [eq/2, wait/1]).

main([Node, Case]) ->
    check_lib:log_to_stdout(nk_log),
    timer:apply_after(60000, erlang, halt, [3]),  % a hung case fails here, not at meson's timeout
    check_lib:run([Node, Case], fun(C, N, []) -> against_both(C, N) end).

against_both(Case, N) ->
    Cookie = atom_to_list(erlang:get_cookie()),
    %% hidden: global does not mesh it with ergod, whose connection to it would not follow
    %% the ticktime changes made here (and global would then drop ergod, an old-version node)
    %% controlled over stdio: dropping its distribution connection does not stop it
    {ok, Peer, Ref} = peer:start(#{name => peer:random_name(), connection => standard_io,
                                   args => ["-setcookie", Cookie, "-hidden"]}),
    true = net_kernel:connect_node(Ref),
    try [ok = case_(Case, T) || T <- [Ref, N]], ok
    after peer:stop(Peer)
    end.

nk(T, F, A) -> rpc:call(T, net_kernel, F, A).

case_(opts, T) ->
    Me = node(),
    eq({ok, [{nodelay, true}]}, nk(T, getopts, [Me, [nodelay]])),
    {ok, [{nodelay, true}, {keepalive, false}, {sndbuf, S}, {recbuf, R}, {priority, 0}, {tos, 0}]} =
        nk(T, getopts, [Me, [nodelay, keepalive, sndbuf, recbuf, priority, tos]]),
    true = is_integer(S) andalso is_integer(R),
    eq({ok, []}, nk(T, getopts, [Me, []])),
    eq({error, einval}, nk(T, getopts, [Me, [bogus]])),
    eq({error, einval}, nk(T, getopts, [Me, [nodelay, bogus]])),
    {badrpc, {'EXIT', {function_clause, [{net_kernel, getopts, [Me, nodelay], _}]}}} = nk(T, getopts, [Me, nodelay]),
    {badrpc, {'EXIT', {function_clause, [{net_kernel, setopts, ["x", []], _}]}}} = nk(T, setopts, ["x", []]),
    eq({error, noconnection}, nk(T, getopts, ['nosuch@nohost', [nodelay]])),
    eq({error, noconnection}, nk(T, getopts, [new, [nodelay]])),
    eq({error, noconnection}, nk(T, setopts, ['nosuch@nohost', [{nodelay, true}]])),
    eq(ok, nk(T, setopts, [Me, [{keepalive, true}]])),
    eq({ok, [{keepalive, true}]}, nk(T, getopts, [Me, [keepalive]])),
    eq(ok, nk(T, setopts, [Me, [{keepalive, false}, {nodelay, true}]])),
    eq({ok, [{keepalive, false}]}, nk(T, getopts, [Me, [keepalive]])),
    eq({error, einval}, nk(T, setopts, [Me, [{bogus, true}]])),
    eq({error, einval}, nk(T, setopts, [Me, [{nodelay, 3}]])),
    eq({error, {badopts, [{active, false}, {packet, 2}]}},
       nk(T, setopts, [Me, [{nodelay, true}, {active, false}, {packet, 2}]])),
    eq({ok, [{nodelay, true}]}, gen_server:call({net_kernel, T}, {getopts, Me, [nodelay]})),
    %% new connections: tried on the listening socket, then kept for each new one
    eq({error, einval}, nk(T, setopts, [new, [{bogus, 1}]])),
    eq({error, {badopts, [{active, once}]}}, nk(T, setopts, [new, [{active, once}]])),
    eq(ok, nk(T, setopts, [new, [{keepalive, true}]])),
    true = erlang:disconnect_node(T),
    wait(fun() -> pong =:= net_adm:ping(T) end),
    eq({ok, [{keepalive, true}]}, nk(T, getopts, [Me, [keepalive]])),
    ok;
case_(ticktime, T) ->
    eq(60, nk(T, get_net_ticktime, [])),
    eq(unchanged, nk(T, set_net_ticktime, [60])),
    {badrpc, {'EXIT', {function_clause, [{net_kernel, set_net_ticktime, [0, 60], _},
                                         {net_kernel, set_net_ticktime, 1, []}]}}} = nk(T, set_net_ticktime, [0]),
    {badrpc, {'EXIT', {function_clause, [{net_kernel, set_net_ticktime, [x], _}]}}} = nk(T, set_net_ticktime, [x]),
    {badrpc, {'EXIT', {function_clause, [{net_kernel, set_net_ticktime, [10, -1], _}]}}} =
        nk(T, set_net_ticktime, [10, -1]),
    %% shorter, with a 1 s transition: that is one tick of the new time (5 s)
    eq(change_initiated, nk(T, set_net_ticktime, [20, 1])),
    eq({ongoing_change_to, 20}, nk(T, get_net_ticktime, [])),
    eq({ongoing_change_to, 20}, nk(T, set_net_ticktime, [30])),
    eq({ongoing_change_to, 20000}, gen_server:call({net_kernel, T}, ticktime)),
    timer:sleep(4000),
    eq({ongoing_change_to, 20}, nk(T, get_net_ticktime, [])),
    wait(fun() -> 20 =:= nk(T, get_net_ticktime, []) end),
    eq(20000, gen_server:call({net_kernel, T}, ticktime)),
    %% longer with no transition: done at once
    eq(change_initiated, nk(T, set_net_ticktime, [60, 0])),
    wait(fun() -> 60 =:= nk(T, get_net_ticktime, []) end),
    ok;
%% net_adm:ping and net_kernel:allow/allowed over rpc (allow last: it changes the target).
case_(ping_allow, T) ->
    eq(pong, rpc:call(T, net_adm, ping, [node()])),
    eq(pong, rpc:call(T, net_adm, ping, [T])),
    eq(pang, rpc:call(T, net_adm, ping, ['nosuch@nohost'])),
    {badrpc, {'EXIT', {function_clause, [{net_adm, ping, ["x"], _}]}}} = rpc:call(T, net_adm, ping, ["x"]),
    eq({ok, []}, nk(T, allowed, [])),
    eq(error, nk(T, allow, [x])),
    eq(ok, nk(T, allow, [[node(), 'other@nohost']])),
    eq({ok, [node(), 'other@nohost']}, nk(T, allowed, [])),
    ok;
%% node_info/1,2 and nodes_info/0 over rpc: the connection to this node as the target sees it.
%% ergod has no connection controller process, so its lists have no owner.
case_(node_info, T) ->
    Me = node(),
    Type = case lists:member(T, nodes(hidden)) of true -> hidden; false -> normal end,
    [_, Host] = string:split(atom_to_list(Me), "@"),
    Owner = case is_ergod(T) of true -> []; false -> [owner] end,
    {ok, Info} = nk(T, node_info, [Me]),
    eq(Owner ++ [state, address, type, in, out], [K || {K, _} <- Info]),
    [{state, up}, {address, {net_address, {Ip, Port}, Host, tcp, inet}}, {type, Type}, {in, In}, {out, Out}] =
        lists:keydelete(owner, 1, Info),
    true = tuple_size(Ip) =:= 4 andalso is_integer(Port) andalso In > 0 andalso Out > 0,
    eq({ok, Type}, nk(T, node_info, [Me, type])),
    eq({ok, up}, nk(T, node_info, [Me, state])),
    {ok, {net_address, {Ip, Port}, Host, tcp, inet}} = nk(T, node_info, [Me, address]),
    case Owner of
        [] -> eq({error, invalid_key}, nk(T, node_info, [Me, owner]));
        _ -> {ok, P} = nk(T, node_info, [Me, owner]), true = is_pid(P)
    end,
    %% each call is a frame in and one out at least
    [nk(T, nodename, []) || _ <- lists:seq(1, 5)],
    {ok, In1} = nk(T, node_info, [Me, in]),
    {ok, Out1} = nk(T, node_info, [Me, out]),
    true = In1 >= In + 5 andalso Out1 >= Out + 5 orelse error({counts, In, Out, In1, Out1}),
    eq({error, invalid_key}, nk(T, node_info, [Me, bogus])),
    eq({error, bad_node}, nk(T, node_info, ['nosuch@nohost'])),
    eq({error, bad_node}, nk(T, node_info, ['nosuch@nohost', type])),
    eq({error, bad_node}, nk(T, node_info, [T])),
    eq({error, bad_node}, nk(T, node_info, ["x"])),
    {ok, All} = nk(T, nodes_info, []),
    eq(lists:sort(rpc:call(T, erlang, nodes, [[visible, hidden]])), lists:sort([N || {N, _} <- All])),
    {Me, MyInfo} = lists:keyfind(Me, 1, All),
    eq(Owner ++ [state, address, type, in, out], [K || {K, _} <- MyInfo]),
    ok;
%% hidden_connect_node/1 over rpc, and net_kernel's {connect, hidden, Node}: hidden on both
%% sides, and connect_node then leaves it so.
case_(hidden_connect, T) ->
    Cookie = atom_to_list(erlang:get_cookie()),
    Start = fun() -> {ok, P, N} = peer:start(#{name => peer:random_name(), connection => standard_io,
                                               args => ["-setcookie", Cookie]}), {P, N} end,
    {P1, C1} = Start(),
    {P2, C2} = Start(),
    try
        eq(true, nk(T, hidden_connect_node, [C1])),
        eq(true, gen_server:call({net_kernel, T}, {connect, hidden, C2})),
        [begin
             wait(fun() -> lists:member(C, rpc:call(T, erlang, nodes, [hidden])) end),
             eq([], [N || N <- rpc:call(T, erlang, nodes, []), N =:= C]),
             eq([T], [N || N <- peer:call(P, erlang, nodes, [hidden]), N =:= T]),
             eq({ok, hidden}, nk(T, node_info, [C, type]))
         end || {P, C} <- [{P1, C1}, {P2, C2}]],
        eq(true, nk(T, hidden_connect_node, [C1])),
        eq(true, nk(T, connect_node, [C1])),
        eq({ok, hidden}, nk(T, node_info, [C1, type])),
        eq(true, nk(T, hidden_connect_node, [T])),
        eq(true, nk(T, hidden_connect_node, [node()])),
        eq(false, nk(T, hidden_connect_node, ['nosuch@nohost'])),
        {badrpc, {'EXIT', {function_clause, [{net_kernel, hidden_connect_node, ["x"], _}]}}} =
            nk(T, hidden_connect_node, ["x"]),
        ok
    after peer:stop(P1), peer:stop(P2)
    end;
%% monitor_nodes/1,2 over rpc: the answers of net_kernel.erl for what erts takes or refuses.
%% The subscriber is the process running the call, gone with it; through rex too.
case_(monitor_nodes, T) ->
    [eq({A, Want}, {A, nk(T, monitor_nodes, A)}) || {A, Want} <- [
        {[true], ok}, {[false], ok}, {[x], error}, {[1], error},
        {[true, []], ok}, {[true, [nodedown_reason]], ok}, {[true, [{node_type, all}]], ok},
        {[true, [connection_id, nodedown_reason, {node_type, hidden}, {node_type, hidden}]], ok},
        {[false, [nodedown_reason]], ok}, {[true, #{}], ok}, {[true, #{node_type => hidden}], ok},
        {[true, #{connection_id => true, nodedown_reason => false, node_type => visible}], ok},
        {[x, []], error}, {[x, bogus], error},
        {[true, [{node_type, bogus}]], {error, {bad_option_value, {node_type, bogus}}}},
        {[true, [bogus]], {error, {unknown_options, [bogus]}}},
        {[true, [x, y, nodedown_reason]], {error, {unknown_options, [y, x]}}},
        {[true, [{node_type, all}, x]], {error, {unknown_options, [x]}}},
        {[true, [connection_id, x]], {error, {unknown_options, [connection_id, x]}}},
        {[true, x], {error, {invalid_options, x}}},
        {[true, #{bogus => 1}], {error, {unknown_options, #{bogus => 1}}}},
        {[true, #{list => true}], {error, {unknown_options, #{list => true}}}},
        {[true, #{node_type => bogus}], {error, {bad_option_value, #{node_type => bogus}}}},
        {[true, #{nodedown_reason => 1, connection_id => 2}], {error, {bad_option_value, #{connection_id => 2}}}},
        {[true, #{nodedown_reason => 1}], {error, {bad_option_value, #{nodedown_reason => 1}}}},
        {[true, [{node_type, all}, {node_type, visible}]],
         {error, {option_value_mismatch, [{node_type, visible}, {node_type, all}]}}}]],
    %% an improper list: check_opt's function_clause, caught (OTP's frames carry file and line)
    {error, {internal_error, {'EXIT', {function_clause, [{net_kernel, check_opt, [{node_type, value}, b, false, [a]], _},
                                                         {net_kernel, check_options, 1, _},
                                                         {net_kernel, mk_monitor_nodes_error, 2, _} | _]}}}} =
        nk(T, monitor_nodes, [true, [a | b]]),
    {error, {internal_error, {'EXIT', {function_clause, [{net_kernel, check_opt, [{node_type, value}, c,
                                                          {true, {node_type, all}}, [x]], _} | _]}}}} =
        nk(T, monitor_nodes, [true, [{node_type, all}, x | c]]),
    eq(ok, gen_server:call({rex, T}, {call, net_kernel, monitor_nodes, [true, [{node_type, all}]], user})),
    %% nodes coming and going afterwards trouble neither rex nor the node
    {ok, P, C} = peer:start(#{name => peer:random_name(), connection => standard_io,
                              args => ["-setcookie", atom_to_list(erlang:get_cookie()), "-hidden"]}),
    eq(true, nk(T, connect_node, [C])),
    peer:stop(P),
    wait(fun() -> not lists:member(C, rpc:call(T, erlang, nodes, [hidden])) end),
    eq(ok, gen_server:call({rex, T}, {call, net_kernel, monitor_nodes, [false], user})),
    eq(T, rpc:call(T, erlang, node, [])),
    ok;
%% erlang:node/1 and os:getpid/0 over rpc, as erts answers them.
case_(bifs, T) ->
    P = rpc:call(T, erlang, whereis, [rex]),
    eq(T, rpc:call(T, erlang, node, [P])),
    eq(node(), rpc:call(T, erlang, node, [self()])),
    eq(node(), rpc:call(T, erlang, node, [make_ref()])),
    {badrpc, {'EXIT', {badarg, [{erlang, node, [x], [{error_info, #{module := erl_erts_errors}}]} | _]}}} =
        rpc:call(T, erlang, node, [x]),
    Pid = rpc:call(T, os, getpid, []),
    true = is_list(Pid) andalso Pid =/= [] andalso lists:all(fun(C) -> C >= $0 andalso C =< $9 end, Pid),
    true = Pid =/= os:getpid(),
    ok;
%% The ticker follows the new time: at 4 s, an idle target ticks every second. Both sides
%% change with a transition period, as the docs ask, so that neither drops the other.
case_(ticker, T) ->
    change_initiated = net_kernel:set_net_ticktime(4, 3),
    eq(change_initiated, nk(T, set_net_ticktime, [4, 3])),
    wait(fun() -> 4 =:= net_kernel:get_net_ticktime() andalso 4 =:= nk(T, get_net_ticktime, []) end),
    %% at 60 s at most one tick could come in this window; an idle OTP node at 4 s sends one
    %% every 2 s (every other tick interval), ergod one every second
    {ok, I0} = in(T),
    timer:sleep(4500),
    {ok, I1} = in(T),
    true = I1 - I0 >= 2 orelse error({ticks_in_4500_ms, T, I1 - I0}),
    %% back to 60: longer, so each side keeps ticking at 1 s through the transition
    change_initiated = net_kernel:set_net_ticktime(60, 3),
    eq(change_initiated, nk(T, set_net_ticktime, [60, 3])),
    wait(fun() -> 60 =:= net_kernel:get_net_ticktime() andalso 60 =:= nk(T, get_net_ticktime, []) end),
    ok;
%% A send on the node to a pid of its previous incarnation: erts' error line (the script checks
%% ergod's; here the reference's); a send from here to such a pid: nothing.
case_(old_incarnation, T) ->
    P = rpc:call(T, erlang, whereis, [rex]),
    Old = older(P),
    Old ! {from, afar},
    eq({hello, old}, rpc:call(T, erlang, send, [Old, {hello, old}])),
    eq(false, rpc:call(T, erlang, is_process_alive, [Old])),
    %% The reference's error line reaches our output over its stdio, not over distribution:
    %% let it be written and carried before the case ends (net_kernel.sh greps our output).
    is_ergod(T) orelse begin
        _ = rpc:call(T, logger_std_h, filesync, [default]),
        timer:sleep(500)
    end,
    ok.

%% ergod answers system_info(otp_release) as a missing function: it is no OTP release.
is_ergod(T) -> not is_list(rpc:call(T, erlang, system_info, [otp_release])).

in(T) ->
    case net_kernel:node_info(T) of
        {ok, Info} -> {ok, proplists:get_value(in, Info)};
        E -> E
    end.

%% The same pid with the creation before its node's.
older(P) ->
    <<131, 88, Rest/binary>> = term_to_binary(P),
    Sz = byte_size(Rest) - 4,
    <<NodeIdSerial:Sz/binary, Creation:32>> = Rest,
    binary_to_term(<<131, 88, NodeIdSerial/binary, (Creation - 1):32>>).
