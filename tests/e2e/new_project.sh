# `ergod new` end to end: generate a plugin project (an application, a nested supervisor,
# two actors), build it with meson against the SDK installed into a temporary root (found
# through pkg-config, as sdk_out_of_tree.sh), `meson install` it, check its manifest with
# `ergod check`, run the real ergod on the installed plugin and manifest, and call both
# actors from a real erl node (ping, casts, the supervision tree).
# Arguments: ERGOD_BINARY SOURCE_ROOT
source "$(dirname "$0")/apps/lib.sh" "$@"

# ---- generate ----
proj=$tmp/proj/shop
"$ergod" new "$proj" --with-app shop --with-sup shop:orders --with-actor shop:cart \
  --with-actor orders:order >"$tmp/new.out" 2>&1 || fail "ergod new: $(cat "$tmp/new.out")"
for f in meson.build README.md src/plugin.cpp src/cart.hpp src/cart.cpp src/order.hpp \
  src/order.cpp manifests/shop.yaml; do
  [[ -f $proj/$f ]] || fail "ergod new did not write $f"
  grep -qx "$proj/$f" "$tmp/new.out" || fail "ergod new did not list $f: $(cat "$tmp/new.out")"
done
# A second run never overwrites; mistakes name their flag.
"$ergod" new "$proj" --with-app shop 2>"$tmp/err.txt" && fail "ergod new overwrote a project"
grep -q "exists and is not empty" "$tmp/err.txt" || fail "overwrite error: $(cat "$tmp/err.txt")"
"$ergod" new "$tmp/other" --with-app shop --with-actor orders:x 2>"$tmp/err.txt" &&
  fail "ergod new accepted an unknown parent"
grep -q "^error: --with-actor orders:x: unknown parent orders" "$tmp/err.txt" ||
  fail "unknown parent error: $(cat "$tmp/err.txt")"
[[ ! -e $tmp/other ]] || fail "ergod new wrote files for a bad request"

# ---- build against the installed SDK, then install ----
meson install -C "$build_root" --destdir "$tmp/sdk" --tags devel --no-rebuild >"$tmp/sdk.log" 2>&1 ||
  fail "meson install of the SDK: $(cat "$tmp/sdk.log")"
pc=$(find "$tmp/sdk" -name ergod-sdk.pc | head -n 1)
[[ -n $pc ]] || fail "ergod-sdk.pc was not installed"
export PKG_CONFIG_PATH=$(dirname "$pc") PKG_CONFIG_SYSROOT_DIR=$tmp/sdk
(cd "$proj" && meson setup build >"$tmp/setup.log" 2>&1) ||
  fail "meson setup of the generated project: $(cat "$tmp/setup.log")"
ninja -C "$proj/build" >"$tmp/ninja.log" 2>&1 || fail "the generated project does not build: $(cat "$tmp/ninja.log")"
if grep -q "warning:" "$tmp/ninja.log"; then fail "the generated project builds with warnings: $(cat "$tmp/ninja.log")"; fi
exports=$(nm -D --defined-only "$proj/build/shop.so" | awk '$2 == "T" { print $3 }')
[[ $exports == ergod_plugin_entry ]] || fail "shop.so should export only ergod_plugin_entry, exports: $exports"
meson install -C "$proj/build" --destdir "$tmp/inst" >"$tmp/inst.log" 2>&1 ||
  fail "meson install of the generated project: $(cat "$tmp/inst.log")"
so=$(find "$tmp/inst" -name shop.so | head -n 1)
manifest=$(find "$tmp/inst" -name shop.yaml | head -n 1)
[[ $so == */ergod/plugins/shop.so && $manifest == */ergod/manifests/shop.yaml ]] ||
  fail "meson install put shop.so at '$so' and shop.yaml at '$manifest'"
plugins_dir=$(dirname "$so")  # start_apps_node's plugins.dir
manifests_dir=$(dirname "$manifest")

# ---- ergod check accepts the generated manifest ----
cat >"$tmp/check.yaml" <<YAML
node:
  name: check@localhost
  cookie: c
plugins:
  dir: $plugins_dir
manifests:
  dir: $manifests_dir
YAML
"$ergod" check --config "$tmp/check.yaml" >"$tmp/check.out" 2>&1 || fail "ergod check: $(cat "$tmp/check.out")"
grep -q "shop.yaml: ok (application shop)" "$tmp/check.out" || fail "ergod check: $(cat "$tmp/check.out")"

# ---- run it and call it from erl ----
cat >"$tmp/new_checks.erl" <<'ERL'
-module(new_checks).
-export([main/1]).
main([Node]) ->
    try
        true = net_kernel:connect_node(Node),
        [actor(Node, A) || A <- [cart, order]],
        [{cart, Cart, worker, _}, {orders, _, supervisor, _}] =
            lists:sort(supervisor:which_children({shop_sup, Node})),
        true = is_pid(Cart) andalso node(Cart) =:= Node,
        [{order, Order, worker, _}] = supervisor:which_children({orders, Node}),
        true = is_pid(Order) andalso node(Order) =:= Node,
        io:format("PASS~n"), halt(0)
    catch C:R:S -> io:format("FAIL ~p:~p~n~p~n", [C, R, S]), halt(1)
    end.
actor(Node, Name) ->
    pong = gen_server:call({Name, Node}, ping),
    0 = gen_server:call({Name, Node}, casts),
    ok = gen_server:cast({Name, Node}, one),
    ok = gen_server:cast({Name, Node}, {two, [2]}),
    2 = gen_server:call({Name, Node}, casts).
ERL
erlc -o "$tmp" "$tmp/new_checks.erl" || fail "erlc new_checks.erl"
start_apps_node "$manifests_dir"
grep -q "shop: application started" "$log" || wait_for_line "shop: application started" || fail "the generated application did not start"
out=$tmp/erl.out
rc=0
erl -sname "erl$$_$RANDOM" -setcookie "$cookie" -pa "$tmp" -noshell -kernel logger_level warning \
  -s new_checks main "$node" >"$out" 2>&1 &
erl_pids+=("$!")
wait "$!" || rc=$?
((rc == 0)) && grep -q "^PASS" "$out" || fail "calls from erl (exit $rc): $(cat "$out")"
no_error_logs

stop_cleanly
echo "ok: ergod new: generated, built against the installed SDK, installed, checked, run, called"
