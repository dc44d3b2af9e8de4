// Distribution capability flags (DFLAG_*), OTP 25's mandatory set, and the one set ergod
// advertises. Values from kernel/include/dist.hrl of OTP 25. Pure constants and helpers: any
// thread.
#pragma once

#include <cstdint>
#include <string>

namespace ergod::dist {

namespace dflag {
constexpr uint64_t published = 0x01;
constexpr uint64_t atom_cache = 0x02;  // obsolete
constexpr uint64_t extended_references = 0x04;
constexpr uint64_t dist_monitor = 0x08;
constexpr uint64_t fun_tags = 0x10;
constexpr uint64_t dist_monitor_name = 0x20;
constexpr uint64_t hidden_atom_cache = 0x40;  // obsolete
constexpr uint64_t new_fun_tags = 0x80;
constexpr uint64_t extended_pids_ports = 0x100;
constexpr uint64_t export_ptr_tag = 0x200;
constexpr uint64_t bit_binaries = 0x400;
constexpr uint64_t new_floats = 0x800;
constexpr uint64_t unicode_io = 0x1000;
constexpr uint64_t dist_hdr_atom_cache = 0x2000;
constexpr uint64_t small_atom_tags = 0x4000;
constexpr uint64_t utf8_atoms = 0x10000;
constexpr uint64_t map_tag = 0x20000;
constexpr uint64_t big_creation = 0x40000;
constexpr uint64_t send_sender = 0x80000;
constexpr uint64_t big_seqtrace_labels = 0x100000;
constexpr uint64_t exit_payload = 0x400000;
constexpr uint64_t fragments = 0x800000;
constexpr uint64_t handshake_23 = 0x1000000;
constexpr uint64_t unlink_id = 0x2000000;
// dist.hrl puts this at bit 26; the OTP 25 HTML doc says bit 36. The running erl wins.
constexpr uint64_t mandatory_25_digest = 0x4000000;
constexpr uint64_t spawn = uint64_t(1) << 32;
constexpr uint64_t name_me = uint64_t(1) << 33;  // a request for a dynamic name, not a capability
constexpr uint64_t v4_nc = uint64_t(1) << 34;
constexpr uint64_t alias = uint64_t(1) << 35;
}  // namespace dflag

// An OTP 25 node refuses a peer that lacks any of these (MANDATORY_DFLAGS_25), and so do we.
constexpr uint64_t kMandatoryFlags25 =
    dflag::extended_references | dflag::fun_tags | dflag::extended_pids_ports |
    dflag::new_fun_tags | dflag::export_ptr_tag | dflag::bit_binaries | dflag::new_floats |
    dflag::utf8_atoms | dflag::map_tag | dflag::big_creation | dflag::handshake_23;

// What ergod offers; the connection uses the intersection with the peer's flags. Beyond the
// mandatory set, each flag is a promise the upper dist layer keeps:
//   dist_hdr_atom_cache, small_atom_tags: we decode the 131/68 header and its atom cache;
//   fragments: we reassemble 131/69 + 131/70 and fragment big messages so ticks get through;
//   dist_monitor, dist_monitor_name: MONITOR_P / DEMONITOR_P by pid and by name;
//   exit_payload, unlink_id: the OTP 24+ exit and link protocols (mandatory in OTP 26);
//   spawn: SPAWN_REQUEST, which OTP 25's rpc:call (erpc) needs; alias: ALIAS_SEND, which
//   gen_server:call replies from OTP 25 callers need; v4_nc: 64-bit port ids, 5-word refs.
// Not offered: send_sender, big_seqtrace_labels (no seq_trace), unicode_io, the obsolete
// atom caches. `published` is added per connection unless the node is hidden; `name_me` only
// when we ask a peer for a dynamic name.
constexpr uint64_t kAdvertisedFlags =
    kMandatoryFlags25 | dflag::dist_hdr_atom_cache | dflag::small_atom_tags |
    dflag::fragments | dflag::dist_monitor | dflag::dist_monitor_name | dflag::exit_payload |
    dflag::unlink_id | dflag::spawn | dflag::alias | dflag::v4_nc;

// OTP 25 lets the single mandatory_25_digest flag stand for the whole mandatory set.
constexpr uint64_t expand_mandatory_digest(uint64_t flags) {
  return (flags & dflag::mandatory_25_digest) ? (flags | kMandatoryFlags25) : flags;
}

// "EXTENDED_REFERENCES|FUN_TAGS|..." for logs; unknown bits as UNKNOWN<hex>.
std::string flags_to_string(uint64_t flags);

}  // namespace ergod::dist
