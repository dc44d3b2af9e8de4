# SIGHUP reload, with the real ergod: a new manifest starts, a changed one restarts, an
# invalid one leaves everything running (and is logged), a changed plugin file restarts the
# applications that use it on the new code, a removed manifest stops its application, and
# removing one that never started (its plugin missing) is a success.
plugins_dir=$(mktemp -d "${TMPDIR:-/tmp}/ergod-plugins.XXXXXX")
source "$(dirname "$0")/lib.sh" "$@"
trap 'kill_erls; cleanup; rm -rf "$plugins_dir"' EXIT
cp "$build_root/plugins/counter_c/counter_c.so" "$plugins_dir/" || fail "no counter_c.so in the build"
mkdir "$tmp/m"
cp "$apps_here/manifests/base.yaml" "$tmp/m/"
start_apps_node "$tmp/m"
grep -q "base: application started" "$log" || fail "base did not start"

reload() {  # waits for the reload's summary line
  kill -HUP "$ergod_pid"
  wait_for_line "reload done" || fail "no reload summary"
}
top_pid() { ctl applications | awk -v a="$1" '$1 == a { print $5 }'; }

# 1. a new manifest starts
cp "$apps_here/manifests/counters.yaml" "$tmp/m/"
reload
grep -q "counters: application started" "$log" || fail "the new application did not start"
app_check counters_up
before=$(top_pid counters)

# 2. unchanged: nothing restarts
reload
[[ $(top_pid counters) == "$before" ]] || fail "an unchanged application was restarted"

# 3. a changed manifest restarts
sed -i 's/intensity: 2/intensity: 3/' "$tmp/m/counters.yaml"
reload
after=$(top_pid counters)
[[ -n $after && $after != "$before" ]] || fail "the changed application was not restarted ($before, $after)"

# 4. an invalid manifest: logged, everything keeps running
printf 'application:\n  name: broken\n  start_type: sometimes\n' >"$tmp/m/broken.yaml"
reload
grep -q "broken.yaml:3:" "$log" || fail "the invalid manifest was not reported"
[[ $(top_pid counters) == "$after" ]] || fail "an invalid manifest disturbed a running application"
rm "$tmp/m/broken.yaml"

# 5. a changed plugin file: the applications using it restart on the new code
base_before=$(top_pid base)
printf 'x' >>"$plugins_dir/counter_c.so"  # still a valid shared object, another identity
reload
[[ $(top_pid base) != "$base_before" ]] || fail "base was not restarted on the changed plugin"
[[ $(top_pid counters) != "$after" ]] || fail "counters was not restarted on the changed plugin"
app_check counters_up

# 6. a removed manifest stops its application
rm "$tmp/m/counters.yaml"
reload
grep -q "application counters removed" "$log" || fail "the removed application was not stopped"
ctl applications | grep -q '^counters' && fail "counters is still listed"

# 7. a manifest whose plugin is missing never starts (not_loaded); removing it is a success
sed -e 's/name: base$/name: ghost/' -e 's/base_sup/ghost_sup/' -e 's/name: b1/name: g1/' \
  -e 's/plugin: counter_c/plugin: nosuch/' "$apps_here/manifests/base.yaml" >"$tmp/m/ghost.yaml"
ctl reload >/dev/null 2>&1 && fail "a reload with a missing plugin succeeded"
ctl applications | grep -q '^ghost .* not_loaded' || fail "ghost: $(ctl applications)"
rm "$tmp/m/ghost.yaml"
ctl reload >"$tmp/reload.txt" 2>&1 || fail "removing a never-started application failed: $(cat "$tmp/reload.txt")"
grep -q "unknown application" "$tmp/reload.txt" && fail "false error: $(cat "$tmp/reload.txt")"
ctl applications | grep -q '^ghost' && fail "ghost is still listed"

stop_cleanly
echo "ok: reload"
