// See sys.h. The answers follow sys.erl's do_cmd/get_status/debug_cmd and gen_server.erl's
// format_status and system_* callbacks (OTP 25), checked against erl.
#include "behaviors/sys.h"

#include <exception>
#include <string>

#include "term/utf8.h"

namespace ergod::behaviors::sys {

using namespace term::atoms;

namespace {

Term atom(const char* name) { return Term::atom(name); }
Term error_tuple(Term v) { return Term::tuple({Term::atom(error), std::move(v)}); }

bool is_tuple_of(const Term& m, uint32_t arity, const char* first) {
  return m.is_tuple() && m.tuple_arity() == arity && m.element(0) == Term::atom(first);
}


// pid_to_list(self()) on its own node: <0.Id.Serial>.
std::string local_pid_text(const Term& pid) {
  auto* p = pid.as<term::PidBox>();
  return "<0." + std::to_string(p->id) + "." + std::to_string(p->serial) + ">";
}

Term state_of(GenServer& server, const char* callback, bool& failed) {
  try {
    failed = false;
    return server.sys_state();
  } catch (const std::exception& e) {
    failed = true;
    return error_tuple(Term::tuple(
        {atom("callback_failed"), Term::tuple({atom("gen_server"), atom(callback)}),
         Term::tuple({Term::atom(error), Term::tuple({atom("cxx_exception"), Term::binary(std::string_view(e.what()))})})}));
  }
}

// gen_server:format_status(normal, ...) for get_status's last element.
Term format_status(Process& self, GenServer& server, Context& ctx, Term state) {
  Term status = atom(ctx.suspended ? "suspended" : "running");
  std::string name = self.registered_name() ? std::string(self.registered_name()->name()) : local_pid_text(self.self());
  std::vector<Term> out = {
      Term::tuple({atom("header"), term::chars("Status for generic server " + name)}),
      Term::tuple({atom("data"), Term::list({Term::tuple({term::chars("Status"), status}),
                                             Term::tuple({term::chars("Parent"), ctx.parent}),
                                             Term::tuple({term::chars("Logged events"), Term::nil()})})}),
      Term::tuple({atom("data"), Term::list({Term::tuple({term::chars("State"), std::move(state)})})}),
  };
  for (auto& t : server.sys_status_extra()) out.push_back(std::move(t));
  return Term::list(std::span<const Term>(out));
}

// sys:debug_cmd for a process that keeps no debug options.
Term debug(const Term& what) {
  auto off = [&](const char* tag) { return is_tuple_of(what, 2, tag) && what.element(1).is_atom(false_); };
  if (off("trace") || off("log") || off("statistics") || off("log_to_file")) return Term::atom(ok);
  if (what == atom("no_debug") || is_tuple_of(what, 2, "remove")) return Term::atom(ok);
  if (is_tuple_of(what, 2, "log") && what.element(1) == atom("print")) return Term::atom(ok);
  if (is_tuple_of(what, 2, "log") && what.element(1) == atom("get")) return Term::tuple({Term::atom(ok), Term::nil()});
  if (is_tuple_of(what, 2, "statistics") && what.element(1) == atom("get"))
    return Term::tuple({Term::atom(ok), atom("no_statistics")});
  return atom("unknown_debug");
}

}  // namespace

bool is_system_message(const Term& m) { return is_tuple_of(m, 3, "system"); }

Next handle(Process& self, GenServer& server, Context& ctx, const Term& from, const Term& req) {
  auto answer = [&](Term v) { gen_server::reply(self, from, std::move(v)); };
  if (req == atom("suspend")) {
    ctx.suspended = true;
    answer(Term::atom(ok));
  } else if (req == atom("resume")) {
    ctx.suspended = false;
    answer(Term::atom(ok));
  } else if (req == atom("get_state")) {
    bool failed = false;
    answer(state_of(server, "system_get_state", failed));
  } else if (is_tuple_of(req, 2, "replace_state")) {
    answer(error_tuple(Term::tuple({atom("callback_failed"), Term::tuple({atom("gen_server"), atom("system_replace_state")}),
                                    Term::tuple({Term::atom(error), atom("cxx_state")})})));
  } else if (req == atom("get_status")) {
    bool failed = false;
    Term state = state_of(server, "format_status", failed);
    Term pdict = Term::list({Term::tuple({atom("$ancestors"), ctx.ancestors}),
                             Term::tuple({atom("$initial_call"), server.sys_initial_call()})});
    Term misc = format_status(self, server, ctx, std::move(state));
    answer(Term::tuple({atom("status"), self.self(), Term::tuple({atom("module"), atom("gen_server")}),
                        Term::list({pdict, atom(ctx.suspended ? "suspended" : "running"), ctx.parent, Term::nil(), misc})}));
  } else if (is_tuple_of(req, 2, "debug")) {
    answer(debug(req.element(1)));
  } else if (is_tuple_of(req, 2, "terminate")) {
    answer(Term::atom(ok));
    return Next{true, req.element(1)};
  } else if (ctx.suspended && is_tuple_of(req, 4, "change_code")) {
    bool failed = false;
    Term state = state_of(server, "system_code_change", failed);
    Term call = Term::tuple({server.sys_module(), atom("code_change"),
                             Term::list({req.element(2), std::move(state), req.element(3)}), Term::nil()});
    answer(error_tuple(Term::tuple({Term::atom(EXIT), Term::tuple({atom("undef"), Term::list({call})})})));
  } else {
    answer(error_tuple(Term::tuple({atom("unknown_system_msg"), req})));
  }
  return Next{};
}

}  // namespace ergod::behaviors::sys
