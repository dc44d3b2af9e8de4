// pg's read functions for rpc and erpc, answered from the scope tables (pg_table.h) as OTP's
// read the scope's ETS table: get_members/1,2, get_local_members/1,2 ([] for a group or scope
// that is not there: pg.erl catches the badarg), which_groups/0,1 and which_local_groups/0,1
// (an unknown scope is ets' badarg, a non-atom one a function_clause, as in pg.erl; the pg
// frame has no file and line, as ergod runs no pg.erl); join/2,3, leave/2,3, monitor_scope/0,1,
// monitor/1,2 and demonitor/1,2 check their arguments as pg.erl does ({nolocal, Bad},
// function_clause) and call the scope, answering with its reply (noproc exit with no scope).
// Threads: add_pg_functions from the controlling thread; the functions run on any worker.
#pragma once

#include "services/functions.h"

namespace ergod::services {

void add_pg_functions(FunctionRegistry& fns);

}  // namespace ergod::services
