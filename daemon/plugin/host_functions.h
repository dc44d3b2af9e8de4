// host_functions: the parts of the host table, filled by host_table.cpp (internal to the
// plugin layer). host_terms.cpp: the term functions; host_process.cpp: the process functions,
// send_any, abort_on_crash; host_groups.cpp: pg and
// host_global.cpp: global names (ABI 3). All guard their bodies with guarded().
// Threads: none of its own; see ergod.h for which thread may call each host function.
#pragma once

#include <ergod/ergod.h>

namespace ergod::plugin {

// Runs f, turning any exception (allocation failure, atom table full) into the fallback: no
// exception crosses the C boundary.
template <class R, class F>
R guarded(R fallback, F&& f) noexcept {
  try {
    return f();
  } catch (...) {
    return fallback;
  }
}

void fill_term_functions(ergod_host& h);
void fill_process_functions(ergod_host& h);
void fill_group_functions(ergod_host& h);
void fill_global_functions(ergod_host& h);

}  // namespace ergod::plugin
