// The forgeries a JWT verifier must refuse (RFC 8725 §2), one test each.
#include <openssl/evp.h>

#include <boost/json/serialize.hpp>

#include "support.hpp"

namespace tongban::auth {
namespace {

using test::assemble;
using test::b64;
using test::b64json;
using test::outcome;
using test::staff_claims;

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  std::size_t len = 0;
  EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.data(), key.size(),
            reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, sizeof(out),
            &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

struct Segments {
  std::string header, payload, signature;
};
Segments split(const std::string& token) {
  const auto d1 = token.find('.');
  const auto d2 = token.find('.', d1 + 1);
  return {token.substr(0, d1), token.substr(d1 + 1, d2 - d1 - 1), token.substr(d2 + 1)};
}

class Attacks : public ::testing::Test {
 protected:
  Signer es = test::make_signer(Alg::ES256, "es");
  Signer ed = test::make_signer(Alg::EdDSA, "ed");
  Signer rs = test::make_signer(Alg::RS256, "rs");
  test::Stack s{test::jwks_of({&es, &ed, &rs})};

  std::string verify(const std::string& token) { return outcome(s.verifier.verify(token)); }
  boost::json::object claims() { return staff_claims(s.clock.now()); }
};

TEST_F(Attacks, alg_none_is_refused_with_an_empty_signature) {
  boost::json::object header{{"alg", "none"}, {"typ", "JWT"}};
  EXPECT_EQ(verify(b64json(header) + "." + b64json(claims()) + "."), "alg_not_allowed");
  header["kid"] = "es";  // naming a real key changes nothing
  EXPECT_EQ(verify(b64json(header) + "." + b64json(claims()) + "."), "alg_not_allowed");
  for (const char* spelling : {"None", "NONE", "nOnE"}) {
    header["alg"] = spelling;
    EXPECT_EQ(verify(b64json(header) + "." + b64json(claims()) + "."), "alg_not_allowed");
  }
}

TEST_F(Attacks, alg_none_is_refused_with_a_signature_or_without_the_last_dot) {
  boost::json::object header{{"alg", "none"}, {"kid", "es"}};
  auto signing_input = b64json(header) + "." + b64json(claims());
  EXPECT_EQ(verify(signing_input + "." + b64(*es.sign_bytes(signing_input))), "alg_not_allowed");
  EXPECT_EQ(verify(signing_input), "malformed_token");
}

TEST_F(Attacks, hs256_keyed_with_the_public_key_pem_is_refused) {
  for (const Signer* victim : {&rs, &es}) {
    boost::json::object header{{"alg", "HS256"}, {"kid", victim->kid()}, {"typ", "JWT"}};
    auto input = b64json(header) + "." + b64json(claims());
    auto token = input + "." + b64(hmac_sha256(victim->public_pem(), input));
    EXPECT_EQ(verify(token), "alg_not_allowed") << victim->kid();
  }
}

TEST_F(Attacks, hs256_keyed_with_the_public_jwk_is_refused) {
  for (const Signer* victim : {&rs, &es, &ed}) {
    const auto jwk = victim->public_jwk().to_json();
    for (const std::string& secret :
         {boost::json::serialize(jwk),
          std::string(jwk.contains("n") ? jwk.at("n").as_string() : jwk.at("x").as_string())}) {
      boost::json::object header{{"alg", "HS256"}, {"kid", victim->kid()}};
      auto input = b64json(header) + "." + b64json(claims());
      EXPECT_EQ(verify(input + "." + b64(hmac_sha256(secret, input))), "alg_not_allowed");
    }
  }
}

TEST_F(Attacks, a_header_alg_other_than_the_keys_is_refused) {
  // A genuine ES256 signature relabelled, and cross-algorithm relabelling in general.
  for (const auto& [alg, kid] : std::vector<std::pair<const char*, const char*>>{{"RS256", "es"},
                                                                                 {"EdDSA", "es"},
                                                                                 {"ES256", "rs"},
                                                                                 {"ES256", "ed"},
                                                                                 {"PS256", "rs"},
                                                                                 {"ES384", "es"},
                                                                                 {"HS512", "rs"}}) {
    boost::json::object header{{"alg", alg}, {"kid", kid}};
    auto input = b64json(header) + "." + b64json(claims());
    EXPECT_EQ(verify(input + "." + b64(*es.sign_bytes(input))), "alg_not_allowed")
        << alg << " with " << kid;
  }
}

TEST_F(Attacks, a_changed_claim_under_the_original_signature_is_refused) {
  for (const Signer* signer : {&es, &ed, &rs}) {
    auto parts = split(*signer->sign(claims()));
    auto forged = claims();
    forged["roles"] = boost::json::array{"clerk", "platform_admin"};
    EXPECT_EQ(verify(parts.header + "." + b64json(forged) + "." + parts.signature),
              "bad_signature");
  }
}

TEST_F(Attacks, a_changed_header_under_the_original_signature_is_refused) {
  auto parts = split(*es.sign(claims()));
  boost::json::object header{{"alg", "ES256"}, {"kid", "es"}, {"typ", "at+jwt"}};
  EXPECT_EQ(verify(b64json(header) + "." + parts.payload + "." + parts.signature), "bad_signature");
}

TEST_F(Attacks, a_signature_by_another_key_under_a_known_kid_is_refused) {
  auto attacker = test::make_signer(Alg::ES256, "es");  // same kid, attacker's key
  EXPECT_EQ(verify(*attacker.sign(claims())), "bad_signature");
  // ...also when the attacker embeds its key or a key URL in the header.
  boost::json::object header{{"alg", "ES256"},
                             {"kid", "es"},
                             {"jwk", attacker.public_jwk().to_json()},
                             {"jku", "https://evil.example/jwks.json"}};
  auto input = b64json(header) + "." + b64json(claims());
  EXPECT_EQ(verify(input + "." + b64(*attacker.sign_bytes(input))), "bad_signature");
}

TEST_F(Attacks, a_truncated_or_extended_signature_is_refused) {
  for (const Signer* signer : {&es, &ed, &rs}) {
    auto parts = split(*signer->sign(claims()));
    auto sig = *base64url::decode(parts.signature);
    for (const std::string& bad : {sig.substr(0, sig.size() - 1), sig.substr(0, sig.size() / 2),
                                   sig + '\0', std::string()}) {
      EXPECT_EQ(verify(parts.header + "." + parts.payload + "." + b64(bad)), "bad_signature")
          << signer->kid() << " " << bad.size();
    }
  }
}

TEST_F(Attacks, a_der_encoded_es256_signature_is_refused) {
  // Some libraries accept DER; RFC 7518 §3.4 allows only raw r||s.
  auto input = b64json({{"alg", "ES256"}, {"kid", "es"}}) + "." + b64json(claims());
  auto raw = *es.sign_bytes(input);
  EXPECT_EQ(verify(input + "." + b64(raw)), "ok");
  // Build the DER form by hand: SEQUENCE { INTEGER r, INTEGER s }.
  auto integer = [](std::string v) {
    while (v.size() > 1 && v[0] == 0 && !(v[1] & 0x80)) v.erase(0, 1);
    if (v[0] & 0x80) v.insert(0, 1, '\0');
    return std::string("\x02", 1) + static_cast<char>(v.size()) + v;
  };
  auto body = integer(raw.substr(0, 32)) + integer(raw.substr(32));
  auto der = std::string("\x30", 1) + static_cast<char>(body.size()) + body;
  EXPECT_EQ(verify(input + "." + b64(der)), "bad_signature");
}

TEST_F(Attacks, bad_base64url_anywhere_is_malformed) {
  auto parts = split(*es.sign(claims()));
  EXPECT_EQ(verify("+" + parts.header + "." + parts.payload + "." + parts.signature),
            "malformed_token");
  EXPECT_EQ(verify(parts.header + "." + parts.payload + "/." + parts.signature), "malformed_token");
  EXPECT_EQ(verify(parts.header + "." + parts.payload + "." + parts.signature + "=="),
            "malformed_token");
  EXPECT_EQ(verify(parts.header + "." + parts.payload + "." + parts.signature + "AAA"),
            "malformed_token");  // 86 + 3 = 4n+1 characters
}

TEST_F(Attacks, a_second_spelling_of_the_signature_is_refused) {
  auto parts = split(*es.sign(claims()));
  // 64 bytes end in a 2-character group with 4 unused bits; set one.
  auto& last = parts.signature.back();
  const std::string_view alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  last = alphabet[alphabet.find(last) | 1];
  EXPECT_EQ(verify(parts.header + "." + parts.payload + "." + parts.signature), "malformed_token");
}

TEST_F(Attacks, anything_but_three_segments_is_malformed) {
  auto token = *es.sign(claims());
  EXPECT_EQ(verify(token + ".extra"), "malformed_token");
  EXPECT_EQ(verify(""), "malformed_token");
  EXPECT_EQ(verify(".."), "malformed_token");
  EXPECT_EQ(verify("." + split(token).payload + "." + split(token).signature), "malformed_token");
}

TEST_F(Attacks, a_header_that_is_not_a_json_object_or_lacks_alg_or_kid_is_malformed) {
  auto body = b64json(claims());
  EXPECT_EQ(verify(b64("[1,2]") + "." + body + ".AAAA"), "malformed_token");
  EXPECT_EQ(verify(b64("{\"alg\":") + "." + body + ".AAAA"), "malformed_token");
  EXPECT_EQ(verify(b64json({{"kid", "es"}}) + "." + body + ".AAAA"), "malformed_token");
  EXPECT_EQ(verify(b64json({{"alg", "ES256"}}) + "." + body + ".AAAA"), "malformed_token");
}

TEST_F(Attacks, a_critical_header_extension_is_refused) {
  boost::json::object header{
      {"alg", "ES256"}, {"kid", "es"}, {"crit", boost::json::array{"exp"}}, {"exp", 1}};
  auto input = b64json(header) + "." + b64json(claims());
  EXPECT_EQ(verify(input + "." + b64(*es.sign_bytes(input))), "unsupported_header");
}

TEST_F(Attacks, an_oversized_token_is_refused_before_decoding) {
  EXPECT_EQ(verify(std::string(9000, 'A') + ".a.a"), "token_too_large");
}

TEST_F(Attacks, a_signed_payload_that_is_not_json_is_malformed) {
  auto input = b64json({{"alg", "EdDSA"}, {"kid", "ed"}}) + "." + b64("not json");
  EXPECT_EQ(verify(input + "." + b64(*ed.sign_bytes(input))), "malformed_token");
}

}  // namespace
}  // namespace tongban::auth
