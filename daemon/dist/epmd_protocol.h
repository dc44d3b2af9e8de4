// EPMD messages: parsing and encoding of requests and responses, for both our embedded server
// and our client. Every request on the wire is a 2-byte length and that many bytes, the first
// of which is the tag; responses have no length and the server closes the connection after
// all but ALIVE2's. Pure functions: any thread. Sockets live in epmd_server.h / epmd_client.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "term/result.h"

namespace ergod::dist::epmd {

namespace tag {
constexpr uint8_t alive2_req = 120;     // 'x'
constexpr uint8_t alive2_x_resp = 118;  // 'v', 32-bit creation (distribution version 6)
constexpr uint8_t alive2_resp = 121;    // 'y', 16-bit creation (older nodes)
constexpr uint8_t port_please2_req = 122;
constexpr uint8_t port2_resp = 119;
constexpr uint8_t names_req = 110;
constexpr uint8_t dump_req = 100;
constexpr uint8_t kill_req = 107;
constexpr uint8_t stop_req = 115;
}  // namespace tag

constexpr uint16_t kDefaultPort = 4369;
constexpr uint8_t kNodeTypeNormal = 77;  // 'M'
constexpr uint8_t kNodeTypeHidden = 72;  // 'H'
constexpr uint16_t kDistVersion = 6;     // OTP 23+; OTP 25 registers with 6..6
// epmd's bounds: a name is at most 255 UTF-8 characters (1020 bytes), so is ALIVE2's extra
// data. Its input buffer holds 3 names' worth with the 2-byte length and a NUL it appends:
// a length of 3058 or more is garbage (checked on OTP 25: 3057 is read, 3058 closes).
constexpr size_t kMaxNameBytes = 255 * 4;
constexpr size_t kMaxExtra = kMaxNameBytes;
constexpr size_t kMaxRequest = 3 * kMaxNameBytes - 3;

// What a node registers, and what PORT2_RESP gives back.
struct NodeEntry {
  uint16_t port = 0;
  uint8_t node_type = kNodeTypeNormal;
  uint8_t protocol = 0;  // 0 = TCP/IPv4
  uint16_t highest_version = kDistVersion;
  uint16_t lowest_version = kDistVersion;
  std::string name;  // the alive part of the node name
  std::string extra;
};

struct Alive2Req { NodeEntry entry; };
struct PortPlease2Req { std::string name; };
struct NamesReq {};
struct DumpReq {};
struct KillReq {};
struct StopReq { std::string name; };

using Request = std::variant<Alive2Req, PortPlease2Req, NamesReq, DumpReq, KillReq, StopReq>;

const char* request_name(const Request& r);

// A request body (after its 2-byte length). The error says what was wrong, as epmd would
// log it; the server then closes that connection without an answer, as epmd does.
Result<Request> parse_request(std::string_view body);

// Whether epmd accepts an ALIVE2_REQ that parsed: a name of at most 255 UTF-8 characters and
// extra data of at most kMaxExtra bytes. epmd answers the others with result 1 (unlike an
// empty name or one with a NUL, which parse_request refuses with no answer).
Status check_alive2(const NodeEntry& entry);

// A request with its 2-byte length, ready to send.
std::string encode_request(const Request& r);

// ---- responses ------------------------------------------------------------------------------

struct Alive2Resp {
  uint8_t result = 0;  // 0 ok, anything else an error (epmd: name taken or not acceptable)
  uint32_t creation = 0;
  bool extended = true;  // ALIVE2_X_RESP (32-bit creation) rather than ALIVE2_RESP
};
std::string encode_alive2_resp(const Alive2Resp& r);
// nullopt while incomplete.
Result<std::optional<Alive2Resp>> parse_alive2_resp(std::string_view bytes);

struct Port2Resp {
  bool found = false;
  uint8_t result = 1;
  NodeEntry entry;  // when found
};
std::string encode_port2_resp(const Port2Resp& r);
// nullopt while incomplete. Bytes after the response are ignored.
Result<std::optional<Port2Resp>> parse_port2_resp(std::string_view bytes);

// NAMES_RESP: epmd's port, then "name N at port P\n" per node, until the server closes.
struct NamesEntry {
  std::string name;
  uint16_t port = 0;
};
struct NamesResp {
  uint32_t epmd_port = 0;
  std::vector<NamesEntry> nodes;
};
std::string encode_names_resp(uint32_t epmd_port, const std::vector<NamesEntry>& nodes);
// The whole response, once the server closed the connection.
Result<NamesResp> parse_names_resp(std::string_view bytes);

}  // namespace ergod::dist::epmd
