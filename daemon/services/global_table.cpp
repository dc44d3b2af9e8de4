// See global_table.h.
#include "services/global_table.h"

#include <mutex>
#include <unordered_map>

#include "runtime/runtime.h"

namespace ergod::services {

using term::Atom;
using term::Term;

namespace {
// global_whereis's copy of every node's name table (one node per Runtime; tests run several).
struct NameMirror {
  std::mutex mu;
  std::unordered_map<uint32_t, std::unordered_map<Term, Term, term::TermHash>> by_node;
  void set(Atom node, const Term& name, const Term& pid) {
    std::lock_guard<std::mutex> l(mu);
    by_node[node.index()][name] = pid;
  }
  void erase(Atom node, const Term& name) {
    std::lock_guard<std::mutex> l(mu);
    if (auto n = by_node.find(node.index()); n != by_node.end()) n->second.erase(name);
  }
  // The lock table's ResourceId -> LockRequesterId, for global_can_set_lock.
  std::unordered_map<uint32_t, std::unordered_map<Term, Term, term::TermHash>> locks;
  void set_lock(Atom node, const Term& resource, const Term& requester) {
    std::lock_guard<std::mutex> l(mu);
    locks[node.index()][resource] = requester;
  }
  void del_lock(Atom node, const Term& resource) {
    std::lock_guard<std::mutex> l(mu);
    if (auto n = locks.find(node.index()); n != locks.end()) n->second.erase(resource);
  }
};
NameMirror& mirror() {
  static NameMirror m;
  return m;
}
}  // namespace

void global_table_set_name(Atom node, const Term& name, const Term& pid) { mirror().set(node, name, pid); }
void global_table_erase_name(Atom node, const Term& name) { mirror().erase(node, name); }
void global_table_set_lock(Atom node, const Term& resource, const Term& requester) {
  mirror().set_lock(node, resource, requester);
}
void global_table_del_lock(Atom node, const Term& resource) { mirror().del_lock(node, resource); }

Term global_whereis(Atom node, const Term& name) {
  auto& m = mirror();
  std::lock_guard<std::mutex> l(m.mu);
  auto n = m.by_node.find(node.index());
  if (n == m.by_node.end()) return Term();
  auto it = n->second.find(name);
  return it == n->second.end() ? Term() : it->second;
}

bool global_can_set_lock(Atom node, const Term& id) {
  auto& m = mirror();
  std::lock_guard<std::mutex> l(m.mu);
  auto n = m.locks.find(node.index());
  if (n == m.locks.end()) return true;
  auto it = n->second.find(id.element(0));
  return it == n->second.end() || it->second == id.element(1);
}

std::vector<Term> global_names_of(Atom node, const Term& pid) {
  auto& m = mirror();
  std::lock_guard<std::mutex> l(m.mu);
  std::vector<Term> names;
  if (auto n = m.by_node.find(node.index()); n != m.by_node.end())
    for (const auto& [name, p] : n->second)
      if (p == pid) names.push_back(name);
  return names;
}

void add_global_functions(FunctionRegistry& fns) {
  Atom global = Atom::make("global");
  fns.add(global, Atom::make("whereis_name"), 1, [](runtime::Process& self, const Term& args) {
    Term pid = global_whereis(self.runtime().node(), args.head());
    return ApplyResult::ok(pid ? pid : Term::atom(term::atoms::undefined));
  });
  fns.add(global, Atom::make("registered_names"), 0, [](runtime::Process& self, const Term&) {
    auto& m = mirror();
    std::vector<Term> names;
    {
      std::lock_guard<std::mutex> l(m.mu);
      if (auto n = m.by_node.find(self.runtime().node().index()); n != m.by_node.end())
        for (const auto& [name, pid] : n->second) names.push_back(name);
    }
    return ApplyResult::ok(Term::list(names));
  });
}

}  // namespace ergod::services
