%% global between two ergods A and B (global_ergods.sh), side by side with erl nodes in their
%% places: an erl node E connected only to A and an erl node F connected only to B each
%% register a name, then A connects to B. Between OTP nodes, A and B complete a global session
%% on their own (one locker takes the lock, both exchange names): each side learns the other's
%% name, E and F are meshed through in_sync, and global:sync() on E and F returns at once.
%% The outcome with ergods must be the reference's: what A and B learnt and when (within 5 s),
%% how global:sync() ended, and every node's nodes(), registered names and their owners.
%% The driver is a hidden node (global ignores it); E, F and the reference A, B are its peers.
%%   erl -s global_ergods_checks main ErgodA Case ErgodB -hidden
%% Cases: both (the above); with_erl: E is connected to both before A and B connect; alone:
%% no E or F, A and B have a name each (registered over rpc, held by the driver's processes):
%% both lockers try at once (0.2 s); e_only: no F, so B's locker tries first (0.2 s against
%% A's 1.1 s) and A's answers it.
-module(global_ergods_checks).
-export([main/1, log/2]).
-import(check_lib, [eq/2]).

main([Node, Case | Args]) ->
    check_lib:log_to_stdout(gerg_log),
    timer:apply_after(90000, erlang, halt, [3]),
    check_lib:run([Node, Case | Args], fun case_/3).

case_(Case, A, [B]) ->
    true = net_kernel:connect_node(B),
    {PA, RA} = start_peer(),
    {PB, RB} = start_peer(),
    Want = run(Case, RA, RB),
    [peer:stop(P) || P <- [PA, PB]],
    Got = run(Case, A, B),
    io:format("reference: ~p~nergods:    ~p~n", [Want, Got]),
    eq(Want, Got).

%% One run with A and B; the outcome with node names replaced by 'A', 'B', 'E', 'F' ('D' for
%% this driver, whose processes hold the names of A and B that have no erl node).
run(Case, A, B) ->
    Erls = [{Side, start_peer()} || Side <- erl_sides(Case)],
    ErlOf = fun(Side) -> case lists:keyfind(Side, 1, Erls) of {_, {_, X}} -> X; false -> none end end,
    {E, F} = {ErlOf(a), ErlOf(b)},
    Names = [{A, 'A'}, {B, 'B'}, {E, 'E'}, {F, 'F'}, {node(), 'D'}],
    Me = self(),
    [ok = erpc:call(X, logger, add_handler, [gerg_fwd, ?MODULE, #{config => Me}]) || {_, {_, X}} <- Erls],
    [true = erpc:call(X, net_kernel, connect_node, [Y]) || {X, Y} <- [{E, A}, {F, B}], X =/= none],
    Case =:= with_erl andalso (true = erpc:call(E, net_kernel, connect_node, [B])),
    [ok = erpc:call(X, global, sync, []) || {_, {_, X}} <- Erls],
    %% The name of each side: held by a process of its erl node, or of ours over rpc on it.
    [HE, HF] = [register(Nm, ErlOf(Side), Ergod) || {Nm, Side, Ergod} <- [{e_name, a, A}, {f_name, b, B}]],
    Out = connect(A, B, HE, HF, [A, B | [X || {_, {_, X}} <- Erls]], Names),
    %% global:sync() on the erl nodes: at once (< 2 s), late, or not within 10 s.
    Sync = [{rename(X, Names), timed_sync(X)} || {_, {_, X}} <- Erls],
    Logs = collect_logs(Names),
    [peer:stop(P) || {_, {P, _}} <- Erls],
    [exit(H, kill) || H <- [HE, HF], node(H) =:= node()],
    %% A fresh start for the next case: A and B apart, with no names.
    erpc:call(A, erlang, disconnect_node, [B]),
    [check_lib:wait(fun() -> erpc:call(X, erlang, nodes, []) =:= [] andalso
                                 erpc:call(X, global, registered_names, []) =:= [] end) || X <- [A, B]],
    Out#{sync => Sync, logs => Logs}.

%% Which ergods have an erl node of their own: E on A's side, F on B's.
erl_sides(alone) -> [];
erl_sides(e_only) -> [a];
erl_sides(_) -> [a, b].

register(Name, none, Ergod) ->
    H = spawn(timer, sleep, [infinity]),
    yes = erpc:call(Ergod, global, register_name, [Name, H]),
    H;
register(Name, Erl, _) ->
    H = erpc:call(Erl, erlang, spawn, [timer, sleep, [infinity]]),
    yes = erpc:call(Erl, global, register_name, [Name, H]),
    H.

%% A connects to B (A has e_name, B f_name): what A and B learn, and the views once settled.
connect(A, B, HE, HF, All, Names) ->
    check_lib:wait(fun() -> erpc:call(A, global, whereis_name, [e_name]) =:= HE end),
    check_lib:wait(fun() -> erpc:call(B, global, whereis_name, [f_name]) =:= HF end),
    true = erpc:call(A, net_kernel, connect_node, [B]),
    %% Each side learns the other's name, as an OTP node does, within 5 s.
    Learnt = [{Who, within(fun() -> erpc:call(X, global, whereis_name, [Nm]) =:= H end, 5000)}
              || {Who, X, Nm, H} <- [{'B', B, e_name, HE}, {'A', A, f_name, HF}]],
    Seen = settle(All, fun(X) -> view(X, Names) end, []),
    #{learnt => Learnt, seen => [{rename(X, Names), V} || {X, V} <- Seen]}.

%% nodes(), global's known and synced nodes (its own calls), and the names with their owners.
view(X, Names) ->
    Gns = {global_name_server, X},
    {lists:sort(rename(erpc:call(X, erlang, nodes, []), Names)),
     lists:sort(rename(gen_server:call(Gns, get_known), Names)),
     lists:sort(rename(gen_server:call(Gns, get_synced), Names)),
     [{Nm, owner(erpc:call(X, global, whereis_name, [Nm]), Names)}
      || Nm <- lists:sort(erpc:call(X, global, registered_names, []))]}.

within(F, Ms) when Ms =< 0 -> F();
within(F, Ms) ->
    case catch F() of
        true -> true;
        _ -> timer:sleep(50), within(F, Ms - 50)
    end.

timed_sync(X) ->
    T0 = erlang:monotonic_time(millisecond),
    R = try erpc:call(X, global, sync, [], 10000) catch error:{erpc, timeout} -> timeout end,
    Ms = erlang:monotonic_time(millisecond) - T0,
    io:format("SYNC_MS ~p ~p~n", [X, Ms]),
    case R of
        ok when Ms < 2000 -> ok;
        ok -> late;
        _ -> R
    end.

%% Polls the nodes' views until they stay the same for 1.5 s.
settle(Nodes, F, Last) -> settle(Nodes, F, Last, 0, 150).
settle(_, _, _, _, 0) -> error(never_settled);
settle(Nodes, F, Last, Same, K) ->
    Now = [{X, F(X)} || X <- Nodes],
    case Now =:= Last of
        true when Same >= 15 -> Now;
        true -> timer:sleep(100), settle(Nodes, F, Now, Same + 1, K - 1);
        false -> timer:sleep(100), settle(Nodes, F, Now, 0, K - 1)
    end.

owner(undefined, _) -> undefined;
owner(Pid, Names) -> rename(node(Pid), Names).

rename(L, Names) when is_list(L) -> [rename(X, Names) || X <- L];
rename(X, Names) -> case lists:keyfind(X, 1, Names) of {_, S} -> S; false -> X end.

%% logger handler on E and F: warnings and errors to the driver (global's among them).
log(#{level := Level, msg := Msg}, #{config := To}) ->
    To ! {gerg_log, node(), Level, check_lib:log_text(Msg)}.

collect_logs(Names) ->
    receive {gerg_log, Node, Level, Text} when Level =/= info, Level =/= debug, Level =/= notice ->
        [{rename(Node, Names), Level, rename_text(Text, Names)} | collect_logs(Names)];
        {gerg_log, _, _, _} -> collect_logs(Names)
    after 0 -> []
    end.

rename_text(Text, Names) ->
    lists:flatten(lists:foldl(fun({Node, S}, T) ->
                                      string:replace(T, io_lib:format("~p", [Node]), "NODE_" ++ atom_to_list(S), all)
                              end, Text, Names)).

start_peer() ->
    Cookie = atom_to_list(erlang:get_cookie()),
    Dir = filename:dirname(code:which(?MODULE)),
    {ok, Peer, PN} = peer:start(#{name => peer:random_name(), args => ["-setcookie", Cookie, "-pa", Dir]}),
    {Peer, PN}.
