// OTP's application module over rpc, for what ergod's applications are:
// application:which_applications/0,1 (running ones, the last started first, as OTP lists
// them) and loaded_applications/0, each entry {Name, Description, Vsn} with the manifest's
// description and version as strings ("" when the manifest has none). ergod runs no kernel
// or stdlib application, so they are not listed.
// Threads: add/remove from the controlling thread; the functions run on a worker.
#pragma once

#include "behaviors/application.h"
#include "services/functions.h"

namespace ergod::cli {

void add_application_functions(services::FunctionRegistry& fns, const behaviors::ApplicationController& apps);
void remove_application_functions(services::FunctionRegistry& fns);

}  // namespace ergod::cli
