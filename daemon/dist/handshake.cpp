// The version 6 handshake, both roles (see handshake.h). The order of checks and the statuses
// follow kernel/src/dist_util.erl of OTP 25; the messages are those of the distribution
// protocol document.
#include "dist/handshake.h"

#include <cstdio>

#include "dist/node_name.h"
#include "dist/wire.h"

namespace ergod::dist {

namespace {

// A peer's bytes in a log line: printable ASCII as is, the rest escaped, cut at `max`.
std::string printable(std::string_view s, size_t max = 40) {
  std::string out;
  for (size_t i = 0; i < s.size() && i < max; ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7F && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  if (s.size() > max) out += "...";
  return out;
}

std::string digest_bytes(const Digest& d) {
  return std::string(reinterpret_cast<const char*>(d.data()), d.size());
}

// Names of the mandatory flags the peer lacks, as dist_util's check_dflags reports them.
std::string missing_mandatory(uint64_t peer_flags) {
  return flags_to_string(kMandatoryFlags25 & ~peer_flags);
}

}  // namespace

const char* to_string(AcceptVerdict v) {
  switch (v) {
    case AcceptVerdict::ok: return "ok";
    case AcceptVerdict::ok_simultaneous: return "ok_simultaneous";
    case AcceptVerdict::nok: return "nok";
    case AcceptVerdict::alive: return "alive";
    case AcceptVerdict::not_allowed: return "not_allowed";
    case AcceptVerdict::named: return "named";
    case AcceptVerdict::drop: return "drop";
  }
  return "?";
}

const char* to_string(Handshake::State s) {
  using S = Handshake::State;
  switch (s) {
    case S::await_status: return "awaiting status";
    case S::await_alive_answer: return "awaiting our answer to 'alive'";
    case S::await_challenge: return "awaiting challenge";
    case S::await_ack: return "awaiting challenge ack";
    case S::await_name: return "awaiting name";
    case S::await_verdict: return "awaiting verdict";
    case S::await_alive_reply: return "awaiting reply to 'alive'";
    case S::await_reply: return "awaiting challenge reply";
    case S::await_old_gone: return "awaiting the end of the old connection";
    case S::done: return "done";
    case S::failed: return "failed";
  }
  return "?";
}

Handshake::Handshake(HandshakeConfig config, bool initiator)
    : config_(std::move(config)), initiator_(initiator),
      state_(initiator ? State::await_status : State::await_name) {
  if (!config_.make_challenge) config_.make_challenge = random_challenge;
}

Handshake Handshake::initiator(HandshakeConfig config, std::string peer_node) {
  Handshake h(std::move(config), true);
  h.peer_node_ = std::move(peer_node);
  // send_name: 'N', flags (8), creation (4), name length (2), name. A node without a name
  // sends its host and creation 0 and asks to be named.
  std::string msg = "N";
  // Fixed now: being named later (status "named:") does not change what we offered.
  h.initiator_flags_ = h.our_flags();
  wire::put_u64(msg, h.initiator_flags_);
  wire::put_u32(msg, h.dynamic_self() ? 0 : h.config_.creation);
  wire::put_u16(msg, static_cast<uint16_t>(h.config_.this_node.size()));
  msg += h.config_.this_node;
  h.send(msg);
  return h;
}

Handshake Handshake::acceptor(HandshakeConfig config) { return Handshake(std::move(config), false); }

bool Handshake::dynamic_self() const { return config_.this_node.find('@') == std::string::npos; }

uint64_t Handshake::our_flags() const {
  uint64_t f = config_.flags & ~(dflag::published | dflag::name_me);
  if (initiator_ && dynamic_self()) return f | dflag::name_me;  // not published until named
  // dist_util's publish_flag: an acceptor naming its peer answers with NAME_ME instead of
  // PUBLISHED, and an OTP initiator insists on finding NAME_ME in the negotiated flags.
  if (!initiator_ && peer_wants_dynamic_name()) return f | dflag::name_me;
  if (!config_.hidden) f |= dflag::published;
  return f;
}

std::string Handshake::cookie() const {
  return config_.cookie_for ? config_.cookie_for(peer_node_) : config_.cookie;
}

void Handshake::send(std::string_view msg) {
  wire::put_u16(out_, static_cast<uint16_t>(msg.size()));
  out_ += msg;
}

std::string Handshake::take_output() { return std::exchange(out_, {}); }

std::string Handshake::take_leftover() {
  std::string rest = in_.substr(in_pos_);
  in_.clear();
  in_pos_ = 0;
  return rest;
}

void Handshake::fail(Failure f, std::string message) {
  if (state_ == State::failed) return;
  state_ = State::failed;
  failure_ = f;
  error_ = std::move(message);
}

void Handshake::feed(std::span<const uint8_t> bytes) {
  if (state_ == State::failed) return;
  in_.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  // Two maximal messages is more than any honest peer sends before we answer; more is a
  // flood that must not grow our memory while we wait for a verdict.
  if (in_.size() - in_pos_ > 2 * (kMaxMessage + 2) && state_ != State::done) {
    fail(Failure::protocol, "more than " + std::to_string(2 * (kMaxMessage + 2)) +
                                " bytes unanswered during the handshake");
    return;
  }
  run();
}

void Handshake::peer_closed() {
  if (state_ == State::done || state_ == State::failed) return;
  std::string who = peer_node_.empty() ? "unknown peer" : "node " + peer_node_;
  // An Erlang acceptor that finds our digest wrong closes without a word: say what that means.
  std::string hint = state_ == State::await_ack ? ": the peer refused our challenge reply, so the cookies differ" : "";
  fail(Failure::peer_closed, "connection " + std::string(initiator_ ? "to " : "from ") + who +
                                 " closed during the handshake (" + to_string(state_) + ")" + hint);
}

// Handles every complete message while the machine expects one.
void Handshake::run() {
  for (;;) {
    switch (state_) {
      case State::await_verdict:
      case State::await_alive_answer:
      case State::await_old_gone:
      case State::done:
      case State::failed:
        return;  // waiting for the owner, or finished: further bytes stay in in_
      default:
        break;
    }
    size_t avail = in_.size() - in_pos_;
    if (avail < 2) break;
    size_t len = wire::u16(in_, in_pos_);
    if (len == 0) {
      fail(Failure::protocol, "empty handshake message from " +
                                  (peer_node_.empty() ? std::string("unknown peer") : peer_node_) +
                                  " (" + to_string(state_) + ")");
      return;
    }
    if (avail < 2 + len) break;
    std::string msg = in_.substr(in_pos_ + 2, len);
    in_pos_ += 2 + len;
    handle(msg);
  }
  if (in_pos_ > 4096) {  // keep the buffer from growing with consumed bytes
    in_.erase(0, in_pos_);
    in_pos_ = 0;
  }
}

void Handshake::handle(std::string_view msg) {
  switch (state_) {
    case State::await_status: on_status(msg); break;
    case State::await_challenge: on_challenge(msg); break;
    case State::await_ack: on_ack(msg); break;
    case State::await_name: on_name(msg); break;
    case State::await_alive_reply: on_alive_reply(msg); break;
    case State::await_reply: on_reply(msg); break;
    default: break;
  }
}

// ---- initiator ------------------------------------------------------------------------------

void Handshake::on_status(std::string_view msg) {
  const std::string& node = peer_node_;
  if (msg.empty() || msg[0] != 's') {
    fail(Failure::protocol, "node " + node + " sent '" + printable(msg) + "' where a status was expected");
    return;
  }
  std::string_view status = msg.substr(1);
  if (status.starts_with("named:")) {
    // "named:", name length (2), name, creation (4): the peer named us.
    std::string_view rest = status.substr(6);
    if (!dynamic_self()) {
      fail(Failure::protocol, "node " + node + " gave us a dynamic name we did not ask for");
      return;
    }
    if (rest.size() < 2 || rest.size() < 2u + wire::u16(rest, 0) + 4u) {
      fail(Failure::protocol, "node " + node + " sent a truncated 'named:' status");
      return;
    }
    size_t nlen = wire::u16(rest, 0);
    std::string name(rest.substr(2, nlen));
    auto parsed = parse_peer_node_name(name);
    if (!parsed || parsed.value().host != config_.this_node) {
      fail(Failure::protocol, "node " + node + " named us '" + printable(name) +
                                  "', which is not a name on our host " + config_.this_node);
      return;
    }
    config_.this_node = name;
    config_.creation = wire::u32(rest, 2 + nlen);
    state_ = State::await_challenge;
    return;
  }
  if (status == "not_allowed") {
    fail(Failure::not_allowed, "node " + node + " refused our connection (not_allowed)");
    return;
  }
  if (dynamic_self()) {  // a node that asked to be named accepts nothing but "named:"
    fail(Failure::protocol, "node " + node + " answered '" + printable(status) + "' to a dynamic name request");
    return;
  }
  if (status == "ok" || status == "ok_simultaneous") {
    state_ = State::await_challenge;
  } else if (status == "nok") {
    fail(Failure::simultaneous, "simultaneous connect with node " + node +
                                    ": its own connection attempt wins (nok)");
  } else if (status == "alive") {
    state_ = State::await_alive_answer;
  } else {
    fail(Failure::protocol, "node " + node + " sent unknown status '" + printable(status) + "'");
  }
}

void Handshake::answer_alive(bool still_pending) {
  if (state_ != State::await_alive_answer) return;
  send(still_pending ? "strue" : "sfalse");
  if (!still_pending) {
    fail(Failure::alive_refused, "node " + peer_node_ + " still has a connection to us; gave up this one");
    return;
  }
  state_ = State::await_challenge;
  run();
}

void Handshake::on_challenge(std::string_view msg) {
  const std::string& node = peer_node_;
  // 'N', flags (8), challenge (4), creation (4), name length (2), name, anything.
  if (msg.size() < 19 || msg[0] != 'N' || msg.size() < 19u + wire::u16(msg, 17)) {
    fail(Failure::protocol, "node " + node + " sent a malformed challenge '" + printable(msg) + "'");
    return;
  }
  uint64_t flags = expand_mandatory_digest(wire::u64(msg, 1));
  peer_challenge_ = wire::u32(msg, 9);
  peer_creation_ = wire::u32(msg, 13);
  std::string name(msg.substr(19, wire::u16(msg, 17)));
  if (name != node) {
    fail(Failure::wrong_node, "dialled node " + node + " but '" + printable(name) + "' answered");
    return;
  }
  peer_flags_ = flags;
  if ((flags & kMandatoryFlags25) != kMandatoryFlags25) {
    fail(Failure::missing_flags, "connection attempt to node " + node +
                                     " aborted since it cannot handle " + missing_mandatory(flags));
    return;
  }
  chosen_flags_ = initiator_flags_ & flags;
  our_challenge_ = config_.make_challenge();
  std::string reply = "r";
  wire::put_u32(reply, our_challenge_);
  reply += digest_bytes(cookie_digest(peer_challenge_, cookie()));
  send(reply);
  state_ = State::await_ack;
}

void Handshake::on_ack(std::string_view msg) {
  if (msg.size() != 17 || msg[0] != 'a') {
    fail(Failure::protocol, "node " + peer_node_ + " sent a malformed challenge ack '" + printable(msg) + "'");
    return;
  }
  Digest got;
  std::copy(msg.begin() + 1, msg.end(), got.begin());
  if (!digest_equal(got, cookie_digest(our_challenge_, cookie()))) {
    // dist_util's words (an error report on an OTP node).
    fail(Failure::bad_cookie, "** Connection attempt to node " + peer_node_ + " cancelled. Invalid challenge ack. **");
    return;
  }
  state_ = State::done;
}

// ---- acceptor -------------------------------------------------------------------------------

void Handshake::on_name(std::string_view msg) {
  if (!msg.empty() && msg[0] == 'n') {
    // The version 5 send_name of nodes before OTP 23. OTP 25 no longer speaks it (it closes
    // without a word); we do the same but say why.
    fail(Failure::protocol, "peer sent the pre-OTP 23 handshake ('n', version 5), which OTP 25 "
                            "and ergod do not accept");
    return;
  }
  // 'N', flags (8), creation (4), name length (2), name, anything.
  if (msg.size() < 15 || msg[0] != 'N' || msg.size() < 15u + wire::u16(msg, 13)) {
    fail(Failure::protocol, "malformed send_name '" + printable(msg) + "'");
    return;
  }
  peer_flags_ = expand_mandatory_digest(wire::u64(msg, 1));
  peer_creation_ = wire::u32(msg, 9);
  std::string name(msg.substr(15, wire::u16(msg, 13)));
  if (peer_flags_ & dflag::name_me) {
    if (auto ok = check_dynamic_host(name); !ok) {
      fail(Failure::protocol, ok.error());
      return;
    }
  } else if (auto parsed = parse_peer_node_name(name); !parsed) {
    fail(Failure::protocol, "connection attempt with invalid node name '" + printable(name) +
                                "': " + parsed.error());
    return;
  }
  peer_node_ = name;
  if ((peer_flags_ & kMandatoryFlags25) != kMandatoryFlags25) {
    send("snot_allowed");
    fail(Failure::missing_flags, "connection attempt from node " + name +
                                     " rejected since it cannot handle " + missing_mandatory(peer_flags_));
    return;
  }
  state_ = State::await_verdict;
}

void Handshake::set_verdict(AcceptVerdict verdict, std::string dynamic_name, uint32_t dynamic_creation) {
  if (state_ != State::await_verdict) return;
  bool dynamic = peer_wants_dynamic_name();
  if (dynamic != (verdict == AcceptVerdict::named) && verdict != AcceptVerdict::not_allowed &&
      verdict != AcceptVerdict::drop && verdict != AcceptVerdict::nok) {
    send("snot_allowed");
    fail(Failure::not_allowed, dynamic ? "peer on host " + peer_node_ + " asked for a dynamic name, which was not given"
                                       : "verdict 'named' for node " + peer_node_ + ", which has a name");
    return;
  }
  switch (verdict) {
    case AcceptVerdict::ok:
      send("sok");
      send_challenge();
      break;
    case AcceptVerdict::ok_simultaneous:
      send("sok_simultaneous");
      send_challenge();
      break;
    case AcceptVerdict::named: {
      std::string msg = "snamed:";
      wire::put_u16(msg, static_cast<uint16_t>(dynamic_name.size()));
      msg += dynamic_name;
      wire::put_u32(msg, dynamic_creation);
      send(msg);
      peer_node_ = std::move(dynamic_name);
      peer_creation_ = dynamic_creation;
      send_challenge();
      break;
    }
    case AcceptVerdict::nok:
      send("snok");
      fail(Failure::simultaneous, "simultaneous connect with node " + peer_node_ +
                                      ": our own connection attempt wins (nok)");
      return;
    case AcceptVerdict::not_allowed:
      send("snot_allowed");
      fail(Failure::not_allowed, "connection attempt from node " + peer_node_ + " not allowed");
      return;
    case AcceptVerdict::alive:
      send("salive");
      alive_verdict_ = true;
      state_ = State::await_alive_reply;
      break;
    case AcceptVerdict::drop:
      fail(Failure::dropped, "connection attempt from node " + peer_node_ +
                                 " dropped: a replacement connection is already being set up");
      return;
  }
  run();
}

void Handshake::send_challenge() {
  // 'N', our flags (8), challenge (4), creation (4), name length (2), name.
  our_challenge_ = config_.make_challenge();
  std::string msg = "N";
  wire::put_u64(msg, our_flags());
  wire::put_u32(msg, our_challenge_);
  wire::put_u32(msg, config_.creation);
  wire::put_u16(msg, static_cast<uint16_t>(config_.this_node.size()));
  msg += config_.this_node;
  send(msg);
  chosen_flags_ = our_flags() & peer_flags_;
  state_ = State::await_reply;
}

void Handshake::on_alive_reply(std::string_view msg) {
  if (msg == "strue") {
    send_challenge();
  } else if (msg == "sfalse") {
    fail(Failure::alive_refused, "node " + peer_node_ + " gave up its new connection (alive: false)");
  } else {
    fail(Failure::protocol, "node " + peer_node_ + " answered '" + printable(msg) + "' to status alive");
  }
}

void Handshake::on_reply(std::string_view msg) {
  if (msg.size() != 21 || msg[0] != 'r') {
    fail(Failure::protocol, "node " + peer_node_ + " sent a malformed challenge reply '" + printable(msg) + "'");
    return;
  }
  peer_challenge_ = wire::u32(msg, 1);
  Digest got;
  std::copy(msg.begin() + 5, msg.end(), got.begin());
  if (!digest_equal(got, cookie_digest(our_challenge_, cookie()))) {
    // dist_util's words (an error report on an OTP node).
    fail(Failure::bad_cookie, "** Connection attempt from node " + peer_node_ + " rejected. Invalid challenge reply. **");
    return;
  }
  if (alive_verdict_) {
    state_ = State::await_old_gone;  // the peer proved itself; now the old connection may go
    return;
  }
  send_ack();
}

void Handshake::old_connection_gone() {
  if (state_ != State::await_old_gone) return;
  send_ack();
}

void Handshake::send_ack() {
  std::string msg = "a";
  msg += digest_bytes(cookie_digest(peer_challenge_, cookie()));
  send(msg);
  state_ = State::done;
}

}  // namespace ergod::dist
