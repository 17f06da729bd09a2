#pragma once
// A destination's view of the pushed groups as it sent them, and the series
// each logged change (log_reader.hpp) makes: a PUT, POST or aggregating push
// the families it put, at the push's time (so a short-lived task's values
// arrive with the time they were pushed, not a round later); and a
// staleness marker for every series that ended with the change: all of a
// deleted, wiped or expired group's, and those a PUT (or a POST replacing a
// family) no longer carries. What was sent is kept as the store's own
// immutable families (shared, not copied). After a restart the view starts
// empty, so a series that ends in a change read before the first change of
// its group is not marked stale; queries stop showing it after the
// receiver's lookback instead. One per destination, used from one thread.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <boost/unordered/unordered_flat_map.hpp>

#include "exposition/model.hpp"
#include "pushgw/change.hpp"
#include "remote_write/write_request.hpp"

namespace flowgate::remote_write {

class SentGroups {
 public:
  // Takes a family a change put, at the push's time: true when it sent it
  // (DirectWriter), false to have it go the long way.
  using FamilySink = std::function<bool(const pushgw::StoredFamily& family, std::int64_t at_ms)>;

  // Appends the series `change` makes to `out` (the families it put are
  // offered to `sink` first, when there is one); `now_ms` stamps markers of
  // changes that have no time of their own (delete, wipe, expiry).
  void apply(const pushgw::Change& change, std::int64_t now_ms, std::vector<TimeSeries>& out,
             const FamilySink& sink = {});

  std::size_t group_count() const { return groups_.size(); }

 private:
  // Ascending by name, as Change::families: a vector, not a map, because
  // every push replaces a group's whole set and the queue thread's time
  // went to map nodes made and freed per push.
  using Families = std::vector<pushgw::FamilyPtr>;
  void end_group(const std::string& id, std::int64_t at_ms, std::vector<TimeSeries>& out);
  void put(const pushgw::Change& change, std::vector<TimeSeries>& out, const FamilySink& sink);

  boost::unordered_flat_map<std::string, Families> groups_;  // by GroupingKey::id()
  Families next_;  // put()'s scratch, kept for its capacity
};

}  // namespace flowgate::remote_write
