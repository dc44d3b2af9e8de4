// global_name_server: a placeholder registered under global's name that drops what it gets.
// What an OTP 25 node does with it is in daemon/services/README.md.
#include "services/global.h"

#include "behaviors/gen_server.h"

namespace ergod::services {
namespace {

using namespace behaviors;

class Global final : public GenServer {
 public:
  CallResult handle_call(const Term&, const Term&) override { return NoReply{}; }
  InfoResult handle_cast(const Term&) override { return NoReply{}; }
  InfoResult handle_info(const Term&) override { return NoReply{}; }
};

}  // namespace

Term start_global(runtime::Runtime& rt) {
  StartOptions o;
  o.name = Atom::make("global_name_server");
  Term r = gen_server::start(rt, std::make_unique<Global>(), Term::nil(), o);
  if (r.is_tuple() && r.tuple_arity() == 2 && r.element(0).is_atom(term::atoms::ok)) return r.element(1);
  return Term();
}

}  // namespace ergod::services
