#include "tongban/bus/envelope.hpp"

#include <gtest/gtest.h>

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>
#include <functional>
#include <string>
#include <vector>

namespace tongban::bus {
namespace {

using namespace std::chrono_literals;

Envelope sample() {
  ManualClock clock(Clock::time_point(1'780'000'000'123ms + 456us));
  return Envelope::make("/tongban/delegation", "tongban.delegation.case_forwarded.v1", "case-42",
                        boost::json::object{{"from", "A"}, {"to", "B"}}, clock);
}

// Encodes `e`, lets `edit` change the JSON object, and decodes the result.
template <class Edit>
Result<Envelope> decode_edited(Edit edit) {
  auto obj = boost::json::parse(encode(sample())).as_object();
  edit(obj);
  return decode(boost::json::serialize(obj));
}

TEST(Envelope, round_trips_every_attribute) {
  const Envelope e = sample();
  auto back = decode(encode(e));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->id, e.id);
  EXPECT_EQ(back->source, e.source);
  EXPECT_EQ(back->type, e.type);
  EXPECT_EQ(back->subject, e.subject);
  EXPECT_EQ(back->time, e.time);
  EXPECT_EQ(back->data, e.data);
}

TEST(Envelope, decoded_data_keeps_its_own_memory_after_the_text_and_the_envelope_move) {
  std::vector<Envelope> kept;
  {
    std::string text = encode(sample());
    auto e = decode(text);
    ASSERT_TRUE(e) << e.error().message;
    text.assign(text.size(), 'x');  // the consumer's buffer is reused for the next message
    kept.push_back(std::move(*e));
  }
  kept.resize(16);  // moves the envelope again
  EXPECT_EQ(kept.front().data, sample().data);
  // A copy into ordinary storage outlives the decoded envelope.
  boost::json::object copy(kept.front().data.as_object(), boost::json::storage_ptr{});
  kept.clear();
  EXPECT_EQ(copy.at("to"), "B");
}

TEST(Envelope, make_fills_a_uuid_v7_id_and_millisecond_time) {
  const Envelope e = sample();
  ASSERT_EQ(e.id.size(), 36u);
  EXPECT_EQ(e.id[14], '7');
  EXPECT_EQ(e.time.time_since_epoch() % 1ms, 0ms);
  EXPECT_NE(sample().id, e.id);
}

TEST(Envelope, encodes_structured_cloudevents_json) {
  auto obj = boost::json::parse(encode(sample())).as_object();
  EXPECT_EQ(obj.at("specversion"), "1.0");
  EXPECT_EQ(obj.at("datacontenttype"), "application/json");
  EXPECT_EQ(obj.at("time"), "2026-05-28T20:26:40.123Z");
  EXPECT_TRUE(obj.at("data").is_object());
}

TEST(Envelope, ignores_extension_attributes) {
  auto r = decode_edited([](auto& o) { o["tenant"] = "city-a"; });
  EXPECT_TRUE(r) << r.error().message;
}

TEST(Envelope, accepts_datacontenttype_with_parameters_or_absent) {
  EXPECT_TRUE(
      decode_edited([](auto& o) { o["datacontenttype"] = "application/json; charset=utf-8"; }));
  EXPECT_TRUE(decode_edited([](auto& o) { o.erase("datacontenttype"); }));
}

TEST(Envelope, accepts_numeric_time_offsets) {
  auto r = decode_edited([](auto& o) { o["time"] = "2026-05-29T04:26:40.123+08:00"; });
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->time, sample().time);
}

TEST(Envelope, rejects_text_that_is_not_json) {
  auto r = decode("{\"specversion\": ");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::malformed);
  EXPECT_EQ(r.error().field, "envelope");
}

TEST(Envelope, rejects_json_that_is_not_an_object) {
  auto r = decode("[1,2]");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "envelope");
}

struct Broken {
  const char* name;
  std::function<void(boost::json::object&)> edit;
  const char* field;
  const char* rule;
};

class EnvelopeRejects : public ::testing::TestWithParam<Broken> {};

TEST_P(EnvelopeRejects, naming_the_attribute) {
  auto r = decode_edited(GetParam().edit);
  ASSERT_FALSE(r) << GetParam().name;
  EXPECT_EQ(r.error().code, Errc::invalid_argument);
  EXPECT_EQ(r.error().field, GetParam().field);
  EXPECT_EQ(r.error().rule, GetParam().rule);
  EXPECT_NE(r.error().message.find(GetParam().field), std::string::npos) << r.error().message;
  EXPECT_FALSE(r.error().retryable);
}

auto remove(const char* attr) {
  return [attr](boost::json::object& o) { o.erase(attr); };
}
auto set(const char* attr, boost::json::value v) {
  return [attr, v](boost::json::object& o) { o[attr] = v; };
}

INSTANTIATE_TEST_SUITE_P(
    Attributes, EnvelopeRejects,
    ::testing::Values(
        Broken{"missing_specversion", remove("specversion"), "specversion", "required"},
        Broken{"old_specversion", set("specversion", "0.3"), "specversion", "specversion"},
        Broken{"numeric_specversion", set("specversion", 1.0), "specversion", "type"},
        Broken{"missing_id", remove("id"), "id", "required"},
        Broken{"null_id", set("id", nullptr), "id", "required"},
        Broken{"empty_id", set("id", ""), "id", "min_length"},
        Broken{"numeric_id", set("id", 7), "id", "type"},
        Broken{"huge_id", set("id", boost::json::string(2000, 'x')), "id", "max_length"},
        Broken{"missing_source", remove("source"), "source", "required"},
        Broken{"source_not_uri", set("source", "/tongban/has space"), "source", "uri_reference"},
        Broken{"missing_type", remove("type"), "type", "required"},
        Broken{"type_without_prefix", set("type", "delegation.case_forwarded.v1"), "type",
               "event_type"},
        Broken{"type_without_version", set("type", "tongban.delegation.case_forwarded"), "type",
               "event_type"},
        Broken{"type_with_v0", set("type", "tongban.delegation.case_forwarded.v0"), "type",
               "event_type"},
        Broken{"type_without_event", set("type", "tongban.delegation.v1"), "type", "event_type"},
        Broken{"type_upper_case", set("type", "tongban.Delegation.CaseForwarded.v1"), "type",
               "event_type"},
        Broken{"type_empty_segment", set("type", "tongban..case_forwarded.v1"), "type",
               "event_type"},
        Broken{"missing_subject", remove("subject"), "subject", "required"},
        Broken{"empty_subject", set("subject", ""), "subject", "min_length"},
        Broken{"missing_time", remove("time"), "time", "required"},
        Broken{"time_not_rfc3339", set("time", "yesterday"), "time", "rfc3339"},
        Broken{"time_without_zone", set("time", "2026-05-28T20:26:40"), "time", "rfc3339"},
        Broken{"xml_content", set("datacontenttype", "application/xml"), "datacontenttype",
               "media_type"},
        Broken{"numeric_content_type", set("datacontenttype", 5), "datacontenttype", "media_type"},
        Broken{"missing_data", remove("data"), "data", "required"},
        Broken{"null_data", set("data", nullptr), "data", "required"},
        Broken{"array_data", set("data", boost::json::array{1, 2}), "data", "type"},
        Broken{"string_data", set("data", "{}"), "data", "type"}),
    [](const auto& p) { return std::string(p.param.name); });

TEST(EnvelopeHead, is_read_off_an_encoded_event) {
  const auto e = Envelope::make("/tongban/delegation/node-a", "tongban.delegation.case_received.v1",
                                "case-1", boost::json::object{{"type", "not this one"}});
  const auto head = peek_head(encode(e));
  ASSERT_TRUE(head);
  EXPECT_EQ(head->source, "/tongban/delegation/node-a");
  EXPECT_EQ(head->type, "tongban.delegation.case_received.v1");
}

TEST(EnvelopeHead, reads_the_top_level_in_any_order_past_nested_lookalikes) {
  const auto head =
      peek_head(R"({"data": {"type": "inner", "source": "inner", "list": [{"type": 1}]},)"
                R"( "typ": "x", "type": "t\u0031", "id": 5, "source": "/s"})");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->type, "t1");  // escapes are read
  EXPECT_EQ(head->source, "/s");
}

TEST(EnvelopeHead, reads_past_leading_whitespace_as_decode_does) {
  const auto head = peek_head(" \n\t{\"source\": \"/s\", \"type\": \"t\"}");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->source, "/s");
}

TEST(EnvelopeHead, stops_once_it_has_both) {
  // What follows the head is not even JSON: never read.
  const auto head = peek_head(R"({"source": "/s", "type": "t", "data": {)");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->type, "t");
}

TEST(EnvelopeHead, is_absent_when_either_attribute_is_not_a_top_level_string) {
  for (const auto* text :
       {"", "not json", "[]", R"({"source": "/s"})", R"({"type": "t"})",
        R"({"source": "/s", "type": 5})", R"({"source": "/s", "type": null})",
        R"({"source": "/s", "type": ["t"]})", R"({"data": {"source": "/s", "type": "t"}})",
        R"({"source": "/s", "type": "t)"}) {
    EXPECT_FALSE(peek_head(text)) << text;
  }
}

TEST(EventMessage, keys_by_subject_and_carries_the_traceparent_header) {
  const auto e = sample();
  const auto trace = TraceContext::start();
  const auto m = to_message("tongban.delegation.cases.v1", e, trace);
  EXPECT_EQ(m.topic, "tongban.delegation.cases.v1");
  EXPECT_EQ(m.key, "case-42");
  EXPECT_EQ(m.value, encode(e));
  EXPECT_EQ(m.headers, (Headers{{"traceparent", trace.header()}}));
  EXPECT_TRUE(to_message("t", e).headers.empty());
}

TEST(TopicNames, follow_tongban_service_stream_version) {
  EXPECT_EQ(topic_name("delegation", "cases"), "tongban.delegation.cases.v1");
  EXPECT_EQ(topic_name("datahub", "indicators", 3), "tongban.datahub.indicators.v3");
}

TEST(TopicNames, dlq_appends_dlq) {
  EXPECT_EQ(dlq_topic("tongban.delegation.cases.v1"), "tongban.delegation.cases.v1.dlq");
}

}  // namespace
}  // namespace tongban::bus
