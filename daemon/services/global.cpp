// global_name_server (see global.h): the server half of global.erl's connection protocol, its
// name table and its lock table. Names and steps follow global.erl (OTP 25) so the two can be
// read side by side; what we leave out is in daemon/services/README.md.
#include "services/global.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <random>
#include <set>
#include <unordered_map>

#include "base/log.h"
#include "behaviors/gen_server.h"
#include "runtime/ids.h"
#include "services/global_lock_table.h"
#include "services/global_locker.h"
#include "services/global_overlap.h"
#include "services/global_resolve.h"

namespace ergod::services {

using term::Atom;
using term::Term;

namespace {

using namespace behaviors;

// The protocol version we announce, OTP 25's: with 7 or more a node takes part in preventing
// overlapping partitions (lost_connection / remove_connection: an older node is disconnected
// by the others instead of being asked to drop a connection), with 8 it confirms each
// connection session (init_connect_ack) and can call one off (cancel_connect).
constexpr int64_t kVsn = 8;
constexpr int64_t kPopVsn = 7;            // lost_connection / remove_connection
constexpr int64_t kPgpvVsn = 7;           // receivers that take known lists as [{Node, Vsn}]
constexpr int64_t kVerifyConnectVsn = 8;  // init_connect_ack / cancel_connect
// global.erl forgets a lost_connection report after an hour.
constexpr int64_t kLostConnectionKeepMs = 60 * 60 * 1000;

const Atom kServer = Atom::make("global_name_server");

bool is(const Term& t, const char* tag, uint32_t arity) {
  return t.is_tuple() && t.tuple_arity() == arity && t.element(0).is_atom(Atom::make(tag));
}
Term atom(const char* s) { return Term::atom(s); }

struct AtomLess {
  bool operator()(Atom a, Atom b) const { return a.index() < b.index(); }
};
using TermLess = term::ExactLess;

std::vector<Term> to_vector(const Term& list) { return term::list_elements(list); }
Term append(const Term& a, const Term& b) {
  std::vector<Term> v = to_vector(a);
  return Term::list(v, b.is_list() ? b : Term::nil());
}

class Global final : public GenServer {
 public:
  InitResult init(const Term&) override {
    self_node_ = process().runtime().node();
    locks_ = std::make_unique<GlobalLockTable>(self_node_);
    std::random_device rd;
    xcreation_ = overlap_xcreation((uint64_t(rd()) << 32) | rd(), process().runtime().creation());
    locker_ = start_global_locker(process(), {});
    if (locker_.is_none()) return Stop{atom("locker_not_started"), Term()};
    return InitOk{};
  }

  CallResult handle_call(const Term& r, const Term& from) override {
    const Term& caller = from.element(0);
    if (is(r, "register", 4) && r.element(2).is_pid()) {
      ins_name(r.element(1), r.element(2), r.element(3), caller, Term::nil());
      return Reply{atom("yes")};
    }
    if (is(r, "register_ext", 5) && r.element(2).is_pid()) {  // C-node names: kept as plain ones
      ins_name(r.element(1), r.element(2), r.element(3), caller, Term::nil());
      return Reply{atom("yes")};
    }
    if (is(r, "unregister", 2)) {
      delete_global_name(r.element(1));
      return Reply{Term::atom(term::atoms::ok)};
    }
    if (is(r, "set_lock", 2) && is_lock_id(r.element(1)))
      return Reply{bool_term(locks_->set(process(), r.element(1), caller))};
    if (is(r, "del_lock", 2) && is_lock_id(r.element(1))) {
      locks_->del(process(), r.element(1), caller);
      return Reply{Term::atom(term::atoms::true_)};
    }
    if (r.is_atom(Atom::make("get_known"))) return Reply{mk_known_list(0)};
    if (r.is_atom(Atom::make("get_synced"))) return Reply{node_terms(synced_)};
    if (r.is_atom(Atom::make("get_protocol_version"))) return Reply{Term::integer(kVsn)};
    if (r.is_atom(Atom::make("get_names_ext"))) return Reply{Term::nil()};
    if (is(r, "sync", 2)) return start_sync(r.element(1), from);
    log_warning("The global_name_server received an unexpected message: handle_call(" + term::to_string(r, 400) +
                ", " + term::to_string(from, 200) + ", _)");
    return NoReply{};
  }

  InfoResult handle_cast(const Term& m) override {
    if (is(m, "init_connect", 4) && m.element(2).is_atom()) {
      init_connect_cast(m.element(1), m.element(2).atom_value(), m.element(3));
    } else if (is(m, "lock_is_set", 4) && m.element(1).is_atom()) {  // from our locker
      Atom node = m.element(1).atom_value();
      if (my_tag(node) == m.element(2))
        lock_is_set(node, m.element(3));
      else
        cancel_locker(node, m.element(2), Term());
    } else if (is(m, "exchange", 5) && m.element(1).is_atom()) {
      Atom node = m.element(1).atom_value();
      if (my_tag(node) == m.element(4))
        exchange(node, m.element(2));
      else
        cancel_locker(node, m.element(4), Term());
    } else if (is(m, "resolved", 7) && m.element(1).is_atom()) {
      Atom node = m.element(1).atom_value();
      if (my_tag(node) == m.element(6))
        his_resolved(node, m.element(2), m.element(3), m.element(5));
      else
        cancel_locker(node, m.element(6), Term());
    } else if (is(m, "exchange_ops", 5) && m.element(1).is_atom()) {  // from our resolver
      Atom node = m.element(1).atom_value();
      if (my_tag(node) == m.element(2))
        exchange_ops(node, m.element(3), m.element(4));
      else
        cancel_locker(node, m.element(2), Term());
    } else if (is(m, "new_nodes", 6) && m.element(1).is_atom()) {
      new_nodes(m.element(2), m.element(1), m.element(4), m.element(5));
    } else if (is(m, "in_sync", 3) && m.element(1).is_atom()) {
      in_sync(m.element(1).atom_value());
    } else if (is(m, "lock_set", 5) && m.element(1).is_pid()) {
      // For the locker, if it names the session we have with that node; else stale.
      if (my_tag(runtime::pid_node(m.element(1))) == m.element(4)) process().send(locker_, m);
    } else if (is(m, "lock_set", 4) && m.element(1).is_pid()) {
      process().send(locker_, m);
    } else if (is(m, "async_del_name", 3) || is(m, "async_del_lock", 3)) {
      // Pre-R14 nodes: the DOWN of our monitor does the work.
    } else {
      log_warning("The global_name_server received an unexpected message: handle_cast(" + term::to_string(m, 400) +
                  ", _)");
    }
    return NoReply{};
  }

  InfoResult handle_info(const Term& m) override {
    if (is(m, "nodeup", 3) && m.element(1).is_atom()) {
      Atom node = m.element(1).atom_value();
      connected_[node] = true;
      handle_nodeup(node);
    } else if (is(m, "nodedown", 3) && m.element(1).is_atom()) {
      Atom node = m.element(1).atom_value();
      connected_.erase(node);
      for (auto& s : syncers_) s.nodes.erase(std::remove(s.nodes.begin(), s.nodes.end(), node), s.nodes.end());
      handle_nodedown(node, Down::disconnected);
      reply_synced_syncers();
    } else if (is(m, "nodedown", 2) && m.element(1).is_atom()) {
      // A syncer's node monitor: the node could not be reached, or went down.
      Atom node = m.element(1).atom_value();
      end_sync_monitor(node, true);
      for (auto& s : syncers_) s.nodes.erase(std::remove(s.nodes.begin(), s.nodes.end(), node), s.nodes.end());
      reply_synced_syncers();
    } else if (is(m, "DOWN", 5)) {
      locks_->down(process(), m.element(1));
      delete_name_of(m.element(1));
    } else if (is(m, "whereis", 3)) {
      gen_server::reply(process(), m.element(2), where(m.element(1)));
    } else if (is(m, "init_connect_ack", 4) && m.element(1).is_atom()) {
      init_connect_ack(m.element(1).atom_value(), m.element(2), m.element(3));
    } else if (is(m, "cancel_connect", 3) && m.element(1).is_atom()) {
      cancel_connect(m.element(1).atom_value(), m.element(2));
    } else if (is(m, "lost_connection", 5) && m.element(1).is_atom() && m.element(4).is_atom()) {
      lost_connection(m);
    } else if (is(m, "lost_connection_expired", 4) && m.element(1).is_atom() && m.element(2).is_atom()) {
      lost_.expire(m.element(1).atom_value(), m.element(2).atom_value(), m.element(3));
    } else if (is(m, "remove_connection", 2) && m.element(1).is_atom()) {
      remove_connection(m.element(1).atom_value());
    } else if (is(m, "prepare_shutdown", 3)) {
      // The node is going down: its lost connections are not partitions.
      pop_ = false;
      process().send(m.element(1), Term::tuple({m.element(2), Term::atom(term::atoms::ok)}));
    } else {
      log_warning("The global_name_server received an unexpected message: handle_info(" + term::to_string(m, 400) +
                  ", _)");
    }
    return NoReply{};
  }

 private:
  // global.erl's per-node process dictionary entries (sync_tag_my, sync_tag_his, prot_vsn,
  // wait_lock, save_ops, pre_connect, lock_id); reset_node_state() erases them all.
  struct NodeState {
    Term my_tag, his_tag, lock_id, pre_connect;
    int64_t prot_vsn = 0;
    enum class Wait { none, lock_is_set, exchange } wait = Wait::none;
    Term wait_names;
    enum class Save { none, his_resolved, my_ops } save = Save::none;
    Term my_ops, his_resolved, his_known, names_ext;
  };
  struct Name {
    Term pid, method, mref;
  };
  struct Syncer {
    Term from;
    std::vector<Atom> nodes;
  };

  static Term bool_term(bool b) { return Term::atom(b ? term::atoms::true_ : term::atoms::false_); }
  static bool is_lock_id(const Term& t) { return t.is_tuple() && t.tuple_arity() == 2; }
  static Term node_terms(const std::vector<Atom>& nodes) {
    std::vector<Term> v;
    for (Atom n : nodes) v.push_back(Term::atom(n));
    return Term::list(v);
  }
  Term server_at(Atom node) const { return Term::tuple({Term::atom(kServer), Term::atom(node)}); }
  Term my_tag(Atom node) const {
    auto it = state_.find(node);
    return it == state_.end() || it->second.my_tag.is_none() ? Term::atom(term::atoms::undefined) : it->second.my_tag;
  }

  // ---- connection set-up ---------------------------------------------------------------------

  void handle_nodeup(Atom node) {
    if (node == self_node_ || known_.count(node) || resolvers_.count(node)) return;
    static std::atomic<int64_t> next_tag{1};
    Term tag = Term::integer(next_tag.fetch_add(1));
    state_[node].my_tag = tag;
    std::vector<std::pair<Term, Term>> known;
    for (auto& [n, v] : known_) known.emplace_back(Term::atom(n), Term::integer(v));
    Term locker = Term::tuple({atom("locker"), atom("no_longer_a_pid"), Term::map(known), locker_});
    gen_server::cast(process(), server_at(node),
                     Term::tuple({atom("init_connect"), Term::tuple({Term::integer(kVsn), tag}), Term::atom(self_node_),
                                  locker}));
    resolvers_[node] = tag;
    log_debug("global_name_server: init_connect to " + std::string(node.name()));
    // An init_connect that came before the nodeup (global.erl's resend_pre_connect).
    Term pre = std::exchange(state_[node].pre_connect, Term());
    if (!pre.is_none()) init_connect(pre.element(0), node, pre.element(1), pre.element(2), pre.element(3));
  }

  void init_connect_cast(const Term& vsn, Atom node, const Term& init_msg) {
    int64_t his_vsn = 0;
    if (!vsn.is_tuple() || vsn.tuple_arity() < 2 || !vsn.element(0).to_int64(his_vsn)) {
      log_info("Illegal global protocol version " + term::to_string(vsn, 200) + " Node: " + std::string(node.name()));
      return;
    }
    init_connect(Term::integer(std::min(his_vsn, kVsn)), node, init_msg, vsn.element(1), Term::integer(his_vsn));
  }

  void init_connect(const Term& vsn, Atom node, const Term& init_msg, const Term& his_tag, const Term& his_vsn) {
    int64_t hv = 0;
    his_vsn.to_int64(hv);
    if (pending_.count(node)) {
      // A second attempt while one is under way (global.erl: only with global groups).
      if (hv < kVerifyConnectVsn) {
        process().send(Term::atom("net_kernel"), Term::tuple({atom("$gen_cast"),
                                                               Term::tuple({atom("async_disconnect"), Term::atom(node)})}));
        log_error("'global' at node " + term::to_string(Term::atom(self_node_)) +
                  " got an out of sync connection attempt from old version " + std::to_string(hv) + " node " +
                  term::to_string(Term::atom(node)) + ". Disconnecting from it.");
        return;
      }
      // Both attempts are called off, and ours starts over.
      send_cancel_connect_message(node, his_tag);
      restart_connect(node, my_tag(node));
    }
    NodeState& st = state_[node];
    vsn.to_int64(st.prot_vsn);
    st.his_tag = his_tag;
    auto r = resolvers_.find(node);
    if (r == resolvers_.end()) {
      st.pre_connect = Term::tuple({vsn, init_msg, his_tag, his_vsn});
      return;
    }
    if (!is(init_msg, "locker", 4) || !init_msg.element(3).is_pid()) return;
    process().send(locker_, Term::tuple({atom("his_the_locker"), init_msg.element(3),
                                         Term::tuple({vsn, Term::nil()}), his_tag, r->second}));
    // Tells him which of his sessions we answer, so that two crossed attempts are noticed.
    if (hv >= kVerifyConnectVsn)
      volatile_send(node, Term::tuple({atom("init_connect_ack"), Term::atom(self_node_), his_tag, r->second}));
    pending_[node] = hv;
  }

  // His view of the session (his tag and ours) must be ours; else both start over.
  void init_connect_ack(Atom node, const Term& his_my_tag, const Term& his_his_tag) {
    Term my = my_tag(node);
    auto st = state_.find(node);
    Term his = st == state_.end() || st->second.his_tag.is_none() ? atom("undefined") : st->second.his_tag;
    if (my == his_my_tag && his == his_his_tag) return;
    log_debug("global_name_server: session with " + std::string(node.name()) + " out of sync; restarting it");
    send_cancel_connect_message(node, his_his_tag);
    restart_connect(node, my);
  }

  // The other node called off the session we have with it (tag: ours).
  void cancel_connect(Atom node, const Term& tag) {
    if (my_tag(node) != tag) return;
    cancel_locker(node, tag, Term());
    reset_node_state(node);
    pending_.erase(node);
    restart_connect(node, tag);
  }

  // global.erl's restart_connect: end the session, and start a new one if the node is up
  // (an integer tag; undefined means no session, so the nodeup is still to come).
  void restart_connect(Atom node, const Term& tag) {
    cancel_locker(node, tag, Term());
    reset_node_state(node);
    pending_.erase(node);
    if (tag.is_integer()) handle_nodeup(node);
  }

  void send_cancel_connect_message(Atom node, const Term& his_tag) {
    volatile_send(node, Term::tuple({atom("cancel_connect"), Term::atom(self_node_), his_tag}));
  }

  // ---- preventing overlapping partitions (vsn 7) ---------------------------------------------

  // global.erl's gns_volatile_send: never brings a connection up (a node being dropped must
  // not be dialled again by the message that drops it).
  void volatile_send(Atom node, Term msg) { process().send_noconnect(server_at(node), std::move(msg)); }
  // To every known node (and node of a session under way) of at least min_vsn but one.
  void volatile_multicast(const Term& msg, Atom except, int64_t min_vsn) {
    std::set<Atom, AtomLess> to;
    for (auto& [n, v] : known_)
      if (n != except && v >= min_vsn) to.insert(n);
    for (auto& [n, v] : pending_)
      if (n != except && v >= min_vsn) to.insert(n);
    for (Atom n : to) volatile_send(n, msg);
  }

  // A connection of ours went down by itself: the others must not stay connected to both.
  void inform_connection_loss(Atom node) {
    if (!pop_) return;
    Term msg = Term::tuple({atom("lost_connection"), Term::atom(self_node_), xcreation_,
                            Term::integer(++op_id_), Term::atom(node)});
    volatile_multicast(msg, node, kPopVsn);
  }

  // {lost_connection, A, XCreationA, OpIdA, B}: A lost B. Passed on to the others (a node
  // that loses A meanwhile still hears of it), then we drop B (or A, if we are B).
  void lost_connection(const Term& m) {
    if (!pop_) return;
    Atom a = m.element(1).atom_value(), b = m.element(4).atom_value();
    if (!lost_.is_new(a, b, m.element(2), m.element(3))) return;
    volatile_multicast(m, a, kPopVsn);
    Term id = process().make_ref();
    lost_.save(a, b, m.element(2), m.element(3), id);
    process().send_after(kLostConnectionKeepMs, process().self(),
                         Term::tuple({atom("lost_connection_expired"), Term::atom(a), Term::atom(b), id}));
    Atom drop = overlap_node_to_drop(self_node_, a, b);
    if (!known_.count(drop) && !pending_.count(drop)) return;
    const char* what;
    if (node_vsn(drop) < kPopVsn) {
      async_disconnect(drop);
      what = "disconnected old";
    } else {
      volatile_send(drop, Term::tuple({atom("remove_connection"), Term::atom(self_node_)}));
      what = "requested disconnect from";
    }
    log_warning(overlap_warning(self_node_, what, drop));
    handle_nodedown(drop, Down::removing);
  }

  // {remove_connection, Node}: Node dropped us after a lost_connection; we drop it too.
  void remove_connection(Atom node) {
    if (!known_.count(node) && !pending_.count(node)) return;
    async_disconnect(node);
    handle_nodedown(node, Down::removing);
    log_warning(overlap_warning(self_node_, "disconnected", node));
  }

  void async_disconnect(Atom node) {
    process().send(Term::atom("net_kernel"),
                   Term::tuple({atom("$gen_cast"), Term::tuple({atom("async_disconnect"), Term::atom(node)})}));
  }

  // Our locker holds our partition and his holds his: send him our names.
  void lock_is_set(Atom node, const Term& lock_id) {
    NodeState& st = state_[node];
    gen_server::cast(process(), server_at(node),
                     Term::tuple({atom("exchange"), Term::atom(self_node_), get_names(), Term::nil(), st.his_tag}));
    st.lock_id = lock_id;
    if (st.wait == NodeState::Wait::exchange) {
      st.wait = NodeState::Wait::lock_is_set;
      exchange(node, st.wait_names);
    } else {
      st.wait = NodeState::Wait::lock_is_set;
    }
  }

  void exchange(Atom node, const Term& names) {
    NodeState& st = state_[node];
    if (st.wait == NodeState::Wait::lock_is_set) {
      st.wait = NodeState::Wait::none;
      auto r = resolvers_.find(node);
      if (r != resolvers_.end()) resolve(node, r->second, names);
    } else {
      st.wait = NodeState::Wait::exchange;
      st.wait_names = names;
    }
  }

  // global.erl's resolver process and exchange_ops, run in place: which of his names to take.
  // His names against ours: new ones are taken; a clash is settled by the node of the smaller
  // name (both sides agree which), in a resolver process as it needs rpc calls.
  void resolve(Atom node, const Term& tag, const Term& his_names) {
    std::vector<Term> ops;
    std::vector<NameClash> clashes;
    bool we_settle = term::compare(Term::atom(self_node_), Term::atom(node)) < 0;
    for (const Term& n : to_vector(his_names)) {
      if (!n.is_tuple() || n.tuple_arity() != 3 || !n.element(1).is_pid()) {
        log_warning("global_name_server: a bad name entry from " + std::string(node.name()) + " ignored: " +
                    term::to_string(n, 400));
        continue;
      }
      const Term &name = n.element(0), &pid = n.element(1);
      auto it = names_.find(name);
      if (it == names_.end())
        ops.push_back(Term::tuple({atom("insert"), n}));
      else if (it->second.pid != pid && we_settle)
        clashes.push_back(NameClash{name, pid, n.element(2), it->second.pid, it->second.method});
    }
    if (!clashes.empty()) return start_global_resolver(process(), node, tag, std::move(clashes), std::move(ops), {});
    exchange_ops(node, Term::list(ops), Term::nil());
  }

  // The outcome of resolve (or of its resolver): ours to apply, his (Resolved) to send him.
  void exchange_ops(Atom node, const Term& my_ops, const Term& res) {
    NodeState& st = state_[node];
    gen_server::cast(process(), server_at(node),
                     Term::tuple({atom("resolved"), Term::atom(self_node_), res, mk_known_list(node_vsn(node)),
                                  atom("unused"), Term::nil(), st.his_tag}));
    if (st.save == NodeState::Save::his_resolved) {
      st.save = NodeState::Save::my_ops;
      st.my_ops = my_ops;
      resolved(node, st.his_resolved, st.his_known, st.names_ext);
    } else {
      st.save = NodeState::Save::my_ops;
      st.my_ops = my_ops;
    }
  }

  void his_resolved(Atom node, const Term& his_res, const Term& his_known, const Term& names_ext) {
    NodeState& st = state_[node];
    if (st.save == NodeState::Save::my_ops) return resolved(node, his_res, his_known, names_ext);
    st.save = NodeState::Save::his_resolved;
    st.his_resolved = his_res;
    st.his_known = his_known;
    st.names_ext = names_ext;
  }

  // Both partitions have each other's names: apply, tell our partition, end the session.
  void resolved(Atom node, const Term& his_res, const Term& his_known, const Term& names_ext) {
    NodeState& st = state_[node];
    Term ops = append(st.my_ops, his_res);
    st.save = NodeState::Save::none;
    auto known_before = known_;
    std::vector<Term> his = to_vector(his_known);
    his.insert(his.begin(), Term::atom(node));
    std::vector<std::pair<Atom, int64_t>> new_nodes = make_node_vsn_list(his);
    std::vector<Atom> his_known_nodes;
    for (size_t i = 1; i < new_nodes.size(); ++i) his_known_nodes.push_back(new_nodes[i].first);
    sync_others(his_known_nodes);
    Term extra = Term::list({Term::tuple({atom("vsn"), Term::integer(st.prot_vsn)}),
                             Term::tuple({atom("lock"), st.lock_id.is_none() ? atom("undefined") : st.lock_id})});
    do_ops(ops, Term::atom(self_node_), extra);
    mark_synced(node);
    for (Atom n : his_known_nodes) cancel_resolved_locker(n, Term());
    // new_nodes to our partition, sent by the locker before it removes the lock.
    std::vector<Term> with_vsn, plain;
    for (auto& [n, v] : new_nodes) {
      with_vsn.push_back(Term::tuple({Term::atom(n), Term::integer(v)}));
      plain.push_back(Term::atom(n));
    }
    std::vector<Term> casts;
    for (auto& [n, v] : known_before) {
      Term list = v >= kPgpvVsn ? Term::list(with_vsn) : Term::list(plain);
      casts.push_back(Term::tuple(
          {Term::atom(n), Term::tuple({atom("new_nodes"), Term::atom(self_node_), ops, names_ext, list, extra})}));
    }
    cancel_resolved_locker(node, Term::list(casts));
    std::vector<Term> added = add_to_known(Term::list(with_vsn));
    process().send(locker_, Term::tuple({atom("add_to_known"), Term::list(added)}));
    if (std::find(synced_.begin(), synced_.end(), node) == synced_.end()) synced_.push_back(node);
    log_debug("global_name_server: in sync with " + std::string(node.name()));
  }

  void new_nodes(const Term& ops, const Term& conn_node, const Term& nodes, const Term& extra) {
    std::vector<Term> added = add_to_known(nodes);
    std::vector<Atom> added_atoms;
    for (const Term& a : added) added_atoms.push_back(a.atom_value());
    sync_others(added_atoms);
    do_ops(ops, conn_node, extra);
    process().send(locker_, Term::tuple({atom("add_to_known"), Term::list(added)}));
  }

  void in_sync(Atom node) {
    mark_synced(node);
    if (std::find(synced_.begin(), synced_.end(), node) == synced_.end()) synced_.push_back(node);
    pending_.erase(node);
    cancel_locker(node, my_tag(node), Term());
    reset_node_state(node);
  }

  // global.erl's sync_others: tell nodes we learnt of that we are in sync with them (the cast
  // also connects to them, as its monitor_node does).
  void sync_others(const std::vector<Atom>& nodes) {
    for (Atom n : nodes)
      if (n != self_node_)
        gen_server::cast(process(), server_at(n),
                         Term::tuple({atom("in_sync"), Term::atom(self_node_), Term::atom(term::atoms::true_)}));
  }

  // disconnected: the connection went down (a nodedown); removing: we are dropping it to
  // prevent overlapping partitions, so its nodedown to come is no loss to report.
  enum class Down { disconnected, removing };
  void handle_nodedown(Atom node, Down why) {
    cancel_locker(node, my_tag(node), Term());
    process().send(locker_, Term::tuple({atom("remove_from_known"), Term::atom(node)}));
    reset_node_state(node);
    if (why == Down::removing)
      removing_.insert(node);
    else if (!removing_.erase(node))
      inform_connection_loss(node);
    pending_.erase(node);
    known_.erase(node);
    synced_.erase(std::remove(synced_.begin(), synced_.end(), node), synced_.end());
  }

  void cancel_resolved_locker(Atom node, const Term& casts) {
    Term tag = my_tag(node);
    pending_.erase(node);
    cancel_locker(node, tag, casts);
    reset_node_state(node);
  }

  void cancel_locker(Atom node, const Term& tag, const Term& casts) {
    process().send(locker_, Term::tuple({atom("cancel"), Term::atom(node), tag,
                                         casts.is_none() ? atom("no_fun") : casts}));
    // A session the other node still thinks is under way: tell it (global.erl's
    // send_cancel_connect; callers that end a session normally drop pending_ first).
    if (auto p = pending_.find(node); p != pending_.end() && p->second >= kVerifyConnectVsn && my_tag(node) == tag) {
      auto st = state_.find(node);
      send_cancel_connect_message(node, st == state_.end() || st->second.his_tag.is_none() ? atom("undefined")
                                                                                          : st->second.his_tag);
    }
    auto r = resolvers_.find(node);
    if (r != resolvers_.end() && r->second == tag) resolvers_.erase(r);
  }

  void reset_node_state(Atom node) { state_.erase(node); }

  // ---- known nodes ---------------------------------------------------------------------------

  int64_t node_vsn(Atom node) const {
    if (node == self_node_) return kVsn;
    if (auto it = known_.find(node); it != known_.end()) return it->second;
    if (auto it = pending_.find(node); it != pending_.end()) return it->second;
    return 0;
  }
  Term mk_known_list(int64_t vsn) const {
    std::vector<Term> v;
    for (auto& [n, nv] : known_)
      v.push_back(vsn < kPgpvVsn ? Term::atom(n) : Term::tuple({Term::atom(n), Term::integer(nv)}));
    return Term::list(v);
  }
  std::vector<std::pair<Atom, int64_t>> make_node_vsn_list(const std::vector<Term>& nodes) const {
    std::vector<std::pair<Atom, int64_t>> out;
    for (const Term& t : nodes) {
      int64_t v = 0;
      if (t.is_atom()) {
        out.emplace_back(t.atom_value(), node_vsn(t.atom_value()));
      } else if (t.is_tuple() && t.tuple_arity() == 2 && t.element(0).is_atom() && t.element(1).to_int64(v)) {
        Atom n = t.element(0).atom_value();
        out.emplace_back(n, v == 0 ? node_vsn(n) : v);
      }
    }
    return out;
  }
  // Returns the nodes that were not known yet (as atoms).
  std::vector<Term> add_to_known(const Term& nodes) {
    std::vector<Term> added;
    for (Term l = nodes; l.is_cons(); l = l.tail()) {
      const Term& t = l.head();
      Atom n;
      int64_t v = 0;
      if (t.is_atom()) {
        n = t.atom_value();
      } else if (t.is_tuple() && t.tuple_arity() == 2 && t.element(0).is_atom() && t.element(1).to_int64(v)) {
        n = t.element(0).atom_value();
      } else {
        continue;
      }
      if (n == self_node_) continue;
      auto it = known_.find(n);
      if (it == known_.end()) {
        known_[n] = v;
        added.push_back(Term::atom(n));
      } else if (it->second < 0) {
        it->second = v;
      }
    }
    return added;
  }

  // ---- global:sync/0,1 (callers on this node) ------------------------------------------------

  CallResult start_sync(const Term& nodes, const Term& from) {
    Syncer s{from, {}};
    for (Term l = nodes; l.is_cons(); l = l.tail()) {
      if (!l.head().is_atom()) continue;
      Atom n = l.head().atom_value();
      if (n == self_node_ || std::find(synced_.begin(), synced_.end(), n) != synced_.end()) continue;
      // global.erl's syncer monitors each node, which dials one not connected: it either
      // comes up (and syncs with us) or its nodedown ends the wait.
      if (!connected_.count(n)) {
        process().monitor_node(n, true);
        ++sync_monitors_[n];
      }
      s.nodes.push_back(n);
    }
    if (s.nodes.empty()) return Reply{Term::atom(term::atoms::ok)};
    syncers_.push_back(std::move(s));
    return NoReply{};
  }
  void end_sync_monitor(Atom node, bool fired) {
    auto it = sync_monitors_.find(node);
    if (it == sync_monitors_.end()) return;
    if (!fired)
      for (int i = 0; i < it->second; ++i) process().monitor_node(node, false);
    sync_monitors_.erase(it);
  }
  void mark_synced(Atom node) {
    end_sync_monitor(node, false);
    for (auto& s : syncers_) s.nodes.erase(std::remove(s.nodes.begin(), s.nodes.end(), node), s.nodes.end());
    reply_synced_syncers();
  }
  void reply_synced_syncers() {
    for (auto it = syncers_.begin(); it != syncers_.end();) {
      if (it->nodes.empty()) {
        gen_server::reply(process(), it->from, Term::atom(term::atoms::ok));
        it = syncers_.erase(it);
      } else {
        ++it;
      }
    }
  }

  // ---- names ---------------------------------------------------------------------------------

  Term get_names() const {
    std::vector<Term> v;
    for (auto& [name, e] : names_) v.push_back(Term::tuple({name, e.pid, e.method}));
    return Term::list(v);
  }
  Term where(const Term& name) const {
    auto it = names_.find(name);
    return it == names_.end() ? Term::atom(term::atoms::undefined) : it->second.pid;
  }

  // from_pid_or_node: the registering process (register calls) or the node whose session
  // carried the name (ops), for lock_still_set.
  void ins_name(const Term& name, const Term& pid, const Term& method, const Term& from, const Term& extra) {
    if (auto it = names_.find(name); it != names_.end()) {
      process().demonitor(it->second.mref, true);
      name_refs_.erase(it->second.mref);
    }
    Term mref = process().monitor(pid);
    names_[name] = Name{pid, method, mref};
    global_table_set_name(self_node_, name, pid);
    name_refs_[mref] = name;
    if (!lock_still_set(from, extra)) delete_global_name(name);
  }

  // The lock that protected this registration is still the one set (global.erl: a name from
  // a session or registrar whose lock went away with its node must not stay).
  bool lock_still_set(const Term& from, const Term& extra) const {
    const GlobalLockTable::Lock* lock = locks_->find(atom("global"));
    if (!lock) return !locks_->global_lock_down();
    if (from.is_pid()) {
      for (auto& [p, r] : lock->holders)
        if (p == from) return true;
      return false;
    }
    for (Term l = extra; l.is_cons(); l = l.tail())
      if (is(l.head(), "lock", 2)) {
        const Term& id = l.head().element(1);
        return is_lock_id(id) && id.element(1) == lock->requester;
      }
    return false;
  }

  void delete_global_name(const Term& name) {
    auto it = names_.find(name);
    if (it == names_.end()) return;
    process().demonitor(it->second.mref, true);
    name_refs_.erase(it->second.mref);
    names_.erase(it);
    global_table_erase_name(self_node_, name);
  }
  void delete_name_of(const Term& mref) {
    auto r = name_refs_.find(mref);
    if (r == name_refs_.end()) return;
    auto it = names_.find(r->second);
    if (it != names_.end() && it->second.mref == mref) {
      global_table_erase_name(self_node_, it->first);
      names_.erase(it);
    }
    name_refs_.erase(r);
  }

  // {insert, {Name, Pid, Method}} and {delete, Name}: inserts first, then deletes.
  void do_ops(const Term& ops, const Term& conn_node, const Term& extra) {
    for (Term l = ops; l.is_cons(); l = l.tail())
      if (is(l.head(), "insert", 2) && l.head().element(1).is_tuple() && l.head().element(1).tuple_arity() == 3 &&
          l.head().element(1).element(1).is_pid()) {
        const Term& n = l.head().element(1);
        ins_name(n.element(0), n.element(1), n.element(2), conn_node, extra);
      }
    for (Term l = ops; l.is_cons(); l = l.tail())
      if (is(l.head(), "delete", 2)) delete_global_name(l.head().element(1));
  }

  Atom self_node_;
  Term locker_;
  std::map<Atom, NodeState, AtomLess> state_;
  std::map<Atom, Term, AtomLess> resolvers_;  // node -> MyTag of the session under way
  std::map<Atom, int64_t, AtomLess> known_, pending_;
  std::map<Atom, bool, AtomLess> connected_;
  std::vector<Atom> synced_;
  std::vector<Syncer> syncers_;
  std::map<Atom, int, AtomLess> sync_monitors_;  // monitor_node calls of syncers, per node
  std::map<Term, Name, TermLess> names_;
  std::unordered_map<Term, Term, term::TermHash> name_refs_;  // mref -> name
  std::unique_ptr<GlobalLockTable> locks_;
  // Preventing overlapping partitions: on (OTP 25's default) until prepare_shutdown.
  bool pop_ = true;
  Term xcreation_;
  int64_t op_id_ = 0;
  LostConnections lost_;
  std::set<Atom, AtomLess> removing_;  // nodes we dropped; their nodedown is no loss
};

}  // namespace

void watch_nodes_for_global(dist::Distribution& dist, runtime::Runtime& rt,
                            std::function<void(const std::string& node, bool up)> also_call) {
  dist.set_node_event_handler([&rt, also_call = std::move(also_call)](const std::string& node, bool up, bool hidden) {
    if (also_call) also_call(node, up);
    // global.erl watches visible nodes only (net_kernel:monitor_nodes(true)): an init_connect
    // to a hidden node is not OTP's, and one sent after its connection went (the cast is
    // asynchronous) dialled it again.
    if (hidden) return;
    Term msg = Term::tuple({Term::atom(up ? "nodeup" : "nodedown"), Term::atom(node), Term::map({})});
    rt.send(Term::atom(kServer), std::move(msg));
  });
}

Term start_global(runtime::Runtime& rt) {
  StartOptions o;
  o.name = kServer;
  Term r = gen_server::start(rt, std::make_unique<Global>(), Term::nil(), o);
  if (r.is_tuple() && r.tuple_arity() == 2 && r.element(0).is_atom(term::atoms::ok)) return r.element(1);
  return Term();
}

}  // namespace ergod::services
