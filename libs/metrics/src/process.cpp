#include <dirent.h>
#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>

#include "tongban/metrics/registry.hpp"

namespace tongban::metrics {
namespace {

prometheus::MetricFamily gauge(std::string name, std::string help, double value,
                               prometheus::MetricType type = prometheus::MetricType::Gauge) {
  prometheus::MetricFamily f;
  f.name = std::move(name);
  f.help = std::move(help);
  f.type = type;
  prometheus::ClientMetric m;
  if (type == prometheus::MetricType::Counter) {
    m.counter.value = value;
  } else {
    m.gauge.value = value;
  }
  f.metric.push_back(std::move(m));
  return f;
}

class ProcessCollector final : public prometheus::Collectable {
 public:
  ProcessCollector()
      : start_(std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
                   .count()) {}

  std::vector<prometheus::MetricFamily> Collect() const override {
    std::vector<prometheus::MetricFamily> out;
    const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
    const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
    std::ifstream statm("/proc/self/statm");
    double size = 0, resident = 0;
    if (statm >> size >> resident) {
      out.push_back(gauge("process_resident_memory_bytes", "Resident memory", resident * page));
      out.push_back(gauge("process_virtual_memory_bytes", "Virtual memory", size * page));
    }
    std::ifstream stat("/proc/self/stat");
    std::string line;
    if (std::getline(stat, line)) {
      // Fields after the ")" that closes the command name; utime and stime are 14 and 15.
      std::istringstream rest(line.substr(line.rfind(')') + 2));
      std::string field;
      double utime = 0, stime = 0;
      for (int i = 3; i <= 15 && rest >> field; ++i) {
        if (i == 14) utime = std::stod(field);
        if (i == 15) stime = std::stod(field);
      }
      out.push_back(gauge("process_cpu_seconds_total", "User and system CPU time",
                          (utime + stime) / ticks, prometheus::MetricType::Counter));
    }
    if (DIR* d = opendir("/proc/self/fd")) {
      double n = 0;
      while (readdir(d)) ++n;
      closedir(d);
      out.push_back(gauge("process_open_fds", "Open file descriptors", n - 2));
    }
    out.push_back(gauge("process_start_time_seconds", "Start time since the epoch", start_));
    return out;
  }

 private:
  double start_;
};

}  // namespace

void register_process_metrics(Registry& registry) {
  registry.add_collectable(std::make_shared<ProcessCollector>());
}

}  // namespace tongban::metrics
