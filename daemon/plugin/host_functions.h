// host_functions: the halves of the host table, filled by host_table.cpp (internal to the
// plugin layer). host_terms.cpp: the term functions; host_process.cpp: the process functions,
// send_any, abort_on_crash.
#pragma once

#include <ergod/ergod.h>

namespace ergod::plugin {

void fill_term_functions(ergod_host& h);
void fill_process_functions(ergod_host& h);

}  // namespace ergod::plugin
