// The bucket arithmetic follows HdrHistogram (public domain, Gil Tene et al.) so that its
// tools read what we write: same layout, same equivalence ranges, same V2 encoding.
#include "tongban/loadgen/histogram.hpp"

#include <openssl/evp.h>
#include <zlib.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace tongban::loadgen {
namespace {

constexpr std::uint32_t kV2EncodingCookie = 0x1c849303 | 0x10;    // 8-byte words, LEB128
constexpr std::uint32_t kV2CompressedCookie = 0x1c849304 | 0x10;  // zlib of the above
constexpr std::uint32_t kCookieWordBits = 0xf0;
constexpr std::size_t kV2HeaderSize = 40;
// A corrupt or hostile input must not make us allocate gigabytes.
constexpr std::size_t kMaxDecodedSize = 64u << 20;

void put_u32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}
void put_u64(std::vector<std::uint8_t>& out, std::uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}
std::uint64_t get_be(const std::uint8_t* p, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | p[i];
  return v;
}

// HdrHistogram's ZigZag LEB128: 7 bits a byte, the ninth byte carries a full 8 bits.
void put_zigzag(std::vector<std::uint8_t>& out, std::int64_t signed_value) {
  auto v = (static_cast<std::uint64_t>(signed_value) << 1) ^
           static_cast<std::uint64_t>(signed_value >> 63);
  for (int i = 0; i < 8; ++i) {
    if ((v >> 7) == 0) {
      out.push_back(static_cast<std::uint8_t>(v));
      return;
    }
    out.push_back(static_cast<std::uint8_t>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<std::uint8_t>(v));
}

bool get_zigzag(const std::uint8_t*& p, const std::uint8_t* end, std::int64_t& out) {
  std::uint64_t v = 0;
  int shift = 0;
  for (int i = 0; i < 9; ++i) {
    if (p == end) return false;
    const std::uint8_t b = *p++;
    if (i == 8) {
      v |= static_cast<std::uint64_t>(b) << shift;
      break;
    }
    v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) break;
    shift += 7;
  }
  out = static_cast<std::int64_t>((v >> 1) ^ (~(v & 1) + 1));
  return true;
}

}  // namespace

Histogram::Histogram(std::int64_t lowest, std::int64_t highest, int digits)
    : lowest_(lowest), highest_(highest), digits_(digits) {
  const auto largest_single_unit = 2 * static_cast<std::int64_t>(std::pow(10, digits));
  unit_magnitude_ = static_cast<int>(std::floor(std::log2(static_cast<double>(lowest))));
  const int sub_bucket_count_magnitude =
      static_cast<int>(std::ceil(std::log2(static_cast<double>(largest_single_unit))));
  sub_bucket_half_count_magnitude_ = std::max(sub_bucket_count_magnitude, 1) - 1;
  sub_bucket_count_ = 1 << (sub_bucket_half_count_magnitude_ + 1);
  sub_bucket_half_count_ = sub_bucket_count_ / 2;
  sub_bucket_mask_ = static_cast<std::int64_t>(sub_bucket_count_ - 1) << unit_magnitude_;

  std::int64_t smallest_untrackable = static_cast<std::int64_t>(sub_bucket_count_)
                                      << unit_magnitude_;
  int buckets = 1;
  while (smallest_untrackable <= highest) {
    if (smallest_untrackable > INT64_MAX / 2) {
      ++buckets;
      break;
    }
    smallest_untrackable <<= 1;
    ++buckets;
  }
  bucket_count_ = buckets;
  counts_.assign(static_cast<std::size_t>(bucket_count_ + 1) * sub_bucket_half_count_, 0);
}

Result<Histogram> Histogram::create(std::int64_t lowest, std::int64_t highest, int digits) {
  if (lowest < 1) return fail(Error::invalid("lowest", "min_1", "lowest must be at least 1"));
  if (highest < 2 * lowest) {
    return fail(Error::invalid("highest", "twice_lowest", "highest must be at least 2 * lowest"));
  }
  if (digits < 1 || digits > 5) {
    return fail(Error::invalid("digits", "range_1_5", "significant digits must be 1..5"));
  }
  return Histogram(lowest, highest, digits);
}

int Histogram::bucket_index(std::int64_t value) const {
  const int pow2ceiling =
      64 - std::countl_zero(static_cast<std::uint64_t>(value | sub_bucket_mask_));
  return pow2ceiling - unit_magnitude_ - (sub_bucket_half_count_magnitude_ + 1);
}

int Histogram::counts_index(std::int64_t value) const {
  const int bucket = bucket_index(value);
  const auto sub_bucket = static_cast<int>(value >> (bucket + unit_magnitude_));
  const int bucket_base = (bucket + 1) << sub_bucket_half_count_magnitude_;
  return bucket_base + (sub_bucket - sub_bucket_half_count_);
}

std::int64_t Histogram::value_at_index(int index) const {
  int bucket = (index >> sub_bucket_half_count_magnitude_) - 1;
  int sub_bucket = (index & (sub_bucket_half_count_ - 1)) + sub_bucket_half_count_;
  if (bucket < 0) {
    sub_bucket -= sub_bucket_half_count_;
    bucket = 0;
  }
  return static_cast<std::int64_t>(sub_bucket) << (bucket + unit_magnitude_);
}

std::int64_t Histogram::size_of_equivalent_range(std::int64_t value) const {
  const int bucket = bucket_index(value);
  const auto sub_bucket = static_cast<int>(value >> (bucket + unit_magnitude_));
  const int adjusted = sub_bucket >= sub_bucket_count_ ? bucket + 1 : bucket;
  return std::int64_t{1} << (unit_magnitude_ + adjusted);
}

std::int64_t Histogram::lowest_equivalent(std::int64_t value) const {
  const int bucket = bucket_index(value);
  const auto sub_bucket = value >> (bucket + unit_magnitude_);
  return sub_bucket << (bucket + unit_magnitude_);
}

std::int64_t Histogram::highest_equivalent(std::int64_t value) const {
  return lowest_equivalent(value) + size_of_equivalent_range(value) - 1;
}

std::int64_t Histogram::median_equivalent(std::int64_t value) const {
  return lowest_equivalent(value) + (size_of_equivalent_range(value) >> 1);
}

void Histogram::record(std::int64_t value, std::int64_t count) {
  if (count <= 0) return;
  if (value < 0) value = 0;
  if (value > highest_) {
    value = highest_;
    clamped_ += count;
  }
  const int index = counts_index(value);
  // highest_ may sit in a bucket past the array's end for odd layouts: keep it in range.
  counts_[std::min<std::size_t>(static_cast<std::size_t>(index), counts_.size() - 1)] += count;
  total_ += count;
  if (value < min_value_) min_value_ = value;
  if (value > max_value_) max_value_ = value;
}

void Histogram::record_corrected(std::int64_t value, std::int64_t expected_interval) {
  record(value);
  if (expected_interval <= 0) return;
  for (std::int64_t missing = value - expected_interval; missing >= expected_interval;
       missing -= expected_interval) {
    record(missing);
  }
}

void Histogram::merge(const Histogram& other) {
  if (other.total_ == 0) return;
  if (other.lowest_ == lowest_ && other.highest_ == highest_ && other.digits_ == digits_) {
    for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
    total_ += other.total_;
    clamped_ += other.clamped_;
    min_value_ = std::min(min_value_, other.min_value_);
    max_value_ = std::max(max_value_, other.max_value_);
    return;
  }
  for (std::size_t i = 0; i < other.counts_.size(); ++i) {
    if (other.counts_[i] == 0) continue;
    const auto v = other.value_at_index(static_cast<int>(i));
    record(i == 0 ? 0 : other.median_equivalent(v), other.counts_[i]);
  }
}

void Histogram::reset() {
  std::fill(counts_.begin(), counts_.end(), 0);
  total_ = 0;
  clamped_ = 0;
  min_value_ = INT64_MAX;
  max_value_ = 0;
}

std::int64_t Histogram::min() const {
  if (total_ == 0) return 0;
  if (counts_[0] > 0) return 0;
  return lowest_equivalent(min_value_);
}

std::int64_t Histogram::max() const { return total_ == 0 ? 0 : highest_equivalent(max_value_); }

double Histogram::mean() const {
  if (total_ == 0) return 0;
  double sum = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    if (counts_[i] == 0) continue;
    sum += static_cast<double>(counts_[i]) *
           static_cast<double>(median_equivalent(value_at_index(static_cast<int>(i))));
  }
  return sum / static_cast<double>(total_);
}

double Histogram::stddev() const {
  if (total_ == 0) return 0;
  const double m = mean();
  double sum = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    if (counts_[i] == 0) continue;
    const double dev =
        static_cast<double>(median_equivalent(value_at_index(static_cast<int>(i)))) - m;
    sum += dev * dev * static_cast<double>(counts_[i]);
  }
  return std::sqrt(sum / static_cast<double>(total_));
}

std::int64_t Histogram::value_at_percentile(double percentile) const {
  if (total_ == 0) return 0;
  const double requested = std::clamp(percentile, 0.0, 100.0);
  auto wanted = static_cast<std::int64_t>((requested / 100.0) * static_cast<double>(total_) + 0.5);
  wanted = std::max<std::int64_t>(wanted, 1);
  std::int64_t seen = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= wanted) return highest_equivalent(value_at_index(static_cast<int>(i)));
  }
  return max();
}

std::string Histogram::percentile_spectrum(double value_scale, int ticks_per_half_distance) const {
  std::string out;
  char line[512];
  std::snprintf(line, sizeof line, "%12s %12s %12s %12s\n\n", "Value", "Percentile", "TotalCount",
                "1/(1-Percentile)");
  out += line;
  char format[32];
  std::snprintf(format, sizeof format, "%%12.%df %%12f %%12lld %%12.2f\n", digits_);
  const auto emit = [&](std::int64_t value, double percentile, std::int64_t total) {
    const double p = percentile / 100.0;
    std::snprintf(line, sizeof line, format, static_cast<double>(value) / value_scale, p,
                  static_cast<long long>(total), 1.0 / (1.0 - p));
    out += line;
  };
  // HdrHistogram's percentile iterator: report ticks get denser as the percentile nears
  // 100 (ticks_per_half_distance per halving of the distance to 100 %).
  if (total_ > 0) {
    double iterate_to = 0;
    std::int64_t seen = 0;
    std::int64_t last_value = 0;
    for (std::size_t i = 0; i < counts_.size() && seen < total_; ++i) {
      seen += counts_[i];
      if (counts_[i] == 0) continue;
      last_value = highest_equivalent(value_at_index(static_cast<int>(i)));
      const double current = 100.0 * static_cast<double>(seen) / static_cast<double>(total_);
      while (iterate_to <= current) {
        emit(last_value, iterate_to, seen);
        const auto half_distance = static_cast<std::int64_t>(std::pow(
            2, static_cast<std::int64_t>(std::log(100 / (100.0 - iterate_to)) / std::log(2)) + 1));
        iterate_to += 100.0 / static_cast<double>(ticks_per_half_distance * half_distance);
        if (seen == total_) break;  // the last bucket reports once, then the 100 % line
      }
    }
    emit(last_value, 100.0, total_);
  }
  char footer_format[256];
  std::snprintf(footer_format, sizeof footer_format,
                "#[Mean    = %%12.%df, StdDeviation   = %%12.%df]\n"
                "#[Max     = %%12.%df, Total count    = %%12lld]\n"
                "#[Buckets = %%12d, SubBuckets     = %%12d]\n",
                digits_, digits_, digits_);
  std::snprintf(line, sizeof line, footer_format, mean() / value_scale, stddev() / value_scale,
                static_cast<double>(max()) / value_scale, static_cast<long long>(total_),
                bucket_count_, sub_bucket_count_);
  out += line;
  return out;
}

std::vector<std::uint8_t> Histogram::encode() const {
  std::vector<std::uint8_t> raw;
  raw.reserve(kV2HeaderSize + 64);
  put_u32(raw, kV2EncodingCookie);
  put_u32(raw, 0);  // payload length, filled below
  put_u32(raw, 0);  // normalizing index offset
  put_u32(raw, static_cast<std::uint32_t>(digits_));
  put_u64(raw, static_cast<std::uint64_t>(lowest_));
  put_u64(raw, static_cast<std::uint64_t>(highest_));
  put_u64(raw, std::bit_cast<std::uint64_t>(1.0));  // integer to double conversion ratio
  if (total_ > 0) {
    const std::size_t limit = std::min<std::size_t>(
        static_cast<std::size_t>(counts_index(max_value_)) + 1, counts_.size());
    for (std::size_t i = 0; i < limit;) {
      const std::int64_t c = counts_[i++];
      if (c != 0) {
        put_zigzag(raw, c);
        continue;
      }
      std::int64_t zeros = 1;
      while (i < limit && counts_[i] == 0) {
        ++zeros;
        ++i;
      }
      put_zigzag(raw, zeros > 1 ? -zeros : 0);
    }
  }
  const auto payload = static_cast<std::uint32_t>(raw.size() - kV2HeaderSize);
  for (int b = 0; b < 4; ++b) raw[4 + b] = static_cast<std::uint8_t>(payload >> (24 - 8 * b));

  uLongf bound = compressBound(static_cast<uLong>(raw.size()));
  std::vector<std::uint8_t> out(8 + bound);
  compress2(out.data() + 8, &bound, raw.data(), static_cast<uLong>(raw.size()),
            Z_DEFAULT_COMPRESSION);
  out.resize(8 + bound);
  for (int b = 0; b < 4; ++b) {
    out[b] = static_cast<std::uint8_t>(kV2CompressedCookie >> (24 - 8 * b));
    out[4 + b] = static_cast<std::uint8_t>(bound >> (24 - 8 * b));
  }
  return out;
}

Result<Histogram> Histogram::decode(std::span<const std::uint8_t> bytes) {
  const auto bad = [](std::string why) {
    return fail(Error::invalid("histogram", "hdr_v2", "not an HdrHistogram V2 encoding: " + why));
  };
  if (bytes.size() < 8) return bad("too short");
  const auto cookie = static_cast<std::uint32_t>(get_be(bytes.data(), 4));
  if ((cookie & ~kCookieWordBits) != (kV2CompressedCookie & ~kCookieWordBits)) {
    return bad("compressed cookie mismatch");
  }
  const auto compressed_len = get_be(bytes.data() + 4, 4);
  if (compressed_len > bytes.size() - 8) return bad("truncated");

  // Inflate in steps: the decoded size is not in the outer header.
  std::vector<std::uint8_t> raw;
  z_stream zs{};
  if (inflateInit(&zs) != Z_OK) return bad("zlib init");
  zs.next_in = const_cast<Bytef*>(bytes.data() + 8);
  zs.avail_in = static_cast<uInt>(compressed_len);
  int rc = Z_OK;
  while (rc == Z_OK) {
    if (raw.size() >= kMaxDecodedSize) break;
    const std::size_t have = raw.size();
    raw.resize(have + 64 * 1024);
    zs.next_out = raw.data() + have;
    zs.avail_out = 64 * 1024;
    rc = inflate(&zs, Z_NO_FLUSH);
    raw.resize(raw.size() - zs.avail_out);
  }
  inflateEnd(&zs);
  if (rc != Z_STREAM_END) return bad("zlib stream is corrupt or too large");
  if (raw.size() < kV2HeaderSize) return bad("inner header truncated");
  const auto inner = static_cast<std::uint32_t>(get_be(raw.data(), 4));
  if ((inner & ~kCookieWordBits) != (kV2EncodingCookie & ~kCookieWordBits)) {
    return bad("encoding cookie mismatch");
  }
  const auto payload_len = get_be(raw.data() + 4, 4);
  const auto normalizing = static_cast<std::int32_t>(get_be(raw.data() + 8, 4));
  const auto digits = static_cast<int>(get_be(raw.data() + 12, 4));
  const auto lowest = static_cast<std::int64_t>(get_be(raw.data() + 16, 8));
  const auto highest = static_cast<std::int64_t>(get_be(raw.data() + 24, 8));
  if (normalizing != 0) return bad("normalizing index offsets are not supported");
  if (payload_len > raw.size() - kV2HeaderSize) return bad("payload truncated");
  auto h = create(lowest, highest, digits);
  if (!h) return bad(h.error().message);
  const std::uint8_t* p = raw.data() + kV2HeaderSize;
  const std::uint8_t* end = p + payload_len;
  std::size_t index = 0;
  while (p < end) {
    std::int64_t v = 0;
    if (!get_zigzag(p, end, v)) return bad("counts truncated");
    if (v < 0) {
      index += static_cast<std::size_t>(-v);
      continue;
    }
    if (index >= h->counts_.size()) return bad("counts exceed the layout");
    if (v > 0) {
      const auto value = h->value_at_index(static_cast<int>(index));
      h->counts_[index] = v;
      h->total_ += v;
      h->min_value_ = std::min(h->min_value_, value);
      h->max_value_ = std::max(h->max_value_, value);
    }
    ++index;
  }
  return h;
}

std::string Histogram::to_base64() const {
  const auto bytes = encode();
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes.data(),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

Result<Histogram> Histogram::from_base64(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0) {
    return fail(Error::invalid("histogram", "base64", "not base64 of a multiple of 4 characters"));
  }
  std::vector<std::uint8_t> bytes(text.size() / 4 * 3);
  const int n = EVP_DecodeBlock(bytes.data(), reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0) return fail(Error::invalid("histogram", "base64", "not valid base64"));
  std::size_t len = static_cast<std::size_t>(n);
  // EVP_DecodeBlock counts padding as zero bytes.
  if (text.ends_with("==")) {
    len -= 2;
  } else if (text.ends_with("=")) {
    len -= 1;
  }
  bytes.resize(len);
  return decode(bytes);
}

}  // namespace tongban::loadgen
