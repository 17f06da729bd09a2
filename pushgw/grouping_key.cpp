#include "pushgw/grouping_key.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include <boost/url/grammar/hexdig_chars.hpp>
#include <boost/url/pct_string_view.hpp>

#include "exposition/base64.hpp"
#include "exposition/name_escaping.hpp"
#include "exposition/names.hpp"
#include "exposition/utf8.hpp"
#include "pushgw/label_rules.hpp"

namespace flowgate::pushgw {

namespace {

constexpr std::string_view kBase64Suffix = "@base64";

PushError bad_key(std::string sentence) { return {PushErrorKind::bad_grouping_key, std::move(sentence)}; }

// Go's URL.Path decoding: %XX becomes a byte (so %2F becomes a separator, as
// it does before the Pushgateway's router sees the path); '+' stays a plus.
boost::system::result<std::string, PushError> percent_decode(std::string_view path) {
  if (const auto encoded = boost::urls::make_pct_string_view(path)) return encoded->decode();
  // Go's message quotes the first '%' that two hex digits do not follow.
  const auto is_escape = [&](std::size_t at) {
    return at + 2 < path.size() && boost::urls::grammar::hexdig_chars(path[at + 1]) &&
           boost::urls::grammar::hexdig_chars(path[at + 2]);
  };
  std::size_t bad = path.find('%');
  while (is_escape(bad)) bad = path.find('%', bad + 3);
  return bad_key("invalid URL escape " + quoted(path.substr(bad, 3)));
}

// Go's RawURLEncoding after TrimRight "=", as the Pushgateway decodes.
boost::system::result<std::string, exposition::Base64Error> decode_base64_value(std::string_view encoded) {
  while (!encoded.empty() && encoded.back() == '=') encoded.remove_suffix(1);
  return exposition::decode_base64(encoded, exposition::kRawUrlBase64);
}

std::string go_wording(const exposition::Base64Error& error) {
  return "illegal base64 data at input byte " + std::to_string(error.offset);
}

// A value as the Pushgateway's UI writes it: unpadded, then one '=', so that
// the empty value is "=" rather than an empty path segment.
void append_base64_value(std::string_view raw, std::string& out) {
  exposition::append_base64(raw, exposition::kRawUrlBase64, out);
  out += '=';
}

// The limits a grouping key is parsed within; none for DELETE.
struct KeyLimits {
  std::size_t labels = 0;
  std::size_t name_bytes = 0;
  std::size_t value_bytes = 0;
  exposition::NameValidation names = exposition::NameValidation::legacy;
  bool group_ttl_label = false;  // PushLimits::group_ttl_label
};

// A label name as the path spells it: with UTF-8 names, as the Pushgateway
// 1.11 reads them, also in values escaping ("U__a_2e_b" for "a.b"), since a
// client may not be able to put the name itself in a URL.
std::string label_name_of(std::string_view spelled, exposition::NameValidation names) {
  if (names == exposition::NameValidation::legacy) return std::string(spelled);
  return exposition::unescape_values_name(spelled);
}

boost::system::result<void, PushError> check_name(std::string_view name, const KeyLimits& limits) {
  if (exceeds_limit(name.size(), limits.name_bytes)) {
    return PushError(PushErrorKind::label_name_too_long,
                     "grouping label name " + quoted_start(name) + " has " + std::to_string(name.size()) + " bytes, " +
                         over_limit(limits.name_bytes, "push.max-label-name-bytes"));
  }
  return {};
}

// A decoded value: UTF-8 always (a value with other bytes would break every
// scrape), its length within the limit.
boost::system::result<void, PushError> check_value(std::string_view name, std::string_view value,
                                                   const KeyLimits& limits) {
  if (exceeds_limit(value.size(), limits.value_bytes)) {
    return PushError(PushErrorKind::label_value_too_long,
                     "the value of grouping label " + quoted_start(name) + " has " + std::to_string(value.size()) +
                         " bytes, " + over_limit(limits.value_bytes, "push.max-label-value-bytes"));
  }
  if (!exposition::is_valid_utf8(value)) {
    return bad_key("the value of grouping label " + quoted_start(name) + " is not valid UTF-8 (rule label-value-utf8)");
  }
  return {};
}

// The catch-all label part, leading '/' included, as the Pushgateway splits it.
boost::system::result<void, PushError> split_labels(std::string_view label_part, const KeyLimits& limits,
                                                    std::map<std::string, std::string>& labels) {
  if (label_part.size() <= 1) return {};
  std::vector<std::string_view> components;
  std::string_view rest = label_part.substr(1);
  while (true) {
    const auto slash = rest.find('/');
    components.push_back(rest.substr(0, slash));
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  if (components.size() % 2 != 0) {
    return bad_key("odd number of components in label string " + quoted_start(label_part, 256));
  }
  // Counted before anything is sorted, so the check costs O(path); `job` is one more.
  if (const std::size_t count = components.size() / 2 + 1; exceeds_limit(count, limits.labels)) {
    return PushError(PushErrorKind::too_many_grouping_labels,
                     "the grouping key has " + std::to_string(count) + " labels (job included), " +
                         over_limit(limits.labels, "push.max-grouping-labels"));
  }
  for (std::size_t i = 0; i < components.size(); i += 2) {
    std::string_view spelled = components[i];
    const std::string_view value = components[i + 1];
    const bool base64 = spelled.ends_with(kBase64Suffix);
    if (base64) spelled.remove_suffix(kBase64Suffix.size());
    const std::string name = label_name_of(spelled, limits.names);
    if (auto checked = check_name(name, limits); !checked) return checked;
    const bool group_ttl = limits.group_ttl_label && name == kGroupTtlLabel;
    if (!exposition::is_label_name(name, limits.names) || (is_reserved_label_name(name) && !group_ttl)) {
      return bad_key("improper label name " + quoted(spelled));
    }
    std::string decoded(value);
    if (base64) {
      auto from_base64 = decode_base64_value(value);
      if (!from_base64) {
        return bad_key("invalid base64 encoding for label " + std::string(name) + "=" + quoted_start(value) + ": " +
                       go_wording(from_base64.error()));
      }
      decoded = std::move(*from_base64);
    }
    if (auto checked = check_value(name, decoded, limits); !checked) return checked;
    labels.insert_or_assign(name, std::move(decoded));
  }
  return {};
}

// 0xFE and 0xFF escaped so that 0xFF separates and nothing else does.
void append_id_component(std::string_view text, std::string& out) {
  for (char c : text) {
    const auto byte = static_cast<std::uint8_t>(c);
    if (byte >= 0xFEu) {
      out += '\xFE';
      out += static_cast<char>(byte - 0xFEu);
    } else {
      out += c;
    }
  }
}

boost::system::result<GroupingKey, PushError> parse_key(std::string_view raw_path, const KeyLimits& limits) {
  auto decoded = percent_decode(raw_path);
  if (!decoded) return decoded.error();
  std::string_view path = *decoded;

  bool job_base64 = false;
  if (path.starts_with("job@base64/")) {
    job_base64 = true;
    path.remove_prefix(std::string_view("job@base64/").size());
  } else if (path.starts_with("job/")) {
    path.remove_prefix(std::string_view("job/").size());
  } else {
    return bad_key("push path must start with job/ or job@base64/");
  }
  const auto slash = path.find('/');
  std::string_view job_segment = path.substr(0, slash);
  const std::string_view label_part = slash == std::string_view::npos ? std::string_view() : path.substr(slash);

  std::string job(job_segment);
  if (job_base64) {
    auto job_decoded = decode_base64_value(job_segment);
    if (!job_decoded) {
      return bad_key("invalid base64 encoding in job name " + quoted_start(job_segment) + ": " +
                     go_wording(job_decoded.error()));
    }
    job = std::move(*job_decoded);
  }
  if (job.empty()) return bad_key("job name is required");
  if (auto checked = check_value("job", job, limits); !checked) return checked.error();

  std::map<std::string, std::string> labels;
  if (auto split = split_labels(label_part, limits, labels); !split) return split.error();
  labels.insert_or_assign("job", std::move(job));

  GroupingKey key;
  key.labels.reserve(labels.size());
  for (auto& [name, value] : labels) key.labels.push_back({name, std::move(value)});
  return key;
}

}  // namespace

std::string GroupingKey::id() const {
  std::string out;
  for (const auto& label : labels) {
    if (!out.empty()) out += '\xFF';
    append_id_component(label.name, out);
    out += '\xFF';
    append_id_component(label.value, out);
  }
  return out;
}

boost::system::result<GroupingKey, PushError> parse_grouping_key(std::string_view path,
                                                                exposition::NameValidation names) {
  return parse_key(path, {0, 0, 0, names});
}

boost::system::result<GroupingKey, PushError> parse_grouping_key(std::string_view path, const PushLimits& limits) {
  return parse_key(path, {limits.max_grouping_labels, limits.max_label_name_bytes, limits.max_label_value_bytes,
                          limits.names, limits.group_ttl_label});
}

std::string delete_path(const GroupingKey& key, exposition::NameValidation names) {
  std::string out = "job@base64/";
  const auto job = std::find_if(key.labels.begin(), key.labels.end(), [](const auto& l) { return l.name == "job"; });
  append_base64_value(job == key.labels.end() ? std::string_view() : std::string_view(job->value), out);
  for (const auto& label : key.labels) {
    if (label.name == "job") continue;
    out += '/';
    const bool read_as_values = names == exposition::NameValidation::utf8 && label.name.starts_with("U__");
    out += exposition::is_label_name(label.name) && !read_as_values ? label.name : exposition::values_escaped(label.name);
    out += kBase64Suffix;
    out += '/';
    append_base64_value(label.value, out);
  }
  return out;
}

}  // namespace flowgate::pushgw
