// gen_server:multi_call to global_name_server on several nodes, one call after the other (as
// global.erl's lock and registration functions make them): the answers of the nodes that
// answered, in the order called (a node that did not answer is left out, as multi_call's bad
// nodes). Shared by the lock functions (global_locks.cpp) and the registrar
// (global_registrar.cpp). Owned by the process that calls it; one multi-call at a time.
#pragma once

#include <functional>
#include <utility>
#include <vector>

#include "runtime/process.h"
#include "term/term.h"

namespace ergod::services {

class GlobalMultiCall {
 public:
  using Then = std::function<void(runtime::Process&)>;
  using Replies = std::vector<std::pair<term::Atom, term::Term>>;

  // Calls `request` on each of nodes (self_node: the local server by name), then runs `then`.
  void start(runtime::Process& self, term::Atom self_node, std::vector<term::Atom> nodes, term::Term request,
             Then then) {
    self_node_ = self_node;
    nodes_ = std::move(nodes);
    request_ = std::move(request);
    then_ = std::move(then);
    i_ = 0;
    replies_.clear();
    next(self);
  }
  const Replies& replies() const { return replies_; }

 private:
  void next(runtime::Process& self) {
    static const term::Atom server = term::Atom::make("global_name_server"), gen_call = term::Atom::make("$gen_call");
    if (i_ == nodes_.size()) {
      Then then = std::move(then_);
      return then(self);
    }
    term::Atom n = nodes_[i_];
    term::Term dest = n == self_node_ ? term::Term::atom(server)
                                      : term::Term::tuple({term::Term::atom(server), term::Term::atom(n)});
    self.call(dest, gen_call, request_, runtime::kInfinity, [this, n](runtime::Process& p, runtime::CallOutcome o) {
      if (o.ok) replies_.emplace_back(n, o.value);
      ++i_;
      next(p);
    });
  }

  term::Atom self_node_;
  std::vector<term::Atom> nodes_;
  term::Term request_;
  Then then_;
  size_t i_ = 0;
  Replies replies_;
};

}  // namespace ergod::services
