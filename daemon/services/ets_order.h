// The order in which OTP 25 lists the keys of an ETS set table (ets:match, ets:select: how
// pg:which_groups/which_local_groups come out), checked against erl: a linear hash table of
// 256 buckets at first, one more for each key past that; a key's bucket is its hash masked as
// linear hashing does; the listing goes from the last bucket to the first, newest key first
// within one. An atom's hash is the atom table's (hashpjw over its text, portable, so ergod
// matches OTP exactly for atom keys); other keys hash with erts' make_internal_hash, which is
// not portable even between two OTP nodes (atoms inside by their index, pids by a pointer),
// so ergod hashes them with term::hash: a hash order, as OTP's, but not the same one.
// Not modelled: OTP shrinking the table after heavy deletions (seen from 4000 keys to 31,
// not from 1200 to 51): ergod keeps the buckets of the most keys it had.
// Threads: pure functions, any thread.
#pragma once

#include <cstddef>
#include <cstdint>

#include "term/term.h"

namespace ergod::services {

// The hash the ETS table keeps for key (erl_db_hash.c's MAKE_HASH for an atom).
uint32_t ets_key_hash(const term::Term& key);
// The bucket of a hash in a table of nactive buckets (nactive >= 256).
size_t ets_bucket(uint32_t hash, size_t nactive);
// The buckets of a table that has held at most max_keys keys at once.
inline size_t ets_buckets(size_t max_keys) { return max_keys > 256 ? max_keys : 256; }

}  // namespace ergod::services
