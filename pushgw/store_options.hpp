#pragma once
// How the group store treats a push (PushMode) and what it is configured with
// (StoreOptions): the part of the store's interface the consistency check
// needs too, apart from the store itself (pushgw/group_store.hpp).

#include <functional>
#include <optional>
#include <string_view>

#include "exposition/model.hpp"
#include "pushgw/push_limits.hpp"

namespace flowgate::pushgw {

enum class PushMode {
  replace_group,     // PUT: the group's families become exactly the pushed ones
  replace_families,  // POST: only the pushed family names are replaced
};

struct StoreOptions {
  // The Pushgateway's default; off means pushes are stored unchecked (202).
  bool consistency_check = true;
  // Type of a family flowgate itself exposes (self-metrics, collectors), so a
  // push that clashes with it is rejected; nullopt when the name is free.
  std::function<std::optional<exposition::MetricType>(std::string_view name)> own_family_type;
  // What the store may hold; checked for every push and recorded failure,
  // never for restore() (a store recovered over a quota still starts).
  StoreQuotas quotas = {};
  // The label names the consistency check lets through (PushLimits::names,
  // from the same flag).
  exposition::NameValidation names = exposition::NameValidation::legacy;
};

}  // namespace flowgate::pushgw
