// See global_lock_table.h. As global.erl's handle_set_lock, handle_del_lock, delete_lock and
// remove_lock.
#include "services/global_lock_table.h"

#include <algorithm>

#include "services/global_table.h"

namespace ergod::services {

using term::Atom;
using term::Term;

bool GlobalLockTable::set(runtime::Process& self, const Term& id, const Term& pid) {
  const Term &resource = id.element(0), &requester = id.element(1);
  auto it = locks_.find(resource);
  if (it != locks_.end() && it->second.requester != requester) return false;
  if (it == locks_.end()) {
    it = locks_.emplace(resource, Lock{requester, {}}).first;
    global_table_set_lock(node_, resource, requester);
  }
  for (auto& [p, r] : it->second.holders)
    if (p == pid) return true;
  Term mref = self.monitor(pid);
  it->second.holders.emplace_back(pid, mref);
  refs_[mref] = resource;
  return true;
}

void GlobalLockTable::del(runtime::Process& self, const Term& id, const Term& pid) {
  auto it = locks_.find(id.element(0));
  if (it != locks_.end() && it->second.requester == id.element(1)) remove(self, it, pid, false);
}

bool GlobalLockTable::down(runtime::Process& self, const Term& mref) {
  auto r = refs_.find(mref);
  if (r == refs_.end()) return false;
  auto it = locks_.find(r->second);
  if (it == locks_.end()) return false;
  for (auto& [p, ref] : it->second.holders)
    if (ref == mref) {
      remove(self, it, Term(p), true);
      return true;
    }
  return false;
}

const GlobalLockTable::Lock* GlobalLockTable::find(const Term& resource) const {
  auto it = locks_.find(resource);
  return it == locks_.end() ? nullptr : &it->second;
}

void GlobalLockTable::remove(runtime::Process& self, std::map<Term, Lock, term::ExactLess>::iterator it,
                             const Term& pid, bool down) {
  auto& hs = it->second.holders;
  auto h = std::find_if(hs.begin(), hs.end(), [&](auto& e) { return e.first == pid; });
  if (h == hs.end()) return;
  self.demonitor(h->second, true);
  refs_.erase(h->second);
  hs.erase(h);
  if (!hs.empty()) return;
  if (it->first.is_atom(Atom::make("global"))) global_lock_down_ = down;
  global_table_del_lock(node_, it->first);
  locks_.erase(it);
}

}  // namespace ergod::services
