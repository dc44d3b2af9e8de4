// Names of the distribution flags, for log lines (see flags.h).
#include "dist/flags.h"

#include <cstdio>

namespace ergod::dist {

namespace {
const char* flag_name(uint64_t bit) {
  switch (bit) {
    case dflag::published: return "PUBLISHED";
    case dflag::atom_cache: return "ATOM_CACHE";
    case dflag::extended_references: return "EXTENDED_REFERENCES";
    case dflag::dist_monitor: return "DIST_MONITOR";
    case dflag::fun_tags: return "FUN_TAGS";
    case dflag::dist_monitor_name: return "DIST_MONITOR_NAME";
    case dflag::hidden_atom_cache: return "HIDDEN_ATOM_CACHE";
    case dflag::new_fun_tags: return "NEW_FUN_TAGS";
    case dflag::extended_pids_ports: return "EXTENDED_PIDS_PORTS";
    case dflag::export_ptr_tag: return "EXPORT_PTR_TAG";
    case dflag::bit_binaries: return "BIT_BINARIES";
    case dflag::new_floats: return "NEW_FLOATS";
    case dflag::unicode_io: return "UNICODE_IO";
    case dflag::dist_hdr_atom_cache: return "DIST_HDR_ATOM_CACHE";
    case dflag::small_atom_tags: return "SMALL_ATOM_TAGS";
    case dflag::utf8_atoms: return "UTF8_ATOMS";
    case dflag::map_tag: return "MAP_TAG";
    case dflag::big_creation: return "BIG_CREATION";
    case dflag::send_sender: return "SEND_SENDER";
    case dflag::big_seqtrace_labels: return "BIG_SEQTRACE_LABELS";
    case dflag::exit_payload: return "EXIT_PAYLOAD";
    case dflag::fragments: return "FRAGMENTS";
    case dflag::handshake_23: return "HANDSHAKE_23";
    case dflag::unlink_id: return "UNLINK_ID";
    case dflag::mandatory_25_digest: return "MANDATORY_25_DIGEST";
    case dflag::spawn: return "SPAWN";
    case dflag::name_me: return "NAME_ME";
    case dflag::v4_nc: return "V4_NC";
    case dflag::alias: return "ALIAS";
    default: return nullptr;
  }
}
}  // namespace

std::string flags_to_string(uint64_t flags) {
  std::string out;
  for (int i = 0; i < 64; ++i) {
    uint64_t bit = uint64_t(1) << i;
    if (!(flags & bit)) continue;
    if (!out.empty()) out += '|';
    if (const char* n = flag_name(bit)) {
      out += n;
    } else {
      char buf[40];
      std::snprintf(buf, sizeof buf, "UNKNOWN<%llX>", static_cast<unsigned long long>(bit));
      out += buf;
    }
  }
  return out.empty() ? "none" : out;
}

}  // namespace ergod::dist
