%% Golden corpus for ergod's ETF codec, made by the real OTP at test time (run_golden.sh).
%%
%% gen(Dir): writes Dir/corpus.bin, one record per case and form:
%%   <<NameLen:16, Name, Flags:8, Len:32, Bytes>>
%% Flags bit 0: OTP's bytes are deterministic (ergod must match them byte for byte);
%% bits 1-2: the form: 0 term_to_binary(T), 1 [{minor_version, 2}], 2 [compressed].
%% It also writes Dir/originals.etf, term_to_binary([{Name, Term}]), for check/1.
%%
%% check(Dir): reads Dir/ours.bin (<<NameLen:16, Name, Len:32, Bytes>> written by ergod, the
%% name possibly prefixed "form:") and requires binary_to_term(Bytes) =:= the original.
-module(ergod_golden).
-export([gen/1, check/1]).

cases() ->
    Self = self(),
    Other = spawn(fun() -> receive stop -> ok end end),
    Ref = make_ref(),
    Mon = erlang:monitor(process, Other),
    Alias = alias(),
    %% Computed at run time, so the compiler cannot fold them into the funs' code.
    X = erlang:phash2(Self),
    Y = atom_to_binary(node()),
    F2 = fun(A, B) -> {A, B, X, Y, Self} end,
    <<MinusZero/float>> = <<128, 0, 0, 0, 0, 0, 0, 0>>,
    Big = list_to_integer(lists:duplicate(1000, $7)),
    Bytes64 = list_to_binary(lists:seq(0, 63)),
    Mixed = #{1 => a, 1.0 => b, a => c, "s" => d, {t} => e, <<"b">> => f, [] => g, 2 => h, -1 => i},
    [{<<"int_0">>, 0, true},
     {<<"int_255">>, 255, true},
     {<<"int_256">>, 256, true},
     {<<"int_m1">>, -1, true},
     {<<"int_m256">>, -256, true},
     {<<"int_2p31m1">>, (1 bsl 31) - 1, true},
     {<<"int_m2p31">>, -(1 bsl 31), true},
     {<<"int_2p31">>, 1 bsl 31, true},
     {<<"int_m2p31m1">>, -(1 bsl 31) - 1, true},
     {<<"int_2p60m1">>, (1 bsl 60) - 1, true},
     {<<"int_2p60">>, 1 bsl 60, true},
     {<<"int_m2p60">>, -(1 bsl 60), true},
     {<<"int_m2p60m1">>, -(1 bsl 60) - 1, true},
     {<<"int_2p63m1">>, (1 bsl 63) - 1, true},
     {<<"int_2p63">>, 1 bsl 63, true},
     {<<"int_m2p63">>, -(1 bsl 63), true},
     {<<"int_2p64m1">>, (1 bsl 64) - 1, true},
     {<<"int_2p64">>, 1 bsl 64, true},
     {<<"int_m2p64">>, -(1 bsl 64), true},
     {<<"int_2p2039">>, 1 bsl 2039, true},
     {<<"int_2p2040">>, 1 bsl 2040, true},
     {<<"int_m2p4000">>, -(1 bsl 4000), true},
     {<<"big_1000_digits">>, Big, true},
     {<<"big_m1000_digits">>, -Big, true},
     {<<"float_0">>, 0.0, true},
     {<<"float_m0">>, MinusZero, true},
     {<<"float_1">>, 1.0, true},
     {<<"float_m1_5">>, -1.5, true},
     {<<"float_1e300">>, 1.0e300, true},
     {<<"float_m1em300">>, -1.0e-300, true},
     {<<"float_denormal">>, 5.0e-324, true},
     {<<"float_max">>, 1.7976931348623157e308, true},
     {<<"float_pi">>, math:pi(), true},
     {<<"atom_empty">>, '', true},
     {<<"atom_ok">>, ok, true},
     {<<"atom_space">>, 'hello world', true},
     {<<"atom_latin1">>, 'caf\x{e9}', true},
     {<<"atom_euro">>, '\x{20ac}', true},
     {<<"atom_emoji">>, list_to_atom([16#1F600, $!]), true},
     {<<"atom_255_ascii">>, list_to_atom(lists:duplicate(255, $a)), true},
     {<<"atom_255_latin1">>, list_to_atom(lists:duplicate(255, 16#fc)), true},
     {<<"atom_255_euro">>, list_to_atom(lists:duplicate(255, 16#20ac)), true},
     {<<"tuple_empty">>, {}, true},
     {<<"tuple_2">>, {a, 1}, true},
     {<<"tuple_255">>, list_to_tuple(lists:seq(1, 255)), true},
     {<<"tuple_256">>, list_to_tuple(lists:seq(1, 256)), true},
     {<<"tuple_nested">>, {a, {b, {c, []}}}, true},
     {<<"list_nil">>, [], true},
     {<<"list_string">>, "abc", true},
     {<<"list_bytes">>, [0, 1, 255], true},
     {<<"list_256">>, [256], true},
     {<<"list_improper">>, [a | b], true},
     {<<"list_improper_bytes">>, [1, 2 | 3], true},
     {<<"list_negative">>, [-1], true},
     {<<"list_string_65535">>, lists:duplicate(65535, $x), true},
     {<<"list_65536">>, lists:duplicate(65536, $x), true},
     {<<"list_mixed">>, [a, 1, "s", <<"b">>, 2.5], true},
     {<<"list_unicode">>, [16#20ac, $a], true},
     {<<"list_of_strings">>, ["ab", "cd", ""], true},
     {<<"bin_empty">>, <<>>, true},
     {<<"bin_3">>, <<1, 2, 3>>, true},
     {<<"bin_64">>, Bytes64, true},
     {<<"bin_100k">>, binary:copy(<<"x">>, 100000), true},
     {<<"bits_1">>, <<1:1>>, true},
     {<<"bits_28">>, <<1, 2, 3:4>>, true},
     {<<"bits_7">>, <<0:7>>, true},
     {<<"map_empty">>, #{}, true},
     {<<"map_1">>, #{a => 1}, true},
     {<<"map_mixed_keys">>, Mixed, true},
     {<<"map_32">>, maps:from_list([{K, K * 2} || K <- lists:seq(1, 32)]), true},
     {<<"map_33">>, maps:from_list([{K, K} || K <- lists:seq(1, 33)]), false},
     {<<"map_100_mixed">>, maps:from_list([{{k, K}, integer_to_list(K)} || K <- lists:seq(1, 100)]), false},
     {<<"map_nested">>, #{m => #{n => #{}}}, true},
     {<<"map_map_key">>, #{#{k => v} => 1, [] => 2}, true},
     {<<"pid_self">>, Self, true},
     {<<"pid_spawned">>, Other, true},
     {<<"pid_other_node">>, binary_to_term(<<131, 88, 119, 3, "a@h", 1:32, 2:32, 3:32>>), true},
     {<<"pid_old_form">>, binary_to_term(<<131, 103, 100, 0, 3, "b@h", 7:32, 1:32, 2>>), true},
     {<<"port_first">>, hd(erlang:ports()), true},
     {<<"port_other_node">>, binary_to_term(<<131, 89, 119, 3, "a@h", 5:32, 7:32>>), true},
     {<<"port_v4">>, binary_to_term(<<131, 120, 119, 3, "a@h", (1 bsl 40):64, 3:32>>), true},
     {<<"ref_make">>, Ref, true},
     {<<"ref_monitor">>, Mon, true},
     {<<"ref_alias">>, Alias, true},
     {<<"ref_other_node">>, binary_to_term(<<131, 90, 0, 3, 119, 3, "a@h", 9:32, 1:32, 2:32, 3:32>>), true},
     {<<"ref_5_ids">>, binary_to_term(<<131, 90, 0, 5, 119, 3, "a@h", 9:32, 1:32, 2:32, 3:32, 4:32, 5:32>>), true},
     {<<"fun_export">>, fun lists:map/2, true},
     {<<"fun_export_bif">>, fun erlang:self/0, true},
     {<<"fun_local">>, fun() -> ok end, true},
     {<<"fun_local_free_vars">>, F2, true},
     {<<"fun_nested">>, fun() -> F2 end, true},
     {<<"fun_arity_3">>, fun(A, B, C) -> A + B + C + X end, true},
     {<<"deep_list_10000">>, lists:foldl(fun(_, Acc) -> [Acc] end, [], lists:seq(1, 10000)), true},
     {<<"deep_tuple_10000">>, lists:foldl(fun(_, Acc) -> {Acc} end, leaf, lists:seq(1, 10000)), true},
     {<<"deep_map_1000">>, lists:foldl(fun(_, Acc) -> #{k => Acc} end, #{}, lists:seq(1, 1000)), true},
     {<<"gen_call">>, {'$gen_call', {Self, Ref}, {echo, binary:copy(<<1>>, 1024)}}, true},
     {<<"gen_call_alias">>, {'$gen_call', {Self, [alias | Ref]}, ping}, true},
     {<<"compressible_atoms">>, lists:duplicate(1000, hello), true},
     {<<"compressible_binary">>, binary:copy(<<"abc">>, 5000), true},
     {<<"everything">>, {Self, Ref, [1.5, -7, Big, 'x\x{e9}', <<"b">>, <<5:3>>, #{a => [F2]}], fun lists:map/2}, true}].

gen([Dir]) ->
    Cases = cases(),
    Recs = [[record(Name, flags(Det, Form), Bin) || {Form, Bin} <- forms(T)] || {Name, T, Det} <- Cases],
    ok = file:write_file(filename:join(Dir, "corpus.bin"), Recs),
    ok = file:write_file(filename:join(Dir, "originals.etf"), term_to_binary([{N, T} || {N, T, _} <- Cases])),
    io:format("erl wrote ~b golden cases on ~s~n", [length(Cases), node()]),
    halt(0).

forms(T) ->
    [{0, term_to_binary(T)}, {1, term_to_binary(T, [{minor_version, 2}])}, {2, term_to_binary(T, [compressed])}].

flags(true, Form) -> 1 bor (Form bsl 1);
flags(false, Form) -> Form bsl 1.

record(Name, Flags, Bin) -> [<<(byte_size(Name)):16>>, Name, <<Flags:8, (byte_size(Bin)):32>>, Bin].

check([Dir]) ->
    {ok, O} = file:read_file(filename:join(Dir, "originals.etf")),
    Originals = maps:from_list(binary_to_term(O)),
    {ok, Ours} = file:read_file(filename:join(Dir, "ours.bin")),
    Results = check(Ours, Originals, []),
    Bad = [{Name, Why} || {bad, Name, Why} <- Results],
    Seen = [case binary:split(N, <<":">>) of [_, K] -> K; [K] -> K end || {ok, N} <- Results],
    Missing = [N || N <- maps:keys(Originals), not lists:member(N, Seen)],
    [io:format("erl: ~s: ~P~n", [N, W, 12]) || {N, W} <- Bad],
    [io:format("erl: ~s: ergod sent nothing for it~n", [N]) || N <- Missing],
    io:format("erl checked ~b encodings from ergod: ~b bad, ~b cases missing~n",
              [length(Results), length(Bad), length(Missing)]),
    halt(case Bad ++ Missing of [] -> 0; _ -> 1 end).

check(<<>>, _, Acc) ->
    Acc;
check(<<NL:16, Name:NL/binary, L:32, Bin:L/binary, Rest/binary>>, Originals, Acc) ->
    Key = case binary:split(Name, <<":">>) of [_, K] -> K; [K] -> K end,
    R = case maps:find(Key, Originals) of
            {ok, T} ->
                case catch binary_to_term(Bin) of
                    T2 when T2 =:= T -> {ok, Name};
                    Other -> {bad, Name, {decoded_as, Other}}
                end;
            error ->
                {bad, Name, no_such_case}
        end,
    check(Rest, Originals, [R | Acc]).
