// Cookie digests with OpenSSL's EVP MD5, challenges from RAND_bytes (see digest.h).
#include "dist/digest.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <random>
#include <string>

namespace ergod::dist {

Digest cookie_digest(uint32_t challenge, std::string_view cookie) {
  std::string input(cookie);
  input += std::to_string(challenge);
  Digest out{};
  unsigned int len = 0;
  // EVP_Digest with EVP_md5() cannot fail short of memory exhaustion; if it ever did, a zero
  // digest simply never matches the peer's and the handshake is refused.
  EVP_Digest(input.data(), input.size(), out.data(), &len, EVP_md5(), nullptr);
  return out;
}

uint32_t random_challenge() {
  uint32_t v = 0;
  if (RAND_bytes(reinterpret_cast<unsigned char*>(&v), sizeof v) != 1) {
    std::random_device rd;  // OpenSSL's pool failed to seed; still better than nothing
    v = rd();
  }
  return v;
}

bool digest_equal(const Digest& a, const Digest& b) {
  uint8_t diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<uint8_t>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace ergod::dist
