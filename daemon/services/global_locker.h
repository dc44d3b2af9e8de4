// The locker of global_name_server (global.erl's "the_locker"): the process that sets global's
// connection lock {global, [LockerA, LockerB]} on every node of our partition when another
// node's locker asks for it, tells global_name_server (lock_is_set), holds the lock until the
// server cancels the session, then removes it. It is a process of its own because it waits on
// set_lock/del_lock calls to other nodes' servers, which the server itself must never do.
// Active too, as OTP's: when no message came for a while (0.2 s alone, 1-3 s by the size of
// our partition, at once after a session) and no global lock is set here, it locks our
// partition and the other node for one waiting session and asks his locker for his (so two
// ergods complete a session on their own). Both lockers may try at once: they share one lock
// id, so both succeed, as between OTP nodes.
//
// Messages from global_name_server (as in global.erl):
//   {his_the_locker, HisLocker, {Vsn, _}, HisTag, MyTag}   a session with node(HisLocker)
//   {lock_set, HisLocker, true | false, HisKnown[, MyTag]} his locker holds his partition
//   {cancel, Node, Tag, no_fun | [{DestNode, Msg}]}         end of the session; the casts
//                                                           go out before the lock is removed
//   {add_to_known, [Node]} / {remove_from_known, Node}
// and its own {try_lock, Gen} timer.
// Threads: start_global_locker() from inside the server's process.
#pragma once

#include "runtime/process.h"

namespace ergod::services {

// Spawns the locker linked to `server` (our global_name_server); returns its pid.
term::Term start_global_locker(runtime::Process& server, std::vector<term::Atom> known);

}  // namespace ergod::services
