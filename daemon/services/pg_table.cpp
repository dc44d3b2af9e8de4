// See pg_table.h.
#include "services/pg_table.h"

#include "services/ets_order.h"

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
  Entry& e = entry(group);
  e.all.insert(e.all.begin(), pids.begin(), pids.end());
}

void PgTable::join_local(const Term& group, const Term& pid_or_pids) {
  std::vector<Term> pids = pids_of(pid_or_pids);
  std::lock_guard<std::mutex> l(mu_);
  Entry& e = entry(group);
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
  Entry& e = entry(group);
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

PgTable::Entry& PgTable::entry(const Term& group) {
  auto [it, fresh] = groups_.try_emplace(group);
  if (fresh) {
    it->second.seq = next_seq_++;
    it->second.hash = ets_key_hash(group);
    most_groups_ = std::max(most_groups_, groups_.size());
  }
  return it->second;
}

std::vector<Term> PgTable::ets_order(bool local_only) const {
  size_t buckets = ets_buckets(most_groups_);
  struct Key {
    size_t bucket;
    uint64_t seq;
    const Term* group;
  };
  std::vector<Key> keys;
  for (const auto& [g, e] : groups_)
    if (!local_only || !e.local.empty()) keys.push_back({ets_bucket(e.hash, buckets), e.seq, &g});
  std::sort(keys.begin(), keys.end(), [](const Key& a, const Key& b) {
    return a.bucket != b.bucket ? a.bucket > b.bucket : a.seq > b.seq;
  });
  std::vector<Term> v;
  v.reserve(keys.size());
  for (const Key& k : keys) v.push_back(*k.group);
  return v;
}

Term PgTable::groups() const {
  std::lock_guard<std::mutex> l(mu_);
  return Term::list(ets_order(false));
}

Term PgTable::local_groups() const {
  std::lock_guard<std::mutex> l(mu_);
  return Term::list(ets_order(true));
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
