// EPMD message codec (see epmd_protocol.h). The checks on ALIVE2_REQ and PORT_PLEASE2_REQ
// are those real epmd applies; the wording of the errors is ours.
#include "dist/epmd_protocol.h"

#include <charconv>

#include "dist/node_name.h"
#include "dist/wire.h"

namespace ergod::dist::epmd {

namespace {

std::string tag_text(uint8_t t) { return std::to_string(t); }

Status check_present(std::string_view name, std::string_view what) {
  if (name.empty()) return make_error(std::string(what) + ": empty node name");
  if (name.find('\0') != std::string_view::npos)
    return make_error(std::string(what) + ": node name contains a NUL byte");
  return Ok{};
}

Status check_length(std::string_view name, std::string_view what, long max_chars) {
  long chars = utf8_length(name);
  if (chars < 0) return make_error(std::string(what) + ": node name is not valid UTF-8");
  if (chars > max_chars)
    return make_error(std::string(what) + ": node name is longer than " + std::to_string(max_chars) + " characters");
  return Ok{};
}

}  // namespace

const char* request_name(const Request& r) {
  static constexpr const char* names[] = {"ALIVE2_REQ", "PORT_PLEASE2_REQ", "NAMES_REQ",
                                          "DUMP_REQ", "KILL_REQ", "STOP_REQ"};
  return names[r.index()];
}

Result<Request> parse_request(std::string_view b) {
  if (b.empty()) return make_error("empty request (length 0)");
  if (b.size() > kMaxRequest)
    return make_error("request of " + std::to_string(b.size()) + " bytes exceeds the limit of " +
                      std::to_string(kMaxRequest));
  switch (wire::u8(b, 0)) {
    case tag::alive2_req: {
      // tag, port (2), node type, protocol, highest (2), lowest (2), nlen (2), name, elen (2), extra
      if (b.size() < 14)
        return make_error("ALIVE2_REQ of " + std::to_string(b.size()) + " bytes is too short");
      NodeEntry e;
      e.port = wire::u16(b, 1);
      e.node_type = wire::u8(b, 3);
      e.protocol = wire::u8(b, 4);
      e.highest_version = wire::u16(b, 5);
      e.lowest_version = wire::u16(b, 7);
      size_t nlen = wire::u16(b, 9);
      if (13 + nlen > b.size())
        return make_error("ALIVE2_REQ: name length " + std::to_string(nlen) + " runs past the request");
      size_t elen = wire::u16(b, 11 + nlen);
      if (13 + nlen + elen > b.size())
        return make_error("ALIVE2_REQ: extra length " + std::to_string(elen) + " runs past the request");
      e.name = std::string(b.substr(11, nlen));
      e.extra = std::string(b.substr(13 + nlen, elen));
      if (auto ok = check_present(e.name, "ALIVE2_REQ"); !ok) return make_error(ok.error());
      return Request{Alive2Req{std::move(e)}};
    }
    case tag::port_please2_req: {
      std::string_view name = b.substr(1);
      if (!name.empty() && name.back() == '\0') name.remove_suffix(1);  // epmd allows one
      if (auto ok = check_present(name, "PORT_PLEASE2_REQ"); !ok) return make_error(ok.error());
      // One character less than a registered name may have: OTP 25's epmd does not answer a
      // 255-character PORT_PLEASE2_REQ at all.
      if (auto ok = check_length(name, "PORT_PLEASE2_REQ", 254); !ok) return make_error(ok.error());
      return Request{PortPlease2Req{std::string(name)}};
    }
    case tag::names_req: return Request{NamesReq{}};
    case tag::dump_req: return Request{DumpReq{}};
    case tag::kill_req: return Request{KillReq{}};
    case tag::stop_req:
      if (b.size() < 2) return make_error("STOP_REQ without a node name");
      return Request{StopReq{std::string(b.substr(1))}};
    default:
      return make_error("unknown request tag " + tag_text(wire::u8(b, 0)));
  }
}

Status check_alive2(const NodeEntry& e) {
  if (auto ok = check_length(e.name, "ALIVE2_REQ", 255); !ok) return ok;
  if (e.extra.size() > kMaxExtra)
    return make_error("ALIVE2_REQ: " + std::to_string(e.extra.size()) + " bytes of extra data, more than " +
                      std::to_string(kMaxExtra));
  return Ok{};
}

std::string encode_request(const Request& r) {
  std::string body;
  if (auto* a = std::get_if<Alive2Req>(&r)) {
    const NodeEntry& e = a->entry;
    wire::put_u8(body, tag::alive2_req);
    wire::put_u16(body, e.port);
    wire::put_u8(body, e.node_type);
    wire::put_u8(body, e.protocol);
    wire::put_u16(body, e.highest_version);
    wire::put_u16(body, e.lowest_version);
    wire::put_u16(body, static_cast<uint16_t>(e.name.size()));
    body += e.name;
    wire::put_u16(body, static_cast<uint16_t>(e.extra.size()));
    body += e.extra;
  } else if (auto* p = std::get_if<PortPlease2Req>(&r)) {
    wire::put_u8(body, tag::port_please2_req);
    body += p->name;
  } else if (std::holds_alternative<NamesReq>(r)) {
    wire::put_u8(body, tag::names_req);
  } else if (std::holds_alternative<DumpReq>(r)) {
    wire::put_u8(body, tag::dump_req);
  } else if (std::holds_alternative<KillReq>(r)) {
    wire::put_u8(body, tag::kill_req);
  } else if (auto* s = std::get_if<StopReq>(&r)) {
    wire::put_u8(body, tag::stop_req);
    body += s->name;
  }
  std::string out;
  wire::put_u16(out, static_cast<uint16_t>(body.size()));
  return out + body;
}

std::string encode_alive2_resp(const Alive2Resp& r) {
  std::string out;
  wire::put_u8(out, r.extended ? tag::alive2_x_resp : tag::alive2_resp);
  wire::put_u8(out, r.result);
  if (r.extended) {
    wire::put_u32(out, r.creation);
  } else {
    wire::put_u16(out, static_cast<uint16_t>(r.creation));
  }
  return out;
}

Result<std::optional<Alive2Resp>> parse_alive2_resp(std::string_view b) {
  if (b.empty()) return std::optional<Alive2Resp>{};
  uint8_t t = wire::u8(b, 0);
  if (t != tag::alive2_x_resp && t != tag::alive2_resp)
    return make_error("EPMD answered ALIVE2_REQ with tag " + tag_text(t));
  bool x = t == tag::alive2_x_resp;
  size_t need = x ? 6 : 4;
  if (b.size() < need) return std::optional<Alive2Resp>{};
  if (b.size() > need) return make_error("EPMD sent " + std::to_string(b.size() - need) + " bytes too many after ALIVE2 response");
  Alive2Resp r;
  r.extended = x;
  r.result = wire::u8(b, 1);
  r.creation = x ? wire::u32(b, 2) : wire::u16(b, 2);
  return std::optional<Alive2Resp>{r};
}

std::string encode_port2_resp(const Port2Resp& r) {
  std::string out;
  wire::put_u8(out, tag::port2_resp);
  if (!r.found) {
    wire::put_u8(out, r.result ? r.result : 1);
    return out;
  }
  const NodeEntry& e = r.entry;
  wire::put_u8(out, 0);
  wire::put_u16(out, e.port);
  wire::put_u8(out, e.node_type);
  wire::put_u8(out, e.protocol);
  wire::put_u16(out, e.highest_version);
  wire::put_u16(out, e.lowest_version);
  wire::put_u16(out, static_cast<uint16_t>(e.name.size()));
  out += e.name;
  wire::put_u16(out, static_cast<uint16_t>(e.extra.size()));
  out += e.extra;
  return out;
}

Result<std::optional<Port2Resp>> parse_port2_resp(std::string_view b) {
  using Out = std::optional<Port2Resp>;
  if (b.size() < 2) return Out{};
  if (wire::u8(b, 0) != tag::port2_resp)
    return make_error("EPMD answered PORT_PLEASE2_REQ with tag " + tag_text(wire::u8(b, 0)));
  Port2Resp r;
  r.result = wire::u8(b, 1);
  if (r.result != 0) return Out{r};
  // result, port (2), type, protocol, highest (2), lowest (2), nlen (2), name, elen (2), extra
  if (b.size() < 12) return Out{};
  NodeEntry& e = r.entry;
  e.port = wire::u16(b, 2);
  e.node_type = wire::u8(b, 4);
  e.protocol = wire::u8(b, 5);
  e.highest_version = wire::u16(b, 6);
  e.lowest_version = wire::u16(b, 8);
  size_t nlen = wire::u16(b, 10);
  if (b.size() < 12 + nlen + 2) return Out{};
  size_t elen = wire::u16(b, 12 + nlen);
  if (b.size() < 14 + nlen + elen) return Out{};
  e.name = std::string(b.substr(12, nlen));
  e.extra = std::string(b.substr(14 + nlen, elen));
  r.found = true;
  return Out{r};
}

std::string encode_names_resp(uint32_t epmd_port, const std::vector<NamesEntry>& nodes) {
  std::string out;
  wire::put_u32(out, epmd_port);
  for (const auto& n : nodes) out += "name " + n.name + " at port " + std::to_string(n.port) + "\n";
  return out;
}

Result<NamesResp> parse_names_resp(std::string_view b) {
  if (b.size() < 4) return make_error("NAMES response of " + std::to_string(b.size()) + " bytes has no port");
  NamesResp r;
  r.epmd_port = wire::u32(b, 0);
  std::string_view rest = b.substr(4);
  while (!rest.empty()) {
    size_t nl = rest.find('\n');
    if (nl == std::string_view::npos) return make_error("NAMES response ends in an unfinished line");
    std::string_view line = rest.substr(0, nl);
    rest.remove_prefix(nl + 1);
    // "name <name> at port <port>"; a name cannot hold spaces, so split at the last " at port ".
    constexpr std::string_view kAt = " at port ";
    size_t at = line.rfind(kAt);
    if (!line.starts_with("name ") || at == std::string_view::npos || at < 5)
      return make_error("NAMES response has a malformed line '" + std::string(line.substr(0, 80)) + "'");
    NamesEntry e;
    e.name = std::string(line.substr(5, at - 5));
    std::string_view port = line.substr(at + kAt.size());
    unsigned v = 0;
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), v);
    if (ec != std::errc() || p != port.data() + port.size() || v > 65535)
      return make_error("NAMES response has a bad port in '" + std::string(line.substr(0, 80)) + "'");
    e.port = static_cast<uint16_t>(v);
    r.nodes.push_back(std::move(e));
  }
  return r;
}

}  // namespace ergod::dist::epmd
