%% What the Erlang check drivers share (svc_checks, global_checks, node_checks here, and
%% app_checks, kvstore_checks of tests/e2e/apps): running one case against ergod and printing
%% its verdict, eq/2 and wait/1. The scripts' lib.sh compile it beside the drivers.
-module(check_lib).
-export([run/2, log_to_stdout/1, log_text/1, eq/2, wait/1]).

%% Args is what `erl -s Module main ErgodNode Case [Arg...]` passes: [Node, Case | Rest].
%% Connects to Node, runs Case(Case, Node, Rest) and halts: 0 after "PASS Case" when it
%% returned ok, 1 after "FAIL Case: Class:Reason" and the stack otherwise.
run([Node, Case | Rest], Case_) ->
    try
        true = net_kernel:connect_node(Node),
        ok = Case_(Case, Node, Rest)
    of ok -> io:format("PASS ~p~n", [Case]), halt(0)
    catch C:R:S ->
        io:format("FAIL ~p: ~p:~p~n~p~n", [Case, C, R, S]), halt(1)
    end.

%% Sends this node's log events (global, pg, gen_server reports) to standard_io, where the
%% scripts look for errors and warnings.
log_to_stdout(HandlerId) ->
    logger:add_handler(HandlerId, logger_std_h, #{config => #{type => standard_io}}).

eq(Want, Got) when Want =:= Got -> ok;
eq(Want, Got) -> error({expected, Want, got, Got}).

%% Polls F() (which may crash meanwhile) every 50 ms until it returns true; 100 tries.
wait(F) -> wait(F, 100).
wait(_, 0) -> error(timeout);
wait(F, K) ->
    case catch F() of
        true -> ok;
        _ -> timer:sleep(50), wait(F, K - 1)
    end.

%% The text of a logger event's msg, flat (for handlers that forward events to a driver).
log_text({string, S}) -> lists:flatten(S);
log_text({report, R}) -> lists:flatten(io_lib:format("~tp", [R]));
log_text({F, A}) -> lists:flatten(io_lib:format(F, A)).
