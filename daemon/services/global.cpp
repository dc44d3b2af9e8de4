// global_name_server: a placeholder registered under global's name that drops what it gets.
// What an OTP 25 node does with it is in daemon/services/README.md.
#include "services/global.h"

#include "behaviors/gen_server.h"
#include "base/log.h"

namespace ergod::services {
namespace {

using namespace behaviors;

class Global final : public GenServer {
 public:
  // Logged at debug level so that what OTP nodes send us here can be seen (README.md).
  CallResult handle_call(const Term& r, const Term&) override {
    log_debug("global_name_server: dropped call " + term::to_string(r, 400));
    return NoReply{};
  }
  InfoResult handle_cast(const Term& m) override {
    log_debug("global_name_server: dropped cast " + term::to_string(m, 400));
    return NoReply{};
  }
  InfoResult handle_info(const Term& m) override {
    log_debug("global_name_server: dropped " + term::to_string(m, 400));
    return NoReply{};
  }
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
