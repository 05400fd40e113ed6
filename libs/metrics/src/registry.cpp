#include "tongban/metrics/registry.hpp"

#include <prometheus/text_serializer.h>

namespace tongban::metrics {

std::string Registry::serialize() const {
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

const prometheus::Histogram::BucketBoundaries& latency_buckets() {
  static const prometheus::Histogram::BucketBoundaries kBuckets{
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return kBuckets;
}

}  // namespace tongban::metrics
