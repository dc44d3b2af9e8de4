// See net_kernel.h.
#include "services/net_kernel.h"

#include "behaviors/gen_server.h"

namespace ergod::services {
namespace {

using namespace behaviors;

class NetKernel final : public GenServer {
 public:
  CallResult handle_call(const Term& request, const Term&) override {
    static const Atom is_auth = Atom::make("is_auth");
    if (request.is_tuple() && request.tuple_arity() == 2 && request.element(0).is_atom(is_auth))
      return Reply{Term::atom("yes")};
    return NoReply{};
  }
  InfoResult handle_info(const Term&) override { return NoReply{}; }
  InfoResult handle_cast(const Term&) override { return NoReply{}; }
};

}  // namespace

Term start_net_kernel(runtime::Runtime& rt) {
  StartOptions o;
  o.name = Atom::make("net_kernel");
  Term r = gen_server::start(rt, std::make_unique<NetKernel>(), Term::nil(), o);
  if (r.is_tuple() && r.tuple_arity() == 2 && r.element(0).is_atom(term::atoms::ok)) return r.element(1);
  return Term();
}

}  // namespace ergod::services
