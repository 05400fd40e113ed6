#include "tongban/cities/cities.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tongban/core/ids.hpp"

namespace tongban::cities {
namespace {

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << "cannot read " << path;
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

const std::filesystem::path kDataDir = TONGBAN_CITIES_DATA_DIR;

TEST(Cities, the_dataset_has_155_cities_with_unique_well_formed_codes) {
  const auto& d = directory();
  ASSERT_EQ(d.all().size(), 155u);
  std::set<std::string> codes;
  for (const City& c : d.all()) {
    EXPECT_TRUE(codes.insert(c.code).second) << "duplicate " << c.code;
    ASSERT_EQ(c.code.size(), 6u) << c.code;
    EXPECT_TRUE(c.code.ends_with("00")) << c.code;
    EXPECT_EQ(c.province_code, c.code.substr(0, 2) + "0000") << c.code;
    EXPECT_GT(c.population, 500'000) << c.code;
    EXPECT_LT(c.population, 20'000'000) << c.code;
    // Southeast and central China: a city outside this box has its coordinates swapped.
    EXPECT_GT(c.lat, 20.0) << c.code;
    EXPECT_LT(c.lat, 38.5) << c.code;
    EXPECT_GT(c.lon, 105.0) << c.code;
    EXPECT_LT(c.lon, 123.0) << c.code;
    EXPECT_TRUE(d.is_known_city(c.code));
  }
}

TEST(Cities, eleven_provinces_hold_the_expected_number_of_cities) {
  const std::map<std::string, std::size_t> expected = {
      {"320000", 13}, {"330000", 11}, {"340000", 16}, {"350000", 9},
      {"360000", 11}, {"370000", 16}, {"410000", 17}, {"420000", 13},
      {"430000", 14}, {"440000", 21}, {"450000", 14},
  };
  const auto& d = directory();
  ASSERT_EQ(d.provinces().size(), expected.size());
  for (const Province& p : d.provinces()) {
    ASSERT_TRUE(expected.contains(p.code)) << p.code;
    EXPECT_EQ(p.city_count, expected.at(p.code)) << p.code;
    auto cities = d.in_province(p.code);
    EXPECT_EQ(cities.size(), expected.at(p.code)) << p.code;
    for (const City& c : cities) {
      EXPECT_EQ(c.province_code, p.code);
      EXPECT_EQ(c.province_zh, p.name_zh);
      EXPECT_EQ(c.province_en, p.name_en);
    }
  }
  EXPECT_TRUE(d.in_province("110000").empty());
  EXPECT_EQ(d.find_province("110000"), nullptr);
}

TEST(Cities, each_province_has_exactly_its_known_capital) {
  const std::map<std::string, std::string> capitals = {
      {"320000", "320100"}, {"330000", "330100"}, {"340000", "340100"}, {"350000", "350100"},
      {"360000", "360100"}, {"370000", "370100"}, {"410000", "410100"}, {"420000", "420100"},
      {"430000", "430100"}, {"440000", "440100"}, {"450000", "450100"},
  };
  const auto& d = directory();
  for (const auto& [province, capital] : capitals) {
    const Province* p = d.find_province(province);
    ASSERT_NE(p, nullptr) << province;
    EXPECT_EQ(p->capital_code, capital);
    int count = 0;
    for (const City& c : d.in_province(province)) count += c.capital ? 1 : 0;
    EXPECT_EQ(count, 1) << province;
  }
  EXPECT_EQ(d.find("340100")->name_en, "Hefei");
  EXPECT_EQ(d.find("370100")->name_en, "Jinan");
  EXPECT_EQ(d.find("450100")->name_en, "Nanning");
}

TEST(Cities, known_cities_are_found_with_their_names) {
  const auto& d = directory();
  struct Spot {
    const char* code;
    const char* zh;
    const char* en;
    const char* province_zh;
  };
  for (const Spot& s : {
           Spot{"320100", "南京市", "Nanjing", "江苏省"},
           Spot{"440300", "深圳市", "Shenzhen", "广东省"},
           Spot{"422800", "恩施土家族苗族自治州", "Enshi", "湖北省"},
           Spot{"433100", "湘西土家族苗族自治州", "Xiangxi", "湖南省"},
           Spot{"341300", "宿州市", "Suzhou", "安徽省"},
           Spot{"451400", "崇左市", "Chongzuo", "广西壮族自治区"},
       }) {
    const City* c = d.find(s.code);
    ASSERT_NE(c, nullptr) << s.code;
    EXPECT_EQ(c->name_zh, s.zh);
    EXPECT_EQ(c->name_en, s.en);
    EXPECT_EQ(c->province_zh, s.province_zh);
  }
}

TEST(Cities, abolished_and_county_level_divisions_are_unknown) {
  const auto& d = directory();
  EXPECT_FALSE(d.is_known_city("371200"));  // Laiwu, merged into Jinan in 2019
  EXPECT_FALSE(d.is_known_city("341400"));  // Chaohu, abolished as a prefecture in 2011
  EXPECT_FALSE(d.is_known_city("419001"));  // Jiyuan: county-level, directly under Henan
  EXPECT_FALSE(d.is_known_city("429004"));  // Xiantao: county-level, directly under Hubei
  EXPECT_FALSE(d.is_known_city("310000"));  // Shanghai is not in the sample
  EXPECT_FALSE(d.is_known_city(""));
  EXPECT_FALSE(d.is_known_city("32010"));
  EXPECT_EQ(d.find("999999"), nullptr);
}

TEST(Flows, all_11935_pairs_have_a_positive_weight_summing_to_a_million) {
  const auto& d = directory();
  ASSERT_EQ(d.pairs().size(), 11'935u);
  double sum = 0;
  std::set<std::pair<std::string, std::string>> seen;
  for (const CityPair& p : d.pairs()) {
    EXPECT_GT(p.weight, 0) << p.a->code << "-" << p.b->code;
    EXPECT_LT(p.a->code, p.b->code);
    EXPECT_TRUE(seen.emplace(p.a->code, p.b->code).second);
    sum += p.weight;
  }
  // Each weight is rounded to 6 significant digits: at most 5e-6 of itself off.
  EXPECT_NEAR(sum, 1'000'000, 5.0);
}

TEST(Flows, lookup_is_symmetric_and_zero_for_a_city_with_itself) {
  const auto& d = directory();
  for (const CityPair& p : d.pairs()) {
    ASSERT_EQ(d.flow_weight(p.a->code, p.b->code), p.weight);
    ASSERT_EQ(d.flow_weight(p.b->code, p.a->code), p.weight);
  }
  EXPECT_EQ(d.flow_weight("320100", "320100"), 0);
  EXPECT_EQ(d.flow_weight("320100", "999999"), 0);
}

TEST(Flows, the_gravity_model_ranks_near_big_pairs_above_far_small_ones) {
  const auto& d = directory();
  // Guangzhou–Foshan (adjacent megacities) against Zhoushan–Chongzuo (small, 1,700 km apart).
  EXPECT_GT(d.flow_weight("440100", "440600"), 1000 * d.flow_weight("330900", "451400"));
  // Same province counts: Guangzhou–Shaoguan against Guangzhou–Chenzhou, the next city up
  // the same railway line, across the Hunan border.
  EXPECT_GT(d.flow_weight("440100", "440200"), d.flow_weight("440100", "431000"));
}

TEST(Cities, directory_is_parsed_once_even_when_many_threads_ask_first) {
  std::vector<std::thread> threads;
  std::atomic<const Directory*> first{nullptr};
  std::atomic<int> mismatches{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      const Directory* d = &directory();
      const Directory* expected = nullptr;
      if (!first.compare_exchange_strong(expected, d) && expected != d) ++mismatches;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(mismatches.load(), 0);
}

TEST(Embedding, the_embedded_csvs_equal_the_files_in_data_cities) {
  // EXPECT_TRUE, not EXPECT_EQ: a diff of 260 KB of CSV helps no one.
  EXPECT_TRUE(embedded_cities_csv() == read_file(kDataDir / "cities.csv"))
      << "the embedded cities.csv differs from data/cities/cities.csv: rebuild tongban::cities";
  EXPECT_TRUE(embedded_flows_csv() == read_file(kDataDir / "flows.csv"))
      << "the embedded flows.csv differs from data/cities/flows.csv: rebuild tongban::cities";
}

TEST(Embedding, regenerating_flows_gives_the_committed_file_byte_for_byte) {
  auto out =
      std::filesystem::temp_directory_path() / ("tongban-flows-" + ids::random_hex(8) + ".csv");
  std::string command = std::string("'") + TONGBAN_GEN_FLOWS + "' '" +
                        (kDataDir / "cities.csv").string() + "' '" + out.string() + "' 2>/dev/null";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  std::string regenerated = read_file(out);
  std::filesystem::remove(out);
  EXPECT_TRUE(regenerated == read_file(kDataDir / "flows.csv"))
      << "data/cities/flows.csv is stale: run tongban-gen-flows data/cities/cities.csv "
         "data/cities/flows.csv";
}

// --- strict parsing -------------------------------------------------------------------------

constexpr std::string_view kHeader =
    "code,name_zh,name_en,province_code,province_zh,province_en,population,lat,lon,capital\n";

std::string two_cities() {
  return std::string(kHeader) +
         "320100,南京市,Nanjing,320000,江苏省,Jiangsu,9315000,32.06,118.80,1\n"
         "320200,无锡市,Wuxi,320000,江苏省,Jiangsu,7462000,31.49,120.31,0\n";
}

TEST(Parsing, a_small_valid_dataset_parses) {
  auto d = Directory::parse(two_cities(), "a,b,weight\n320100,320200,1000000\n");
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(d->flow_weight("320200", "320100"), 1'000'000);
  EXPECT_EQ(d->pairs().size(), 1u);
}

TEST(Parsing, a_wrong_column_count_names_the_line) {
  std::string csv = std::string(kHeader) +
                    "320100,南京市,Nanjing,320000,江苏省,Jiangsu,9315000,32.06,118.80,1\n"
                    "320200,无锡市,Wuxi,320000,江苏省,Jiangsu,7462000,31.49,120.31\n";
  auto d = Directory::parse(csv, "a,b,weight\n");
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().rule, "column_count");
  EXPECT_EQ(d.error().field, "cities.csv:3");
  EXPECT_NE(d.error().message.find("line 3"), std::string::npos) << d.error().message;
}

TEST(Parsing, a_bad_number_names_the_line) {
  std::string csv = std::string(kHeader) +
                    "320100,南京市,Nanjing,320000,江苏省,Jiangsu,9315000x,32.06,118.80,1\n";
  auto d = Directory::parse(csv, "a,b,weight\n");
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().rule, "population");
  EXPECT_EQ(d.error().field, "cities.csv:2");

  auto flows = Directory::parse(two_cities(), "a,b,weight\n320100,320200,1e6zz\n");
  ASSERT_FALSE(flows);
  EXPECT_EQ(flows.error().rule, "weight");
  EXPECT_EQ(flows.error().field, "flows.csv:2");
}

TEST(Parsing, a_code_outside_its_province_is_rejected) {
  std::string csv =
      std::string(kHeader) + "330100,南京市,Nanjing,320000,江苏省,Jiangsu,9315000,32.06,118.80,1\n";
  auto d = Directory::parse(csv, "a,b,weight\n");
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().rule, "province_code");
}

TEST(Parsing, duplicates_and_missing_capitals_are_rejected) {
  std::string dup = std::string(kHeader) +
                    "320100,南京市,Nanjing,320000,江苏省,Jiangsu,9315000,32.06,118.80,1\n"
                    "320100,南京市,Nanjing,320000,江苏省,Jiangsu,9315000,32.06,118.80,0\n";
  auto d = Directory::parse(dup, "a,b,weight\n");
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().rule, "unique_code");

  std::string no_capital =
      std::string(kHeader) + "320200,无锡市,Wuxi,320000,江苏省,Jiangsu,7462000,31.49,120.31,0\n";
  auto n = Directory::parse(no_capital, "a,b,weight\n");
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error().rule, "one_capital");
}

// The rule a flows file breaks against the two-city dataset, or "" when it parses.
std::string flows_rule(std::string_view flows) {
  auto d = Directory::parse(two_cities(), flows);
  return d ? std::string() : d.error().rule;
}

TEST(Parsing, flows_must_cover_every_pair_once_with_known_cities) {
  EXPECT_EQ(flows_rule("a,b,weight\n"), "all_pairs");
  EXPECT_EQ(flows_rule("a,b,weight\n320100,320200,1\n320100,320200,1\n"), "unique_pair");
  EXPECT_EQ(flows_rule("a,b,weight\n320200,320100,1\n"), "pair_order");
  EXPECT_EQ(flows_rule("a,b,weight\n320100,320300,1\n"), "known_city");
  EXPECT_EQ(flows_rule("a,b,weight\n320100,320200,0\n"), "weight");
  EXPECT_EQ(flows_rule("a,b,weight\n320100,320200,nan\n"), "weight");
  EXPECT_EQ(flows_rule("a,b,weight\n320100,320200,12.5\n"), "");
}

TEST(Parsing, a_wrong_header_is_rejected) {
  auto d = Directory::parse("code,name\n", "a,b,weight\n");
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().rule, "header");
  EXPECT_EQ(d.error().field, "cities.csv:1");
}

}  // namespace
}  // namespace tongban::cities
