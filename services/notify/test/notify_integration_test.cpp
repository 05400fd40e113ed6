// notify as a real process with identity (tokens), a private Redis, the test Kafka, a real
// SMTP server (Debian's aiosmtpd, test/smtp_sink.py, writing what it receives as JSON) and
// a webhook receiver (libs/http's server, in this process): a case event becomes an email
// (headers and body checked as a mail reader sees them) and a signed webhook POST; receivers
// down are retried until they are back; a duplicate event sends once; preferences decide;
// a receiver refusing for good leaves a dead delivery visible by API and metric.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <boost/json/serialize.hpp>
#include <csignal>
#include <ctime>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "channels/smtp.hpp"
#include "tongban/bus/envelope.hpp"
#include "tongban/bus/producer.hpp"
#include "tongban/core/clock.hpp"
#include "tongban/core/ids.hpp"
#include "tongban/http/client.hpp"
#include "tongban/http/router.hpp"
#include "tongban/http/server.hpp"
#include "tongban/testing/json.hpp"
#include "tongban/testing/process.hpp"
#include "tongban/testing/stack.hpp"

namespace {

using namespace std::chrono_literals;
using tongban::http::Method;
using tongban::http::Response;
using tongban::testing::ChildProcess;
using tongban::testing::parse_object;
using tongban::testing::read_file;
using tongban::testing::str;
namespace json = boost::json;
namespace fs = std::filesystem;

constexpr const char* kCasesTopic = "tongban.delegation.cases.v1";
constexpr const char* kCatalogTopic = "tongban.catalog.items.v1";
constexpr const char* kNanjing = "320100";   // the receiving place
constexpr const char* kHangzhou = "330100";  // the accepting place
constexpr const char* kStaffMailbox = "accept@hz.example.gov.cn";
constexpr const char* kFrom = "noreply@tongban.example.org";
constexpr const char* kWebhookSecret = "s3cret-hmac-key";
// Waits for conditions only (never a speed assertion): generous for a loaded machine.
constexpr auto kWait = 120s;

bool eventually(const std::function<bool()>& probe, std::chrono::seconds deadline = kWait) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    if (probe()) return true;
    std::this_thread::sleep_for(100ms);
  }
  return probe();
}

std::string lf(std::string s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n') continue;
    out += s[i];
  }
  return out;
}

std::string hmac_hex(std::string_view key, std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  std::size_t len = 0;
  char digest[] = "SHA256";
  EVP_Q_mac(nullptr, "HMAC", nullptr, digest, nullptr, key.data(), key.size(),
            reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac.data(),
            mac.size(), &len);
  std::string out;
  char buf[3];
  for (std::size_t i = 0; i < len; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", mac[i]);
    out += buf;
  }
  return out;
}

// A free loopback port below the kernel's ephemeral range (32768 and up here), so a
// receiver stopped by a test can listen on it again: an ephemeral port may meanwhile be
// some outgoing connection's local port.
int pick_port() {
  static std::mt19937 gen(std::random_device{}());
  for (int i = 0; i < 200; ++i) {
    const int port = 20000 + static_cast<int>(gen() % 12000);
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool free = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(fd);
    if (free) return port;
  }
  return 0;
}

// The SMTP server: aiosmtpd under Debian's python, one JSON file per accepted message.
class SmtpSink {
 public:
  explicit SmtpSink(fs::path dir) : dir_(std::move(dir)) { fs::create_directories(dir_); }
  bool start(int port = pick_port()) {
    process_ = std::make_unique<ChildProcess>(
        "/usr/bin/python3",
        std::vector<std::string>{TONGBAN_SMTP_SINK, "--dir", dir_.string(), "--port",
                                 std::to_string(port)},
        std::map<std::string, std::string>{});
    auto p = process_->wait_for_port(60s);
    if (p) port_ = *p;
    return p.has_value();
  }
  void stop() { process_.reset(); }  // SIGTERM: the port refuses connections
  int port() const { return port_; }
  std::string output() const { return process_ ? process_->output() : "(stopped)"; }

  // Every message received so far, as smtp_sink.py wrote it.
  std::vector<json::object> messages() const {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir_)) {
      if (e.path().extension() == ".json") files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    std::vector<json::object> out;
    for (const auto& f : files) out.push_back(parse_object(read_file(f)));
    return out;
  }
  // Messages whose X-Tongban-Case header is `case_id` (the test's own).
  std::vector<json::object> for_case(const std::string& case_id) const {
    std::vector<json::object> out;
    for (auto& m : messages()) {
      const auto* h = m.if_contains("headers");
      if (h && h->is_object() && str(h->as_object(), "X-Tongban-Case") == case_id) {
        out.push_back(std::move(m));
      }
    }
    return out;
  }

 private:
  fs::path dir_;
  int port_ = 0;
  std::unique_ptr<ChildProcess> process_;
};

// The webhook receiver: libs/http's server on a loopback port of its own, recording every
// POST; answers 503 to deliveries for the recipients in `refuse`.
class WebhookReceiver {
 public:
  struct Post {
    tongban::http::Headers headers;
    std::string body;
    json::object json;
  };
  bool start(int port = pick_port()) {
    auto router = std::make_shared<tongban::http::Router>();
    router->post("/hooks/tongban", [this](tongban::http::Request& req) {
      Post p{req.headers, req.body, parse_object(req.body)};
      std::lock_guard lock(m_);
      const bool refused = refuse_.count(str(p.json, "recipient")) > 0;
      posts_.push_back(std::move(p));
      return refused ? Response::json(503, json::object{{"error", "busy"}}) : Response::empty(204);
    });
    tongban::http::ServerOptions o;
    o.address = "127.0.0.1";
    o.port = static_cast<std::uint16_t>(port);
    o.worker_threads = 2;
    auto s = tongban::http::Server::start(o, router, nullptr);
    if (!s) {
      error_ = s.error().message;
      return false;
    }
    server_ = std::move(*s);
    port_ = server_->port();
    return true;
  }
  void stop() {
    if (server_) server_->stop(1s);
    server_.reset();
  }
  ~WebhookReceiver() { stop(); }
  int port() const { return port_; }
  const std::string& error() const { return error_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hooks/tongban"; }
  void refuse(const std::string& recipient, bool on) {
    std::lock_guard lock(m_);
    if (on) {
      refuse_.insert(recipient);
    } else {
      refuse_.erase(recipient);
    }
  }
  std::vector<Post> for_case(const std::string& case_id) {
    std::lock_guard lock(m_);
    std::vector<Post> out;
    for (const auto& p : posts_) {
      if (str(p.json, "case_id") == case_id) out.push_back(p);
    }
    return out;
  }
  std::vector<Post> all() {
    std::lock_guard lock(m_);
    return posts_;
  }

 private:
  std::mutex m_;
  std::vector<Post> posts_;
  std::set<std::string> refuse_;
  std::unique_ptr<tongban::http::Server> server_;
  int port_ = 0;
  std::string error_;
};

class NotifyTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto kafka = tongban::testing::server_from_env("TONGBAN_TEST_KAFKA");
    if (!kafka) return;
    kafka_ = *kafka;
    const auto run = tongban::ids::random_hex(4);
    tmp_ = fs::temp_directory_path() / ("notify-it-" + run);
    group_ = "notify-test-" + run;
    tongban::testing::StackOptions so;
    so.kafka = kafka_;
    so.binaries.identity = TONGBAN_IDENTITY_BIN;  // identity alone: tokens for the test
    stack_ = new tongban::testing::Stack(so);
    if (!stack_->error().empty()) {
      setup_error_ = stack_->error();
      return;
    }
    sink_ = new SmtpSink(tmp_ / "mail");
    if (!sink_->start()) {
      setup_error_ = "smtp sink did not start: " + sink_->output();
      return;
    }
    webhook_ = new WebhookReceiver();
    if (!webhook_->start()) {
      setup_error_ = "webhook receiver did not start: " + webhook_->error();
      return;
    }
    redis_ = new tongban::testing::PrivateRedis();
    if (!redis_->ready()) {
      setup_error_ = "redis did not start";
      return;
    }
    notify_ = new ChildProcess(
        TONGBAN_NOTIFY_BIN, {},
        {{"TONGBAN_HTTP_PORT", "0"},
         {"TONGBAN_HTTP_ADDR", "127.0.0.1"},
         {"TONGBAN_REDIS_ADDR", redis_->address()},
         {"TONGBAN_KAFKA_BOOTSTRAP", kafka_},
         {"TONGBAN_JWKS_URL", stack_->identity_url() + "/.well-known/jwks.json"},
         {"TONGBAN_NOTIFY_GROUP", group_},
         {"TONGBAN_NOTIFY_SMTP_HOST", "127.0.0.1"},
         {"TONGBAN_NOTIFY_SMTP_PORT", std::to_string(sink_->port())},
         {"TONGBAN_NOTIFY_SMTP_FROM", kFrom},
         {"TONGBAN_NOTIFY_WEBHOOK_URL", webhook_->url()},
         {"TONGBAN_NOTIFY_WEBHOOK_SECRET", kWebhookSecret},
         {"TONGBAN_NOTIFY_STAFF_EMAILS", std::string(kHangzhou) + "=" + kStaffMailbox},
         {"TONGBAN_NOTIFY_SEND_TIMEOUT", "5000"},
         // Enough attempts to outlive a receiver restarted under load (at least 18 s of
         // waits before the 10th); few enough that the dead-delivery test ends within 40 s.
         {"TONGBAN_NOTIFY_MAX_ATTEMPTS", "10"},
         {"TONGBAN_NOTIFY_RETRY_BASE", "500"},
         {"TONGBAN_NOTIFY_RETRY_MAX", "6000"},
         {"TONGBAN_NOTIFY_POLL_INTERVAL", "100"}});
    auto port = notify_->wait_for_port(120s);
    if (!port) {
      setup_error_ = "notify did not start:\n" + notify_->output();
      return;
    }
    base_ = "http://127.0.0.1:" + std::to_string(*port);
    auto producer =
        tongban::bus::Producer::create(tongban::bus::KafkaConfig{kafka_, "notify-test", {}});
    if (!producer) {
      setup_error_ = "producer: " + producer.error().message;
      return;
    }
    producer_ = producer->release();
    warm_up();
  }

  static void TearDownTestSuite() {
    delete notify_;
    delete producer_;
    delete webhook_;
    delete sink_;
    delete redis_;
    delete stack_;
    notify_ = nullptr;
    producer_ = nullptr;
    webhook_ = nullptr;
    sink_ = nullptr;
    redis_ = nullptr;
    stack_ = nullptr;
    std::error_code ec;
    fs::remove_all(tmp_, ec);
  }

  // notify's case consumer starts at the end of the topic (a new group skips the past): until
  // its partitions are assigned and positioned, an event may pass it by. So the suite sends
  // probe events until one arrives — the same probes teach it an item's name through the
  // catalog topic (read from the start), which the subject then shows.
  static void warm_up() {
    auto [subject, token] = stack_->citizen(kNanjing);
    if (token.empty()) {
      setup_error_ = "no citizen";
      return;
    }
    auto r = request(Method::put, "/v1/me/preferences", token,
                     R"({"channels":{"email":false,"webhook":true},"language":"zh"})");
    if (r.status != 200) {
      setup_error_ = "preferences: " + std::to_string(r.status) + " " + r.body;
      return;
    }
    // catalog's code format (^[A-Z]{2}-[0-9]{4}$), a prefix no seeded item uses.
    item_code_ = "ZT-" + std::to_string(1000 + std::random_device{}() % 9000);
    const auto version = std::to_string(std::time(nullptr));
    publish(kCatalogTopic, tongban::bus::Envelope::make(
                               "/tongban/catalog", "tongban.catalog.item_published.v1", item_code_,
                               json::object{{"code", item_code_},
                                            {"version", std::stoll(version)},
                                            {"item",
                                             {{"code", item_code_},
                                              {"name_zh", kItemZh},
                                              {"name_en", "Household registration transfer"}}}}));
    const auto until = std::chrono::steady_clock::now() + 180s;
    while (std::chrono::steady_clock::now() < until) {
      const auto probe = "warmup-" + tongban::ids::random_hex(6);
      publish(kCasesTopic, case_event(probe, "case_received", subject));
      const bool arrived = eventually(
          [&] {
            for (const auto& p : webhook_->for_case(probe)) {
              if (str(p.json, "text").find(kItemZh) != std::string::npos) return true;
            }
            return false;
          },
          3s);
      if (arrived) return;
    }
    setup_error_ = "no probe event reached the webhook within 3 min:\n" + notify_->output();
  }

  void SetUp() override {
    if (kafka_.empty()) {
      if (tongban::testing::servers_required()) FAIL() << "TONGBAN_TEST_KAFKA is not set";
      GTEST_SKIP() << "TONGBAN_TEST_KAFKA not set: scripts/test-env start";
    }
    ASSERT_TRUE(setup_error_.empty()) << setup_error_;
  }
  void TearDown() override {
    if (HasFailure() && notify_) std::cerr << notify_->output().substr(0, 40000);
  }

  static Response request(Method m, const std::string& path, const std::string& token,
                          const std::string& body = {}) {
    tongban::http::Headers h;
    if (!body.empty()) h.emplace_back("Content-Type", "application/json");
    if (!token.empty()) h.emplace_back("Authorization", "Bearer " + token);
    tongban::http::Client c;
    auto r = c.request(m, base_ + path, h, body);
    return r ? *r : Response{0, {}, r.error().message};
  }

  static void publish(const char* topic, const tongban::bus::Envelope& e) {
    auto r = producer_->produce_sync(tongban::bus::to_message(topic, e), 10s);
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
  }

  // A case event as delegation writes it (docs/events/asyncapi.yaml CaseTransition).
  static tongban::bus::Envelope case_event(const std::string& case_id, const std::string& kind,
                                           const std::string& applicant, json::object extra = {}) {
    std::string state = kind.substr(5);
    for (auto& c : state) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    json::object data{
        {"case_id", case_id},
        {"receiving_city", kNanjing},
        {"accepting_city", kHangzhou},
        {"applicant", applicant},
        {"item_code", item_code_},
        {"item_version", 1},
        {"state", state},
        {"previous_state", nullptr},
        {"action", kind.substr(5)},
        {"version", 2},
        {"agreement_id", "agr-test"},
        {"agreement_version", 1},
        {"actor", {{"subject", "clerk-1"}, {"city", kNanjing}, {"department", "窗口"}}},
        {"reason", ""},
        {"at", "2026-03-01T10:15:00.000Z"}};
    for (auto& [k, v] : extra) data[k] = v;
    return tongban::bus::Envelope::make(
        "/tongban/delegation/test", "tongban.delegation." + kind + ".v1", case_id, std::move(data));
  }

  // A citizen with preferences; {subject, token}.
  static std::pair<std::string, std::string> citizen(bool email, bool webhook,
                                                     const std::string& language = "zh") {
    auto [subject, token] = stack_->citizen(kNanjing);
    const auto address = "c" + tongban::ids::random_hex(4) + "@mail.example.cn";
    json::object body{{"channels", {{"email", email}, {"webhook", webhook}}},
                      {"email", email ? json::value(address) : json::value(nullptr)},
                      {"language", language}};
    auto r = request(Method::put, "/v1/me/preferences", token, json::serialize(body));
    EXPECT_EQ(r.status, 200) << r.body;
    return {subject, token};
  }

  static json::array notifications(const std::string& token) {
    auto r = request(Method::get, "/v1/me/notifications", token);
    if (r.status != 200) return {};
    auto o = parse_object(r.body);
    const auto* n = o.if_contains("notifications");
    return n && n->is_array() ? n->as_array() : json::array{};
  }

  static std::string new_case() { return "case-" + tongban::ids::random_hex(8); }

  static constexpr const char* kItemZh = "户口迁移（测试）";
  static inline std::string kafka_, group_, base_, setup_error_, item_code_;
  static inline fs::path tmp_;
  static inline tongban::testing::Stack* stack_ = nullptr;
  static inline tongban::testing::PrivateRedis* redis_ = nullptr;
  static inline SmtpSink* sink_ = nullptr;
  static inline WebhookReceiver* webhook_ = nullptr;
  static inline ChildProcess* notify_ = nullptr;
  static inline tongban::bus::Producer* producer_ = nullptr;
};

TEST_F(NotifyTest, a_case_event_becomes_an_email_and_a_signed_webhook_post_for_the_applicant) {
  auto [subject, token] = citizen(true, true);
  auto prefs = parse_object(request(Method::get, "/v1/me/preferences", token).body);
  const auto address = str(prefs, "email");
  const auto id = new_case();
  // A reason with a line holding a single dot: without dot-stuffing it would end DATA early.
  const std::string reason = "缺少户口簿原件。\n.\n..请补交后重新提交 (line 3)";
  const auto e = case_event(id, "case_supplement_requested", subject, {{"reason", reason}});
  publish(kCasesTopic, e);

  ASSERT_TRUE(eventually([&] { return !sink_->for_case(id).empty(); })) << sink_->output();
  const auto mail = sink_->for_case(id).at(0);
  EXPECT_EQ(str(mail, "mail_from"), kFrom);
  EXPECT_EQ(json::serialize(mail.at("rcpt_tos")),
            json::serialize(json::array{json::value(address)}));
  const auto& headers = mail.at("headers").as_object();
  const auto& raw = mail.at("raw_headers").as_object();
  // As a mail reader shows it, and as it travelled: RFC 2047 encoded-words.
  EXPECT_EQ(str(mail, "subject"), std::string("【跨城通办】请补正材料：") + kItemZh);
  EXPECT_TRUE(str(raw, "Subject").starts_with("=?UTF-8?B?")) << str(raw, "Subject");
  EXPECT_EQ(str(headers, "To"), address);
  EXPECT_NE(str(headers, "From").find(kFrom), std::string::npos);
  EXPECT_TRUE(str(headers, "From").starts_with("通办 tongban")) << str(headers, "From");
  EXPECT_NE(str(headers, "Content-Type").find("charset=\"UTF-8\""), std::string::npos)
      << str(headers, "Content-Type");
  EXPECT_EQ(str(headers, "X-Tongban-Event"), "case_supplement_requested");
  EXPECT_EQ(str(headers, "Auto-Submitted"), "auto-generated");
  EXPECT_TRUE(str(headers, "Message-ID").ends_with("@tongban.example.org>"));
  // aiosmtpd offers 8BITMIME: the UTF-8 body travels as it is.
  EXPECT_EQ(str(headers, "Content-Transfer-Encoding"), "8bit");
  EXPECT_NE(json::serialize(mail.at("mail_options")).find("BODY=8BITMIME"), std::string::npos);
  const auto body = lf(str(mail, "body"));
  EXPECT_NE(body.find("您的申请（办件编号 " + id + "）需要补正材料"), std::string::npos) << body;
  EXPECT_NE(body.find("\n" + reason + "\n"), std::string::npos) << body;

  ASSERT_TRUE(eventually([&] { return !webhook_->for_case(id).empty(); }));
  const auto post = webhook_->for_case(id).at(0);
  EXPECT_EQ(str(post.json, "event"), "case_supplement_requested");
  EXPECT_EQ(str(post.json, "recipient"), subject);
  EXPECT_EQ(str(post.json, "audience"), "applicant");
  EXPECT_NE(str(post.json, "text").find(reason), std::string::npos);
  const auto* key = tongban::http::find_header(post.headers, "Idempotency-Key");
  const auto* sig = tongban::http::find_header(post.headers, "X-Tongban-Signature");
  ASSERT_TRUE(key && sig);
  EXPECT_EQ(*key, str(post.json, "id"));
  EXPECT_EQ(*sig, "sha256=" + hmac_hex(kWebhookSecret, post.body));
  // The email's Message-ID is the email delivery's id.
  const auto mail_id = str(headers, "Message-ID");

  // The applicant's history: both, delivered.
  ASSERT_TRUE(eventually([&] {
    int delivered = 0;
    for (const auto& n : notifications(token)) {
      const auto& o = n.as_object();
      if (str(o, "case_id") == id && str(o, "status") == "delivered") ++delivered;
    }
    return delivered == 2;
  })) << json::serialize(notifications(token));
  bool found_mail_id = false;
  for (const auto& n : notifications(token)) {
    const auto& o = n.as_object();
    if (str(o, "channel") == "email" && str(o, "case_id") == id) {
      found_mail_id = mail_id == "<" + str(o, "id") + "@tongban.example.org>";
      EXPECT_EQ(str(o, "address"), address);
      EXPECT_EQ(o.at("attempts").as_int64(), 1);
    }
  }
  EXPECT_TRUE(found_mail_id) << mail_id;
}

TEST_F(NotifyTest, staff_of_the_accepting_city_hear_of_a_case_forwarded_to_them) {
  auto [subject, token] = citizen(false, false);
  const auto id = new_case();
  publish(kCasesTopic, case_event(id, "case_forwarded", subject));
  ASSERT_TRUE(eventually([&] { return !sink_->for_case(id).empty(); }));
  const auto mail = sink_->for_case(id).at(0);
  EXPECT_EQ(json::serialize(mail.at("rcpt_tos")),
            json::serialize(json::array{json::value(kStaffMailbox)}));
  EXPECT_EQ(str(mail, "subject"),
            std::string("【跨城通办】新转入办件：") + kItemZh + "（来自南京市）");
  EXPECT_NE(lf(str(mail, "body")).find("办件编号：" + id), std::string::npos);
  EXPECT_TRUE(notifications(token).empty());  // the opted-out applicant heard nothing
}

TEST_F(NotifyTest, an_english_speaking_applicant_gets_english) {
  auto [subject, token] = citizen(true, false, "en");
  const auto id = new_case();
  publish(kCasesTopic, case_event(id, "case_accepted", subject));
  ASSERT_TRUE(eventually([&] { return !sink_->for_case(id).empty(); }));
  const auto mail = sink_->for_case(id).at(0);
  EXPECT_EQ(str(mail, "subject"),
            "[Cross-city service] Accepted by Hangzhou: Household registration transfer");
  EXPECT_NE(lf(str(mail, "body")).find("Hangzhou accepted case " + id), std::string::npos);
}

TEST_F(NotifyTest, a_redelivered_event_is_sent_once) {
  auto [subject, token] = citizen(true, true);
  const auto id = new_case();
  const auto e = case_event(id, "case_accepted", subject);
  publish(kCasesTopic, e);
  publish(kCasesTopic, e);
  // A later event of the same case travels behind the copies (one key, one partition):
  // once its messages are here, the copies have been handled.
  const auto marker = case_event(id, "case_approved", subject);
  publish(kCasesTopic, marker);
  publish(kCasesTopic, e);
  const auto marker2 = case_event(id, "case_completed", subject);
  publish(kCasesTopic, marker2);
  ASSERT_TRUE(eventually(
      [&] { return sink_->for_case(id).size() >= 3 && webhook_->for_case(id).size() >= 3; }));
  // And what the dispatcher had in hand is done too.
  ASSERT_TRUE(eventually([&] {
    int delivered = 0;
    for (const auto& n : notifications(token)) {
      if (str(n.as_object(), "status") == "delivered") ++delivered;
    }
    return delivered == 6;
  })) << json::serialize(notifications(token));
  std::map<std::string, int> mails, posts;
  for (const auto& m : sink_->for_case(id))
    ++mails[str(m.at("headers").as_object(), "X-Tongban-Event")];
  for (const auto& p : webhook_->for_case(id)) ++posts[str(p.json, "event")];
  EXPECT_EQ(mails, (std::map<std::string, int>{
                       {"case_accepted", 1}, {"case_approved", 1}, {"case_completed", 1}}));
  EXPECT_EQ(posts, (std::map<std::string, int>{
                       {"case_accepted", 1}, {"case_approved", 1}, {"case_completed", 1}}));
  EXPECT_EQ(notifications(token).size(), 6U);
}

// An event no configured channel carries (a pre-examination: nobody is told) is passed by on
// its raw head, before it is decoded; the deliverable one behind it is not.
TEST_F(NotifyTest, an_event_nobody_is_told_of_is_passed_by_unread) {
  auto [subject, token] = citizen(true, true);
  const auto id = new_case();
  const auto passed_by = [&] {
    const auto name = "tongban_consumer_passed_by_total{group=\"" + group_ + "\"} ";
    const auto m = request(Method::get, "/metrics", "").body;
    const auto at = m.find(name);
    return at == std::string::npos ? -1.0 : std::stod(m.substr(at + name.size()));
  };
  const auto before = passed_by();
  ASSERT_GE(before, 0);
  publish(kCasesTopic, case_event(id, "case_pre_examined", subject));
  publish(kCasesTopic, case_event(id, "case_accepted", subject));  // one key: behind it
  ASSERT_TRUE(eventually([&] { return !sink_->for_case(id).empty(); }));
  EXPECT_EQ(passed_by() - before, 1);
  ASSERT_EQ(sink_->for_case(id).size(), 1U);
  EXPECT_EQ(str(sink_->for_case(id).at(0).at("headers").as_object(), "X-Tongban-Event"),
            "case_accepted");
}

TEST_F(NotifyTest, an_opted_out_channel_sends_nothing) {
  auto [quiet, quiet_token] = citizen(false, false);
  auto [webhook_only, webhook_token] = citizen(false, true);
  auto [marker, marker_token] = citizen(true, false);
  const auto id = new_case();
  publish(kCasesTopic, case_event(id, "case_received", quiet));
  publish(kCasesTopic, case_event(id, "case_accepted", webhook_only));
  // Behind them on the same partition: when its email is here, both were handled.
  publish(kCasesTopic, case_event(id, "case_approved", marker));
  ASSERT_TRUE(eventually([&] {
    for (const auto& m : sink_->for_case(id)) {
      if (str(m.at("headers").as_object(), "X-Tongban-Event") == "case_approved") return true;
    }
    return false;
  }));
  ASSERT_TRUE(eventually([&] { return !webhook_->for_case(id).empty(); }));
  EXPECT_EQ(sink_->for_case(id).size(), 1U);  // only the marker's
  const auto posts = webhook_->for_case(id);
  ASSERT_EQ(posts.size(), 1U);
  EXPECT_EQ(str(posts[0].json, "recipient"), webhook_only);
  EXPECT_TRUE(notifications(quiet_token).empty());
  EXPECT_EQ(notifications(webhook_token).size(), 1U);
}

TEST_F(NotifyTest, the_smtp_server_down_is_retried_until_it_is_back) {
  auto [subject, token] = citizen(true, false);
  const int port = sink_->port();
  sink_->stop();
  const auto id = new_case();
  publish(kCasesTopic, case_event(id, "case_received", subject));
  // Failed attempts, recorded with the reason, and still pending.
  ASSERT_TRUE(eventually([&] {
    for (const auto& n : notifications(token)) {
      const auto& o = n.as_object();
      if (str(o, "case_id") == id && o.at("attempts").as_int64() >= 2 &&
          str(o, "status") == "pending" && !str(o, "last_error").empty()) {
        return true;
      }
    }
    return false;
  })) << json::serialize(notifications(token));
  ASSERT_TRUE(sink_->start(port)) << sink_->output();
  ASSERT_TRUE(eventually([&] { return sink_->for_case(id).size() == 1; })) << sink_->output();
  ASSERT_TRUE(eventually([&] {
    for (const auto& n : notifications(token)) {
      const auto& o = n.as_object();
      if (str(o, "case_id") == id && str(o, "status") == "delivered") {
        return o.at("attempts").as_int64() >= 3;
      }
    }
    return false;
  })) << json::serialize(notifications(token));
}

TEST_F(NotifyTest, the_webhook_receiver_down_is_retried_until_it_is_back) {
  auto [subject, token] = citizen(false, true);
  const int port = webhook_->port();
  webhook_->stop();
  const auto id = new_case();
  publish(kCasesTopic,
          case_event(id, "case_rejected", subject, {{"reason", "不属于本地受理范围"}}));
  ASSERT_TRUE(eventually([&] {
    for (const auto& n : notifications(token)) {
      const auto& o = n.as_object();
      if (str(o, "case_id") == id && o.at("attempts").as_int64() >= 2) return true;
    }
    return false;
  })) << json::serialize(notifications(token));
  ASSERT_TRUE(webhook_->start(port)) << webhook_->error();
  ASSERT_TRUE(eventually([&] { return webhook_->for_case(id).size() == 1; }));
  EXPECT_NE(str(webhook_->for_case(id)[0].json, "text").find("不属于本地受理范围"),
            std::string::npos);
}

TEST_F(NotifyTest, a_receiver_that_keeps_refusing_leaves_a_dead_delivery_visible_to_operators) {
  auto [subject, token] = citizen(false, true);
  webhook_->refuse(subject, true);
  const auto id = new_case();
  publish(kCasesTopic, case_event(id, "case_completed", subject));
  std::string delivery;
  ASSERT_TRUE(eventually([&] {
    for (const auto& n : notifications(token)) {
      const auto& o = n.as_object();
      if (str(o, "case_id") == id && str(o, "status") == "dead") {
        delivery = str(o, "id");
        return true;
      }
    }
    return false;
  })) << json::serialize(notifications(token));
  EXPECT_EQ(webhook_->for_case(id).size(), 10U);  // TONGBAN_NOTIFY_MAX_ATTEMPTS

  const auto admin = stack_->admin_token();
  auto dead = request(Method::get, "/v1/deliveries?status=dead", admin);
  ASSERT_EQ(dead.status, 200) << dead.body;
  EXPECT_NE(dead.body.find(delivery), std::string::npos);
  EXPECT_NE(dead.body.find("HTTP 503"), std::string::npos);
  EXPECT_EQ(request(Method::get, "/v1/deliveries?status=dead", token).status, 403);
  EXPECT_EQ(request(Method::get, "/v1/deliveries?status=gone", admin).status, 422);
  auto metrics = request(Method::get, "/metrics", "");
  EXPECT_NE(metrics.body.find("tongban_notify_deliveries_dead_total{channel=\"webhook\"}"),
            std::string::npos);
  ASSERT_TRUE(eventually([&] {
    const std::string name = "\ntongban_notify_dead_deliveries ";
    auto m = request(Method::get, "/metrics", "").body;
    auto at = m.find(name);
    return at != std::string::npos && std::stod(m.substr(at + name.size())) >= 1;
  }));

  // An operator puts it back once the receiver accepts again.
  webhook_->refuse(subject, false);
  EXPECT_EQ(request(Method::post, "/v1/deliveries/" + delivery + "/retry", token).status, 403);
  auto again = request(Method::post, "/v1/deliveries/" + delivery + "/retry", admin);
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(str(parse_object(again.body), "status"), "pending");
  ASSERT_TRUE(eventually([&] {
    auto d = parse_object(request(Method::get, "/v1/deliveries/" + delivery, admin).body);
    return str(d, "status") == "delivered";
  }));
  EXPECT_EQ(request(Method::post, "/v1/deliveries/" + delivery + "/retry", admin).status, 409);
  EXPECT_EQ(request(Method::post, "/v1/deliveries/nosuch/retry", admin).status, 404);
}

TEST_F(NotifyTest, bad_preference_bodies_get_422_naming_field_and_rule) {
  auto [subject, token] = stack_->citizen(kNanjing);
  struct Case {
    const char* body;
    const char* field;
    const char* rule;
  };
  for (
      const auto& c : std::vector<Case>{
          {R"({"channels":{"email":true,"webhook":false},"email":"not an address","language":"zh"})",
           "email", "email_format"},
          {R"({"channels":{"email":true,"webhook":false},"language":"zh"})", "email",
           "required_for_email_channel"},
          {R"({"channels":{"email":false,"webhook":false,"sms":true},"language":"zh"})",
           "channels.sms", "unknown_channel"},
          {R"({"channels":{"email":false,"webhook":"yes"},"language":"zh"})", "channels.webhook",
           "type"},
          {R"({"channels":{"email":false,"webhook":false},"language":"fr"})", "language", "enum"},
          {R"({"channels":{"email":false,"webhook":false},"language":"zh","subject":"x"})",
           "subject", "unknown_member"},
          {R"({"language":"zh"})", "channels", "required"}}) {
    auto r = request(Method::put, "/v1/me/preferences", token, c.body);
    EXPECT_EQ(r.status, 422) << c.body << " -> " << r.body;
    auto p = parse_object(r.body);
    EXPECT_EQ(str(p, "field"), c.field) << r.body;
    EXPECT_EQ(str(p, "rule"), c.rule) << r.body;
  }
  EXPECT_EQ(request(Method::put, "/v1/me/preferences", token, "{not json").status, 400);
  EXPECT_EQ(request(Method::put, "/v1/me/preferences", "",
                    R"({"channels":{"email":false,"webhook":false},"language":"zh"})")
                .status,
            401);
  EXPECT_EQ(request(Method::get, "/v1/me/preferences", "forged.token.value").status, 401);
  // Nothing half-written: the defaults are still there.
  auto p = parse_object(request(Method::get, "/v1/me/preferences", token).body);
  EXPECT_TRUE(p.at("email").is_null());
  EXPECT_TRUE(p.at("updated_at").is_null());
  EXPECT_EQ(request(Method::get, "/v1/me/notifications?limit=0", token).status, 422);
}

TEST_F(NotifyTest, staff_and_admins_change_only_their_own_preferences) {
  auto [subject, token] = citizen(false, true, "en");
  const auto before = request(Method::get, "/v1/me/preferences", token).body;
  const auto admin = stack_->admin_token();
  const auto clerk = stack_->staff(kHangzhou, "clerk");
  for (const auto& t : {admin, clerk}) {
    auto r = request(
        Method::put, "/v1/me/preferences", t,
        R"({"channels":{"email":true,"webhook":false},"email":"ops@example.cn","language":"zh"})");
    EXPECT_EQ(r.status, 200) << r.body;
    // There is no route to another subject's preferences.
    EXPECT_EQ(request(Method::put, "/v1/subjects/" + subject + "/preferences", t,
                      R"({"channels":{"email":false,"webhook":false},"language":"zh"})")
                  .status,
              404);
  }
  EXPECT_EQ(request(Method::get, "/v1/me/preferences", token).body, before);
  EXPECT_EQ(str(parse_object(request(Method::get, "/v1/me/preferences", admin).body), "email"),
            "ops@example.cn");
}

TEST_F(NotifyTest, health_readiness_and_the_openapi_document_are_served) {
  EXPECT_EQ(request(Method::get, "/healthz", "").status, 200);
  EXPECT_EQ(request(Method::get, "/readyz", "").status, 200);
  auto api = request(Method::get, "/openapi.yaml", "");
  EXPECT_EQ(api.status, 200);
  for (const char* path : {"/v1/me/preferences:", "/v1/me/notifications:", "/v1/deliveries:",
                           "/v1/deliveries/{id}/retry:"}) {
    EXPECT_NE(api.body.find(path), std::string::npos) << path;
  }
  // JSON logs: every line of the process is one JSON object.
  for (const auto& line : notify_->lines()) {
    if (line.empty()) continue;
    EXPECT_FALSE(parse_object(line).empty()) << line;
  }
}

// Last (tests run in the order written): SIGTERM ends the process cleanly.
TEST_F(NotifyTest, sigterm_drains_and_exits_zero) {
  notify_->signal(SIGTERM);
  EXPECT_EQ(notify_->wait(60s), 0) << notify_->output();
  EXPECT_TRUE(notify_->wait_for_log("consumer stopped", 1s));
}

// The SMTP client against the same real server with STARTTLS and AUTH required: a
// certificate made here with openssl, verified by host name; wrong credentials, a server
// without STARTTLS and an unknown CA are refused, each for its own reason.
class SmtpClient : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("notify-smtp-" + tongban::ids::random_hex(4));
    fs::create_directories(dir_);
    const auto cmd =
        "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 "
        "-addext subjectAltName=IP:127.0.0.1 -keyout " +
        (dir_ / "key.pem").string() + " -out " + (dir_ / "cert.pem").string() + " 2>/dev/null";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::unique_ptr<ChildProcess> start_sink(const std::vector<std::string>& extra, int& port) {
    std::vector<std::string> args{TONGBAN_SMTP_SINK, "--dir", (dir_ / "mail").string()};
    args.insert(args.end(), extra.begin(), extra.end());
    auto p = std::make_unique<ChildProcess>("/usr/bin/python3", args,
                                            std::map<std::string, std::string>{});
    auto got = p->wait_for_port(60s);
    port = got.value_or(0);
    return p;
  }
  tongban::notify::SmtpOptions options(int port) {
    tongban::notify::SmtpOptions o;
    o.host = "127.0.0.1";
    o.port = port;
    o.from_address = kFrom;
    o.from_name = "通办";
    o.starttls = true;
    o.ca_file = (dir_ / "cert.pem").string();
    o.username = "relay-user";
    o.password = "relay-pass";
    o.timeout = 20s;
    return o;
  }
  static tongban::notify::EmailMessage message() {
    tongban::notify::EmailMessage m;
    m.from_name = "通办";
    m.from_address = kFrom;
    m.to = "li.hua@example.cn";
    m.subject = "测试 TLS";
    m.body = "正文\n.\n结束";
    m.message_id = "tls-test@tongban.example.org";
    m.date = std::chrono::system_clock::now();
    return m;
  }
  fs::path dir_;
};

TEST_F(SmtpClient, sends_over_starttls_with_auth_plain_to_a_server_requiring_both) {
  int port = 0;
  auto sink = start_sink({"--tls", (dir_ / "cert.pem").string(), (dir_ / "key.pem").string(),
                          "--auth", "relay-user:relay-pass"},
                         port);
  ASSERT_NE(port, 0) << sink->output();
  auto r = tongban::notify::smtp_send(options(port), message());
  ASSERT_TRUE(r) << r.error().message << "\n" << sink->output();
  EXPECT_TRUE(r->tls);
  SmtpSink reader(dir_ / "mail");
  ASSERT_TRUE(eventually([&] { return reader.messages().size() == 1; }));
  const auto m = reader.messages().at(0);
  EXPECT_TRUE(m.at("tls").as_bool());
  EXPECT_TRUE(m.at("authenticated").as_bool());
  EXPECT_EQ(str(m, "subject"), "测试 TLS");
  EXPECT_EQ(lf(str(m, "body")), "正文\n.\n结束\n");
}

TEST_F(SmtpClient, wrong_credentials_are_refused_for_good) {
  int port = 0;
  auto sink = start_sink({"--tls", (dir_ / "cert.pem").string(), (dir_ / "key.pem").string(),
                          "--auth", "relay-user:other"},
                         port);
  ASSERT_NE(port, 0) << sink->output();
  auto r = tongban::notify::smtp_send(options(port), message());
  ASSERT_FALSE(r);
  EXPECT_FALSE(r.error().retryable) << r.error().message;
  EXPECT_NE(r.error().message.find("AUTH: 535"), std::string::npos) << r.error().message;
}

TEST_F(SmtpClient, a_server_without_starttls_gets_nothing_when_tls_is_required) {
  int port = 0;
  auto sink = start_sink({}, port);
  ASSERT_NE(port, 0) << sink->output();
  auto r = tongban::notify::smtp_send(options(port), message());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("does not offer STARTTLS"), std::string::npos)
      << r.error().message;
  EXPECT_FALSE(fs::exists(dir_ / "mail") && !fs::is_empty(dir_ / "mail"));
}

TEST_F(SmtpClient, a_certificate_from_an_unknown_ca_fails_the_handshake) {
  int port = 0;
  auto sink =
      start_sink({"--tls", (dir_ / "cert.pem").string(), (dir_ / "key.pem").string()}, port);
  ASSERT_NE(port, 0) << sink->output();
  auto o = options(port);
  o.ca_file.clear();  // the system's CAs do not know it
  o.username.clear();
  auto r = tongban::notify::smtp_send(o, message());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("TLS handshake"), std::string::npos) << r.error().message;
}

TEST_F(SmtpClient, a_closed_port_is_a_retryable_failure) {
  int port = 0;
  { auto sink = start_sink({}, port); }  // started and stopped: nothing listens now
  ASSERT_NE(port, 0);
  auto o = options(port);
  o.starttls = false;
  o.username.clear();
  auto r = tongban::notify::smtp_send(o, message());
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().retryable) << r.error().message;
}

}  // namespace
