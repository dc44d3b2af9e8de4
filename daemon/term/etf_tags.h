// The tag bytes of the External Term Format (erts-13 erl_ext_dist), shared by the decoder and
// the encoder, and the tag names used in error messages. Nothing else lives here.
#pragma once

#include <cstdint>

namespace ergod::term::etf {

enum Tag : uint8_t {
  kVersion = 131,
  kCompressed = 80,
  kAtomCacheRef = 82,
  kSmallInteger = 97,
  kInteger = 98,
  kFloatString = 99,      // FLOAT_EXT: "%.20e" in 31 bytes (minor version 0)
  kNewFloat = 70,
  kAtomLatin1 = 100,      // ATOM_EXT
  kSmallAtomLatin1 = 115, // SMALL_ATOM_EXT
  kAtomUtf8 = 118,
  kSmallAtomUtf8 = 119,
  kReference = 101,       // REFERENCE_EXT (old, one id)
  kNewReference = 114,
  kNewerReference = 90,
  kPort = 102,
  kNewPort = 89,
  kV4Port = 120,
  kPid = 103,
  kNewPid = 88,
  kSmallTuple = 104,
  kLargeTuple = 105,
  kMap = 116,
  kNil = 106,
  kString = 107,
  kList = 108,
  kBinary = 109,
  kBitBinary = 77,
  kSmallBig = 110,
  kLargeBig = 111,
  kNewFun = 112,
  kExport = 113,
};

// "LIST_EXT" for 108, and so on; "unknown tag" for bytes that are no tag.
inline const char* tag_name(uint8_t tag) {
  switch (tag) {
    case kVersion: return "VERSION";
    case kCompressed: return "COMPRESSED";
    case kAtomCacheRef: return "ATOM_CACHE_REF";
    case kSmallInteger: return "SMALL_INTEGER_EXT";
    case kInteger: return "INTEGER_EXT";
    case kFloatString: return "FLOAT_EXT";
    case kNewFloat: return "NEW_FLOAT_EXT";
    case kAtomLatin1: return "ATOM_EXT";
    case kSmallAtomLatin1: return "SMALL_ATOM_EXT";
    case kAtomUtf8: return "ATOM_UTF8_EXT";
    case kSmallAtomUtf8: return "SMALL_ATOM_UTF8_EXT";
    case kReference: return "REFERENCE_EXT";
    case kNewReference: return "NEW_REFERENCE_EXT";
    case kNewerReference: return "NEWER_REFERENCE_EXT";
    case kPort: return "PORT_EXT";
    case kNewPort: return "NEW_PORT_EXT";
    case kV4Port: return "V4_PORT_EXT";
    case kPid: return "PID_EXT";
    case kNewPid: return "NEW_PID_EXT";
    case kSmallTuple: return "SMALL_TUPLE_EXT";
    case kLargeTuple: return "LARGE_TUPLE_EXT";
    case kMap: return "MAP_EXT";
    case kNil: return "NIL_EXT";
    case kString: return "STRING_EXT";
    case kList: return "LIST_EXT";
    case kBinary: return "BINARY_EXT";
    case kBitBinary: return "BIT_BINARY_EXT";
    case kSmallBig: return "SMALL_BIG_EXT";
    case kLargeBig: return "LARGE_BIG_EXT";
    case kNewFun: return "NEW_FUN_EXT";
    case kExport: return "EXPORT_EXT";
    default: return "unknown tag";
  }
}

}  // namespace ergod::term::etf
