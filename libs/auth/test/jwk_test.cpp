#include "tongban/auth/jwk.hpp"

#include <openssl/evp.h>

#include <boost/json/parse.hpp>

#include "../src/ossl.hpp"
#include "support.hpp"

namespace tongban::auth {
namespace {

using test::make_signer;

boost::json::object public_json(Alg alg, const std::string& kid) {
  return make_signer(alg, kid).public_jwk().to_json();
}

TEST(Jwk, parses_each_supported_key_type_with_its_algorithm) {
  for (Alg alg : {Alg::ES256, Alg::EdDSA, Alg::RS256}) {
    auto json = public_json(alg, "k1");
    json.erase("alg");  // derived from the key type when absent
    auto jwk = parse_jwk(json);
    ASSERT_TRUE(jwk) << jwk.error().message;
    EXPECT_EQ(jwk->kid, "k1");
    EXPECT_EQ(jwk->alg, alg);
    EXPECT_EQ(jwk->to_json().at("kty"), json.at("kty"));
  }
}

TEST(Jwk, publishes_only_public_members) {
  auto json = public_json(Alg::RS256, "rsa");
  for (const char* priv : {"d", "p", "q", "dp", "dq", "qi"}) EXPECT_FALSE(json.contains(priv));
  EXPECT_EQ(json.at("use"), "sig");
  auto ec = public_json(Alg::ES256, "ec");
  EXPECT_FALSE(ec.contains("d"));
  EXPECT_EQ(base64url::decode(ec.at("x").as_string())->size(), 32u);
  EXPECT_EQ(base64url::decode(ec.at("y").as_string())->size(), 32u);
}

TEST(Jwk, rejects_an_alg_that_contradicts_the_key_type) {
  auto json = public_json(Alg::ES256, "ec");
  json["alg"] = "RS256";
  auto jwk = parse_jwk(json);
  ASSERT_FALSE(jwk);
  EXPECT_EQ(jwk.error().rule, "alg_mismatch");
  json["alg"] = "HS256";
  EXPECT_FALSE(parse_jwk(json));
}

TEST(Jwk, rejects_an_ec_point_off_the_curve) {
  auto json = public_json(Alg::ES256, "ec");
  auto y = *base64url::decode(json.at("y").as_string());
  y[31] = static_cast<char>(y[31] ^ 1);
  json["y"] = base64url::encode(y);
  auto jwk = parse_jwk(json);
  ASSERT_FALSE(jwk);
  EXPECT_EQ(jwk.error().field, "jwk.kty");
}

TEST(Jwk, rejects_coordinates_of_the_wrong_length) {
  auto json = public_json(Alg::ES256, "ec");
  json["x"] = base64url::encode(std::string(31, 'x'));
  EXPECT_EQ(parse_jwk(json).error().rule, "length");
  auto ed = public_json(Alg::EdDSA, "ed");
  ed["x"] = base64url::encode(std::string(33, 'x'));
  EXPECT_EQ(parse_jwk(ed).error().rule, "length");
}

TEST(Jwk, rejects_rsa_moduli_shorter_than_2048_bits) {
  auto json = public_json(Alg::RS256, "rsa");
  auto n = *base64url::decode(json.at("n").as_string());
  json["n"] = base64url::encode(n.substr(0, 128));  // 1024 bits
  auto jwk = parse_jwk(json);
  ASSERT_FALSE(jwk);
  EXPECT_EQ(jwk.error().rule, "rsa_modulus_size");
  EXPECT_FALSE(Signer::generate(Alg::RS256, "small", 1024));
}

TEST(Jwk, rejects_a_missing_kid_and_encryption_keys) {
  auto json = public_json(Alg::EdDSA, "ed");
  json["use"] = "enc";
  EXPECT_EQ(parse_jwk(json).error().rule, "not_signature_key");
  json.erase("use");
  json.erase("kid");
  EXPECT_EQ(parse_jwk(json).error().rule, "required");
}

TEST(Jwks, skips_keys_it_cannot_use_and_keeps_the_rest) {
  auto good = public_json(Alg::ES256, "good");
  auto enc = public_json(Alg::RS256, "enc");
  enc["use"] = "enc";
  boost::json::object oct{{"kty", "oct"}, {"kid", "hmac"}, {"k", "c2VjcmV0"}};
  boost::json::object doc{{"keys", boost::json::array{good, enc, oct, 42}}};
  auto jwks = Jwks::parse(boost::json::serialize(doc));
  ASSERT_TRUE(jwks);
  EXPECT_EQ(jwks->size(), 1u);
  EXPECT_NE(jwks->find("good"), nullptr);
  EXPECT_EQ(jwks->find("hmac"), nullptr);
  EXPECT_EQ(jwks->skipped().size(), 3u);
}

TEST(Jwks, rejects_documents_without_a_keys_array) {
  EXPECT_EQ(Jwks::parse("not json").error().code, Errc::malformed);
  EXPECT_EQ(Jwks::parse(R"({"kids":[]})").error().field, "jwks.keys");
}

TEST(Jwks, serialises_to_a_document_that_parses_back) {
  Jwks set;
  set.add(make_signer(Alg::ES256, "a").public_jwk());
  set.add(make_signer(Alg::EdDSA, "b").public_jwk());
  auto again = Jwks::parse(set.to_json());
  ASSERT_TRUE(again);
  EXPECT_EQ(again->size(), 2u);
  EXPECT_EQ(again->find("b")->alg, Alg::EdDSA);
}

TEST(Signer, reloads_its_key_from_pem) {
  for (Alg alg : {Alg::ES256, Alg::EdDSA, Alg::RS256}) {
    auto original = make_signer(alg, "k");
    auto reloaded = Signer::from_pem(original.private_pem(), "k");
    ASSERT_TRUE(reloaded) << reloaded.error().message;
    EXPECT_EQ(reloaded->alg(), alg);
    EXPECT_EQ(EVP_PKEY_eq(reloaded->public_jwk().key.get(), original.public_jwk().key.get()), 1);
  }
  EXPECT_FALSE(Signer::from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n", "k"));
}

TEST(Signer, es256_signatures_are_raw_r_and_s_of_64_bytes) {
  auto es = make_signer(Alg::ES256, "ec");
  for (int i = 0; i < 50; ++i) {  // DER length varies with leading zeros; raw never does
    auto sig = es.sign_bytes("input " + std::to_string(i));
    ASSERT_TRUE(sig);
    EXPECT_EQ(sig->size(), 64u);
  }
  EXPECT_EQ(make_signer(Alg::EdDSA, "ed").sign_bytes("x")->size(), 64u);
  EXPECT_EQ(make_signer(Alg::RS256, "rsa").sign_bytes("x")->size(), 256u);
}

TEST(Signer, ecdsa_raw_and_der_encodings_convert_both_ways) {
  auto es = make_signer(Alg::ES256, "ec");
  auto raw = *es.sign_bytes("payload");
  auto der = ossl::ecdsa_raw_to_der(raw);
  ASSERT_TRUE(der);
  EXPECT_EQ(der->front(), '\x30');  // DER SEQUENCE
  EXPECT_EQ(ossl::ecdsa_der_to_raw(*der), raw);
  EXPECT_FALSE(ossl::ecdsa_raw_to_der(raw.substr(0, 63)));
  EXPECT_FALSE(ossl::ecdsa_der_to_raw("\x30\x02garbage"));
}

}  // namespace
}  // namespace tongban::auth
