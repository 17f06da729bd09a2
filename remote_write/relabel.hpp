#pragma once
// write_relabel_configs applied to one series' labels as Prometheus applies
// them before sending: the rules in order, each on the labels the previous
// left; keep/drop end the series. Regexes are anchored at both ends and
// replacements expand $1, ${1}, $name and ${name} as Go's Regexp.Expand does.
// A Relabeler is built once per destination (the regexes compile then) and
// is safe to use from any thread.

#include <memory>
#include <vector>

#include "exposition/model.hpp"
#include "remote_write/destination.hpp"
#include "remote_write/write_request.hpp"

namespace flowgate::remote_write {

class Relabeler {
 public:
  // The rules were checked when read (exporter/config/relabel_config.hpp):
  // a regex that does not compile is a bug here.
  explicit Relabeler(const std::vector<RelabelRule>& rules);
  Relabeler(Relabeler&&) noexcept;
  Relabeler& operator=(Relabeler&&) noexcept;
  ~Relabeler();

  // False when a rule drops the series; else `labels` is what goes out,
  // sorted by name, without empty values.
  bool apply(exposition::Labels& labels) const;
  // Every series relabelled; the dropped ones removed.
  void apply(std::vector<TimeSeries>& series) const;
  bool empty() const;

 private:
  struct Compiled;
  std::vector<Compiled> rules_;
};

}  // namespace flowgate::remote_write
