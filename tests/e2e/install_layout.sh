# `meson install` puts everything a systemd deployment needs in place: the binary, the unit
# (naming the installed binary and config, Type=notify), the config naming the installed
# plugin folder, the manifests beside it, the example plugins and the SDK; the config (it
# holds the cookie) mode 0640 and handed to the daemon as a systemd credential; the unit's
# hardening; and the installed config and manifests pass `ergod check`.
# Arguments: ERGOD_BINARY SOURCE_ROOT VERSION BUILD_ROOT
source "$(dirname "$0")/lib.sh" "$@"
build=$4
dest=$tmp/dest
meson install -C "$build" --destdir "$dest" --no-rebuild >"$tmp/install.log" 2>&1 ||
  fail "meson install: $(cat "$tmp/install.log")"
prefix=$(meson introspect "$build" --buildoptions | python3 -c \
  'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "prefix"))')
find_one() { find "$dest" -path "$1" | head -n 1; }
bin=$(find_one "*/bin/ergod"); [[ -x $bin ]] || fail "no installed ergod"
unit=$(find_one "*/lib/systemd/system/ergod.service"); [[ -f $unit ]] || fail "no unit"
config=$(find_one "*/ergod/ergod.yaml"); [[ -f $config ]] || fail "no config"
[[ -f $(dirname "$config")/manifests/echo.yaml ]] || fail "no manifests beside the config"
for p in echo counter_c; do
  [[ -n $(find_one "*/ergod/plugins/$p.so") ]] || fail "plugin $p not installed"
done
[[ -n $(find_one "*/include/ergod/ergod.h") ]] || fail "SDK header not installed"

grep -qx "Type=notify" "$unit" || fail "the unit is not Type=notify"
grep -q "^ExecStart=$prefix/bin/ergod --config " "$unit" || fail "ExecStart: $(grep ExecStart "$unit")"
grep -q "^ExecReload=" "$unit" && grep -q "^WatchdogSec=" "$unit" || fail "no reload or watchdog"
plugins=$(sed -n '/^plugins:/,/^[a-z]/s/^  dir: //p' "$config")
[[ $plugins == "$prefix"/*/ergod/plugins ]] || fail "installed config names plugins in '$plugins'"
[[ -f $dest$plugins/echo.so ]] || fail "the config's plugin folder holds no echo.so: $dest$plugins"

# The config holds the cookie: not for every user. The daemon gets it as a credential, so its
# folders are absolute paths.
[[ $(stat -c %a "$config") == 640 ]] || fail "config mode $(stat -c %a "$config"), not 640"
grep -q "^LoadCredential=ergod.yaml:$prefix/.*ergod/ergod.yaml$" "$unit" || fail "no LoadCredential of the config"
grep -q "^ExecStart=$prefix/bin/ergod --config %d/ergod.yaml$" "$unit" || fail "ExecStart does not read the credential"
manifests=$(sed -n '/^manifests:/,/^[a-z]/s/^  dir: //p' "$config")
[[ $manifests == /*/ergod/manifests && -f $dest$manifests/echo.yaml ]] || fail "installed config names manifests in '$manifests'"
# Hardening that leaves what the daemon needs (network, unix sockets, memfd + dlopen, sd_notify).
for line in CapabilityBoundingSet= SystemCallFilter=@system-service SystemCallArchitectures=native \
  ProtectClock=yes ProtectHostname=yes ProtectKernelLogs=yes RestrictRealtime=yes ProtectProc=invisible \
  DynamicUser=yes "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6"; do
  grep -qx "$line" "$unit" || fail "the unit lacks $line"
done
if command -v systemd-analyze >/dev/null; then
  # Only the unit's own syntax: the binary and folders it names are under $dest.
  systemd-analyze verify "$unit" 2>&1 | grep -v "is not executable\|No such file" | grep . &&
    fail "systemd-analyze verify complains"
fi

# Checked where it was installed (beside it, for its relative folders; its absolute ones
# are under $dest here).
sed "s#^  dir: /#  dir: $dest/#" "$config" >"$(dirname "$config")/check.yaml"
"$ergod" check --config "$(dirname "$config")/check.yaml" >"$tmp/check.out" 2>&1 || fail "check: $(cat "$tmp/check.out")"
grep -q "(application echo)" "$tmp/check.out" || fail "check: $(cat "$tmp/check.out")"
echo "ok: installed layout"
