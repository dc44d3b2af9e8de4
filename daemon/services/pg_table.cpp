// See pg_table.h.
#include "services/pg_table.h"

#include <algorithm>
#include <unordered_map>

namespace ergod::services {

using term::Atom;
using term::Term;

namespace {

std::vector<Term> pids_of(const Term& pid_or_pids) {
  std::vector<Term> v;
  if (!pid_or_pids.is_list()) {
    v.push_back(pid_or_pids);
    return v;
  }
  return term::list_elements(pid_or_pids);
}

// Erlang's A -- B: one occurrence of each element of B removed from A.
void subtract(std::vector<Term>& a, const std::vector<Term>& b) {
  for (const Term& x : b)
    if (auto it = std::find(a.begin(), a.end(), x); it != a.end()) a.erase(it);
}

struct Directory {
  std::mutex mu;
  std::unordered_map<uint64_t, std::shared_ptr<PgTable>> tables;
  static uint64_t key(Atom node, Atom scope) { return (uint64_t(node.index()) << 32) | scope.index(); }
};
Directory& directory() {
  static Directory d;
  return d;
}

}  // namespace

void PgTable::join(const Term& group, const Term& pid_or_pids) {
  std::vector<Term> pids = pids_of(pid_or_pids);
  std::lock_guard<std::mutex> l(mu_);
  Entry& e = groups_[group];
  e.all.insert(e.all.begin(), pids.begin(), pids.end());
}

void PgTable::join_local(const Term& group, const Term& pid_or_pids) {
  std::vector<Term> pids = pids_of(pid_or_pids);
  std::lock_guard<std::mutex> l(mu_);
  Entry& e = groups_[group];
  e.all.insert(e.all.begin(), pids.begin(), pids.end());
  e.local.insert(e.local.begin(), pids.begin(), pids.end());
}

bool PgTable::leave_local(const Term& group, const Term& pid_or_pids) {
  std::vector<Term> pids = pids_of(pid_or_pids);
  std::lock_guard<std::mutex> l(mu_);
  auto it = groups_.find(group);
  if (it == groups_.end()) return false;
  subtract(it->second.all, pids);
  subtract(it->second.local, pids);
  if (it->second.all.empty()) groups_.erase(it);
  return true;
}

void PgTable::leave(const Term& pid_or_pids, const std::vector<Term>& groups) {
  std::vector<Term> pids = pids_of(pid_or_pids);
  std::lock_guard<std::mutex> l(mu_);
  for (const Term& g : groups) {
    auto it = groups_.find(g);
    if (it == groups_.end()) continue;
    subtract(it->second.all, pids);
    if (it->second.all.empty() && it->second.local.empty()) groups_.erase(it);
  }
}

void PgTable::replace(const Term& group, const Term& old_pids, const Term& new_pids) {
  std::vector<Term> fresh = pids_of(new_pids);
  std::lock_guard<std::mutex> l(mu_);
  Entry& e = groups_[group];
  subtract(e.all, pids_of(old_pids));
  e.all.insert(e.all.begin(), fresh.begin(), fresh.end());
}

bool PgTable::has(const Term& group) const {
  std::lock_guard<std::mutex> l(mu_);
  return groups_.count(group) > 0;
}

Term PgTable::members(const Term& group) const {
  std::lock_guard<std::mutex> l(mu_);
  auto it = groups_.find(group);
  return it == groups_.end() ? Term::nil() : Term::list(it->second.all);
}

Term PgTable::local_members(const Term& group) const {
  std::lock_guard<std::mutex> l(mu_);
  auto it = groups_.find(group);
  return it == groups_.end() ? Term::nil() : Term::list(it->second.local);
}

Term PgTable::groups() const {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<Term> v;
  for (const auto& [g, e] : groups_) v.push_back(g);
  return Term::list(v);
}

Term PgTable::local_groups() const {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<Term> v;
  for (const auto& [g, e] : groups_)
    if (!e.local.empty()) v.push_back(g);
  return Term::list(v);
}

Term PgTable::snapshot() const {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<std::pair<Term, Term>> kv;
  for (const auto& [g, e] : groups_) kv.emplace_back(g, Term::list(e.all));
  return Term::map(kv);
}

std::shared_ptr<PgTable> pg_table_open(Atom node, Atom scope) {
  auto t = std::make_shared<PgTable>();
  auto& d = directory();
  std::lock_guard<std::mutex> l(d.mu);
  d.tables[Directory::key(node, scope)] = t;
  return t;
}

void pg_table_close(Atom node, Atom scope, const std::shared_ptr<PgTable>& table) {
  auto& d = directory();
  std::lock_guard<std::mutex> l(d.mu);
  auto it = d.tables.find(Directory::key(node, scope));
  if (it != d.tables.end() && it->second == table) d.tables.erase(it);
}

std::shared_ptr<const PgTable> pg_table_find(Atom node, Atom scope) {
  auto& d = directory();
  std::lock_guard<std::mutex> l(d.mu);
  auto it = d.tables.find(Directory::key(node, scope));
  return it == d.tables.end() ? nullptr : it->second;
}

}  // namespace ergod::services
