// See app_control.h.
#include "cli/app_control.h"

namespace ergod::cli {

Result<std::string> AppControl::reload() {
  auto errors = apps_.reload();
  if (errors.empty()) return std::string("reloaded\n");
  std::string why = "reload had " + std::to_string(errors.size()) + " error(s):";
  for (const auto& e : errors) why += " " + e + ";";
  return Error(why);
}

}  // namespace ergod::cli
