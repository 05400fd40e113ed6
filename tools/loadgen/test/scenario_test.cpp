#include "tongban/loadgen/scenario.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

namespace tongban::loadgen {
namespace {

std::string render(std::string_view text, FlowState& flow,
                   const std::map<std::string, std::vector<std::string>>& data = {}) {
  auto t = Template::compile(text, data);
  EXPECT_TRUE(t) << (t ? "" : t.error().message);
  return t ? t->render(flow) : "";
}

TEST(Template, renders_variables_with_url_and_json_filters) {
  FlowState flow;
  flow.vars["q"] = "户口 & more";
  flow.vars["name"] = "say \"hi\"";
  EXPECT_EQ(render("/v1/items?q={{ q | url }}", flow),
            "/v1/items?q=%E6%88%B7%E5%8F%A3%20%26%20more");
  EXPECT_EQ(render(R"({"n": "{{name|json}}"})", flow), R"({"n": "say \"hi\""})");
  EXPECT_EQ(render("{{ missing }}", flow), "");
  EXPECT_TRUE(Template::compile("static", {})->is_static());
  EXPECT_FALSE(Template::compile("{{ q }}", {})->is_static());
}

TEST(Template, random_values_come_from_the_flows_seeded_stream) {
  FlowState a, b;
  a.rng = Rng(mix_seed(7, 42));
  b.rng = Rng(mix_seed(7, 42));
  const std::map<std::string, std::vector<std::string>> data{{"kw", {"x", "y", "z"}}};
  const auto text = "{{ int 10 20 }} {{ pick kw }} {{ hex 8 }} {{ uuid }} {{ pick cities }}";
  const auto ra = render(text, a, data);
  EXPECT_EQ(ra, render(text, b, data));
  const auto n = std::stoi(ra.substr(0, 2));
  EXPECT_GE(n, 10);
  EXPECT_LE(n, 20);
  a.index = 17;
  EXPECT_EQ(render("{{ index }}", a), "17");
}

TEST(Template, a_bad_expression_is_an_error_at_load_not_at_run) {
  EXPECT_FALSE(Template::compile("{{ int 5 }}", {}));
  EXPECT_FALSE(Template::compile("{{ pick nowhere }}", {}));
  EXPECT_FALSE(Template::compile("{{ q | shout }}", {}));
  EXPECT_FALSE(Template::compile("{{ unclosed", {}));
  EXPECT_FALSE(Template::compile("{{ env TONGBAN_LOADGEN_SURELY_UNSET }}", {}));
  ::setenv("TONGBAN_LOADGEN_TEST_SECRET", "s3cret", 1);
  FlowState flow;
  EXPECT_EQ(render("{{ env TONGBAN_LOADGEN_TEST_SECRET }}", flow), "s3cret");
}

TEST(Template, city_pairs_are_drawn_by_migrant_flow_weight) {
  FlowState flow;
  flow.rng = Rng(3);
  std::map<std::string, int> seen;
  for (int i = 0; i < 20'000; ++i) ++seen[render("{{ city_pair }}", flow)];
  // The heaviest pairs come up far more often than a uniform draw over 11,935 pairs would
  // (1.7 in 20,000).
  int top = 0;
  for (const auto& [pair, n] : seen) top = std::max(top, n);
  EXPECT_GT(top, 40);
  const auto& any = seen.begin()->first;
  ASSERT_EQ(any.size(), 13u) << any;
  flow.vars["p"] = "320100-330100";
  EXPECT_EQ(render("{{ p | first }}/{{ p | second }}", flow), "320100/330100");
}

TEST(Scenario, let_draws_flow_variables_once_for_all_steps) {
  auto s = Registry::instance().build(R"({"name": "x", "operations": [
      {"name": "o", "let": {"pair": "{{ city_pair }}", "from": "{{ pair | first }}"},
       "steps": [{"name": "s", "path": "/{{ from }}/{{ pair | second }}"}]}]})");
  ASSERT_TRUE(s) << s.error().message;
  ASSERT_EQ(s->operations[0].let.size(), 2u);
  auto bad = Registry::instance().build(R"({"name": "x", "operations": [
      {"name": "o", "let": {"from": "{{ pair | first }}"}, "steps": [{"name": "s"}]}]})");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("pair"), std::string::npos);
}

TEST(Scenario, the_builtin_smoke_and_http_scenarios_load) {
  auto smoke = Registry::instance().load("smoke");
  ASSERT_TRUE(smoke) << smoke.error().message;
  EXPECT_EQ(smoke->operations.size(), 3u);
  EXPECT_EQ(smoke->targets.size(), 3u);
  ASSERT_TRUE(smoke->setup);
  EXPECT_EQ(smoke->defaults.rate, 20);
  EXPECT_EQ(smoke->slos, std::vector<std::string>{"errors<0.1%"});
  auto http = Registry::instance().load("http");
  ASSERT_TRUE(http) << http.error().message;
  EXPECT_TRUE(http->targets[0].urls.empty());  // --target supplies it
}

TEST(Scenario, targets_are_overridden_by_name_or_all_at_once) {
  auto s = Registry::instance().load("smoke");
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->override_targets("catalog=http://10.0.0.1:9000,http://10.0.0.2:9000/base/"));
  const auto& catalog = s->targets[*s->find_target("catalog")];
  ASSERT_EQ(catalog.urls.size(), 2u);
  EXPECT_EQ(catalog.urls[1].host, "10.0.0.2");
  EXPECT_EQ(catalog.urls[1].base_path, "/base");
  EXPECT_EQ(s->targets[*s->find_target("identity")].urls[0].port, "8081");
  ASSERT_TRUE(s->override_targets("http://gateway"));
  for (const auto& t : s->targets) EXPECT_EQ(t.urls[0].host_header, "gateway");
  EXPECT_FALSE(s->override_targets("nowhere=http://x"));
  EXPECT_FALSE(s->override_targets("https://x"));
}

TEST(Scenario, a_document_with_a_mistake_names_the_field) {
  const auto& r = Registry::instance();
  const auto error_of = [&](std::string_view doc) {
    auto s = r.build(doc);
    EXPECT_FALSE(s) << doc;
    return s ? std::string() : s.error().field + ": " + s.error().message;
  };
  EXPECT_NE(error_of(R"({"name": "x"})").find("operations"), std::string::npos);
  EXPECT_NE(error_of(R"({"name": "x", "operations": [{"name": "o", "steps": [
      {"name": "s", "target": "nope"}]}]})")
                .find("nope"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"name": "x", "operations": [{"name": "o", "steps": [
      {"name": "s", "path": "/{{ id }}"}]}]})")
                .find("id"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"name": "x", "operations": [{"name": "o", "steps": [
      {"name": "s", "think": "soon"}]}]})")
                .find("think"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"name": "x", "kind": "grpc", "operations": []})").find("kind"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"name": "x", "operations": [{"name": "o", "steps": [
      {"name": "s", "poll": {"until": {"/a": 1}, "backoff": 2}}]}]})")
                .find("poll.backoff"),
            std::string::npos);
  EXPECT_NE(error_of("{not json").find("JSON"), std::string::npos);
}

TEST(Scenario, operations_are_picked_in_proportion_to_their_weights) {
  auto s = Registry::instance().build(R"({"name": "x", "operations": [
      {"name": "a", "weight": 3, "steps": [{"name": "s"}]},
      {"name": "b", "weight": 1, "steps": [{"name": "s"}]}]})");
  ASSERT_TRUE(s) << s.error().message;
  Rng rng(5);
  int a = 0;
  for (int i = 0; i < 40'000; ++i) a += s->pick(rng).name == "a" ? 1 : 0;
  EXPECT_NEAR(a, 30'000, 400);
}

}  // namespace
}  // namespace tongban::loadgen
