// See restarter.h.
#include "services/restarter.h"

#include <chrono>
#include <deque>
#include <future>

namespace ergod::services {
namespace {

using runtime::Process;
using term::Term;

class Restarter final : public runtime::ProcessBehavior {
 public:
  Restarter(RestarterSpec spec, std::promise<bool>* started) : spec_(std::move(spec)), started_(started) {}

  void init(Process& self) override { start_child(self); }

  void handle_message(Process& self, Term m) override {
    static const term::Atom retry = term::Atom::make("$restart_child");
    if (m.is_atom(retry)) return start_child(self);
    // {'EXIT', Pid, Reason}: our child, or (from <0.0.0> or anyone else) a request to stop.
    if (m.is_tuple() && m.tuple_arity() == 3 && m.element(0).is_atom(term::atoms::EXIT)) {
      if (child_ && m.element(1) == child_) {
        child_ = Term();
        if (!note_restart()) return self.exit(Term::atom(term::atoms::shutdown));
        return start_child(self);
      }
      if (child_) self.exit(child_, Term::atom(term::atoms::shutdown));
      self.exit(m.element(2));
    }
  }

 private:
  void start_child(Process& self) {
    behaviors::gen_server::start_link(self, spec_.make_child(), Term::nil(), spec_.child_options,
                                      [this](Process& p, Term r) {
                                        bool ok = r.is_tuple() && r.tuple_arity() == 2 &&
                                                  r.element(0).is_atom(term::atoms::ok);
                                        if (ok) child_ = r.element(1);
                                        if (started_) {
                                          started_->set_value(ok);
                                          started_ = nullptr;
                                          if (!ok) return p.exit(Term::atom(term::atoms::shutdown));
                                        }
                                        // The old child's name may still be held for a moment.
                                        if (!ok) p.send_after(100, p.self(), Term::atom("$restart_child"));
                                      });
  }

  bool note_restart() {
    auto now = std::chrono::steady_clock::now();
    restarts_.push_back(now);
    while (!restarts_.empty() && now - restarts_.front() > std::chrono::milliseconds(spec_.period_ms))
      restarts_.pop_front();
    return restarts_.size() <= spec_.intensity;
  }

  RestarterSpec spec_;
  std::promise<bool>* started_;
  Term child_;
  std::deque<std::chrono::steady_clock::time_point> restarts_;
};

}  // namespace

Term start_restarter(runtime::Runtime& rt, RestarterSpec spec) {
  std::promise<bool> started;
  auto f = started.get_future();
  runtime::SpawnOptions o;
  o.trap_exit = true;
  o.name = spec.name;
  auto sp = rt.spawn(std::make_unique<Restarter>(std::move(spec), &started), o);
  if (!sp) return Term();
  return f.get() ? sp->pid : Term();
}

}  // namespace ergod::services
