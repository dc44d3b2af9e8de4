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
    ok.

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
