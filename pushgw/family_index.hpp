#pragma once
// What the consistency check compares a push against: for every stored family
// name its type and how many groups hold it, and for every stored series hash
// how many times it is stored. Maintained incrementally by the store's single
// writer (add/remove per family), so a check costs O(pushed series), not
// O(store). Not thread-safe: the writer mutex guards it.

#include <cstdint>
#include <string>
#include <string_view>

#include <boost/unordered/unordered_flat_map.hpp>
#include <boost/unordered/unordered_flat_set.hpp>

#include "exposition/model.hpp"
#include "pushgw/group.hpp"

namespace flowgate::pushgw {

class FamilyIndex {
 public:
  struct Entry {
    exposition::MetricType type = exposition::MetricType::untyped;
    std::uint32_t groups = 0;  // groups holding a family of this name
  };

  void add(const StoredFamily& family);
  void remove(const StoredFamily& family);
  void add(const Group& group);
  void remove(const Group& group);
  void clear();

  const Entry* find(std::string_view name) const;
  std::uint32_t series_count(std::uint64_t series_hash) const;

 private:
  struct NameHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view name) const;
  };
  struct NameEqual {
    using is_transparent = void;
    bool operator()(std::string_view a, std::string_view b) const { return a == b; }
  };
  boost::unordered_flat_map<std::string, Entry, NameHash, NameEqual> families_;
  // Every stored series hash once (8 bytes a slot: the index holds one per
  // stored series), and apart the rare ones stored more than once (the
  // consistency check off, or groups that sanitize to the same series) with
  // how many copies beyond the first.
  boost::unordered_flat_set<std::uint64_t> series_;
  boost::unordered_flat_map<std::uint64_t, std::uint32_t> extra_copies_;
};

}  // namespace flowgate::pushgw
