// The options of a spawn request (spawn_opt/spawn_request from another node), checked as
// erts checks them on the spawning node, which answers a bad one with SPAWN_REPLY error
// badopt (spawn_opt then raises badarg with cause badopt). Checked against OTP 25.2:
//   link | monitor | {monitor, [{alias, explicit_unalias | demonitor | reply_demonitor} |
//   {tag, _}]} | {priority, low | normal | high | max} | {fullsweep_after, N} |
//   {min_heap_size, N} | {min_bin_vheap_size, N} | {max_heap_size, N | #{size := N,
//   kill => bool, error_logger => bool}} | {message_queue_data, off_heap | on_heap} |
//   {scheduler, N} | {reply, yes | no | error_only | success_only} | {reply_tag, _}
// N: a non-negative small integer (OTP 25.2 has no async_dist). ergod applies none of the
// heap or scheduling ones (it has no such knobs): they are accepted, as a valid request.
#pragma once

#include "term/term.h"

namespace ergod::services {

enum class SpawnOptionsCheck { ok, badopt, badarg };

// badarg: not a proper list.
SpawnOptionsCheck check_spawn_options(const term::Term& options);

}  // namespace ergod::services
