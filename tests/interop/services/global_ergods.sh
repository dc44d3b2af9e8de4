# global between two ergods (global_ergods_checks.erl): erl nodes E (on ergod A) and F (on
# ergod B) register a name each, then A connects to B; side by side with erl nodes in A's and
# B's places, A and B must learn each other's names, E and F be meshed and global:sync()
# return at once, with nothing logged (but global's overlap warning when the erl peers stop
# at the end, a race, see lib.sh). Cases alone (no E or F), e_only (no F) and with_erl (E
# connected to both ergods before) put the lockers of A and B in other roles.
source "$(dirname "$0")/lib.sh" "$@"
source "$here/node_lib.sh"
erlc -o "$tmp" "$here/global_ergods_checks.erl" || fail "erlc global_ergods_checks.erl"
start_node
b=ergodb$$
start_other "$b" "$cookie" || fail "ergod B did not start"
for c in alone e_only both with_erl; do
  name=gerg${c}$$ rc=0
  $(erl_cmd global_ergods_checks "$name" "$c" "$b@$host") -hidden >"$tmp/$name.out" 2>&1 || rc=$?
  [[ -n ${KEEP_OUT:-} ]] && cp "$tmp/$name.out" "$KEEP_OUT.$c"
  # The erl peers stop at the end while connected to A and B: a reference A or B may then
  # log global's overlap warning about one of them (the race of lib.sh); nothing else.
  erl_out_ok "$tmp/$name.out" global_ergods_checks "$c" "$rc" --allow-logs
  if grep -A1 -E '=(ERROR|WARNING) REPORT' "$tmp/$name.out" | grep -vE '^=(ERROR|WARNING) REPORT|^--$' |
    grep -vE "^'global' at node '[^']+' requested disconnect from node 'peer-[^']+' in order to prevent overlapping partitions\$" ||
    grep -qE '=ERROR REPORT|\[error\]|\[warning\]' "$tmp/$name.out"; then
    cat "$tmp/$name.out" >&2
    fail "erl logged errors or warnings in $c"
  fi
  echo "ok: $c"
done
grep -E '^<[34]>' "$tmp/$b.log" | grep -vE "$overlap_race" && fail "ergod B logged errors or warnings"
no_error_logs --peer-overlap-race
