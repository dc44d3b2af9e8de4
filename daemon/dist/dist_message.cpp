// Distribution messages as bytes (see dist_message.h).
#include "dist/dist_message.h"

#include "dist/dist_header.h"
#include "term/etf_encode.h"

namespace ergod::dist {

namespace {
Result<DistMessage> finish(std::span<const uint8_t> bytes, term::DecodeOptions opts) {
  size_t used = 0;
  auto control = term::decode(bytes, opts, &used);
  if (!control) return make_error("control message: " + control.error());
  auto c = control_from_term(control.value());
  if (!c) return make_error(c.error());
  DistMessage m{std::move(c.value()), term::Term()};
  auto rest = bytes.subspan(used);
  if (has_payload(m.control.op)) {
    if (rest.empty()) return make_error(std::string(to_string(m.control.op)) + " without its payload");
    auto payload = term::decode(rest, opts);  // no `consumed`: trailing bytes are an error
    if (!payload) return make_error(std::string(to_string(m.control.op)) + " payload: " + payload.error());
    m.payload = std::move(payload.value());
  } else if (!rest.empty()) {
    return make_error(std::string(to_string(m.control.op)) + " followed by " + std::to_string(rest.size()) +
                      " unexpected bytes");
  }
  return m;
}
}  // namespace

Result<DistMessage> decode_message_body(std::span<const uint8_t> body, const std::vector<term::Atom>& refs,
                                        size_t max_size, term::Buffer* owner) {
  term::AtomCacheRefs cache{refs.data(), static_cast<uint32_t>(refs.size())};
  term::DecodeOptions opts;
  opts.expect_version = false;
  opts.max_size = max_size;
  opts.owner = owner;
  opts.atom_cache = &cache;
  return finish(body, opts);
}

Result<DistMessage> decode_pass_through(std::span<const uint8_t> frame, size_t max_size) {
  if (frame.empty() || frame[0] != 112) return make_error("not a pass-through frame");
  term::DecodeOptions opts;
  opts.max_size = max_size;
  return finish(frame.subspan(1), opts);
}

void encode_message(const Control& control, const term::Term& payload, SendAtomCache* cache, EncodedMessage& out,
                    size_t external_min) {
  out.head.clear();
  out.header.clear();
  out.body.clear();
  out.external.clear();
  term::Term ct = control_to_term(control);
  if (!cache) {
    out.head.push_back(static_cast<char>(112));
    term::encode(ct, out.body);
    if (payload) term::encode(payload, out.body);
    return;
  }
  cache->begin_message();
  term::AtomCacheHook hook{&SendAtomCache::hook_index_of, cache};
  term::EncodeOptions opts;
  opts.version = false;
  opts.atom_cache = &hook;
  if (external_min) {
    opts.external = &out.external;
    opts.external_min = external_min;
  }
  term::encode(ct, out.body, opts);
  if (payload) term::encode(payload, out.body, opts);
  write_dist_header(cache->refs(), out.header);
  out.head = "\x83\x44";
  out.head += out.header;
}

}  // namespace ergod::dist
