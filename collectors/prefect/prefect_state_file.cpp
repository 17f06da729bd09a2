#include "collectors/prefect/prefect_state_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace flowgate::collectors::prefect {
namespace {

constexpr std::string_view kFormat = "flowgate-prefect-state";
constexpr int kVersion = 1;

// Label counts of the counter families (docs/metrics.md).
constexpr std::size_t kFinishedLabels = 4;  // flow, deployment, state type, state name
constexpr std::size_t kFlowLabels = 2;      // flow, deployment
constexpr std::size_t kFailureLabels = 3;   // flow, deployment, exception type
constexpr std::size_t kTaskLabels = 2;      // state type, state name
constexpr std::size_t kRetryLabels = 1;     // flow
constexpr std::size_t kFailureInfoLabels = 6;

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;
using Value = rapidjson::Value;

void write_string(Writer& out, std::string_view text) {
  out.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

void write_labels(Writer& out, const LabelValues& labels) {
  out.StartArray();
  for (const auto& label : labels) write_string(out, label);
  out.EndArray();
}

void write_watermark(Writer& out, std::string_view key, const std::optional<Timestamp>& at) {
  write_string(out, key);
  if (at) {
    out.Int64(at->time_since_epoch().count());
  } else {
    out.Null();
  }
}

void write_series(Writer& out, std::string_view key, const std::map<LabelValues, double>& series) {
  write_string(out, key);
  out.StartArray();
  for (const auto& [labels, value] : series) {
    out.StartArray();
    write_labels(out, labels);
    out.Double(value);
    out.EndArray();
  }
  out.EndArray();
}

void write_counted(Writer& out, std::string_view key, const std::map<std::string, Timestamp>& counted) {
  write_string(out, key);
  out.StartArray();
  for (const auto& [run_state, end_time] : counted) {
    out.StartArray();
    write_string(out, run_state);
    out.Int64(end_time.time_since_epoch().count());
    out.EndArray();
  }
  out.EndArray();
}

// Decoding: the first problem wins, later reads are skipped.
class Reader {
 public:
  explicit Reader(const Value& root) : root_(root) {}

  const std::optional<std::string>& problem() const { return problem_; }
  void fail(std::string sentence) {
    if (!problem_) problem_ = std::move(sentence);
  }

  const Value* member(const char* key) {
    if (problem_) return nullptr;
    const auto it = root_.FindMember(key);
    if (it == root_.MemberEnd()) {
      fail(std::string("no \"") + key + "\"");
      return nullptr;
    }
    return &it->value;
  }

  std::optional<Timestamp> watermark(const char* key) {
    const Value* value = member(key);
    if (value == nullptr || value->IsNull()) return std::nullopt;
    if (!value->IsInt64()) {
      fail(std::string("\"") + key + "\" is not a number of microseconds");
      return std::nullopt;
    }
    return Timestamp(std::chrono::microseconds(value->GetInt64()));
  }

  std::optional<LabelValues> labels(const Value& value, std::size_t size, const char* key) {
    if (!value.IsArray() || value.Size() != size) {
      fail(std::string("a label set of \"") + key + "\" does not have " + std::to_string(size) + " values");
      return std::nullopt;
    }
    LabelValues out;
    for (const auto& label : value.GetArray()) {
      if (!label.IsString()) {
        fail(std::string("a label of \"") + key + "\" is not a string");
        return std::nullopt;
      }
      out.emplace_back(label.GetString(), label.GetStringLength());
    }
    return out;
  }

  std::optional<double> count(const Value& value, const char* key) {
    if (!value.IsNumber() || !std::isfinite(value.GetDouble()) || value.GetDouble() < 0) {
      fail(std::string("a value of \"") + key + "\" is not a count");
      return std::nullopt;
    }
    return value.GetDouble();
  }

  // [[labels], value] pairs.
  std::map<LabelValues, double> series(const char* key, std::size_t label_count) {
    std::map<LabelValues, double> out;
    for (const Value* entry : entries(key)) {
      if (!entry->IsArray() || entry->Size() != 2) {
        fail(std::string("an entry of \"") + key + "\" is not [labels, value]");
        break;
      }
      auto labels_read = labels((*entry)[0], label_count, key);
      auto value = count((*entry)[1], key);
      if (!labels_read || !value) break;
      out[std::move(*labels_read)] = *value;
    }
    return out;
  }

  std::map<std::string, Timestamp> counted(const char* key) {
    std::map<std::string, Timestamp> out;
    for (const Value* entry : entries(key)) {
      if (!entry->IsArray() || entry->Size() != 2 || !(*entry)[0].IsString() || !(*entry)[1].IsInt64()) {
        fail(std::string("an entry of \"") + key + "\" is not [\"run/state\", microseconds]");
        break;
      }
      out.emplace(std::string((*entry)[0].GetString(), (*entry)[0].GetStringLength()),
                  Timestamp(std::chrono::microseconds((*entry)[1].GetInt64())));
    }
    return out;
  }

  std::vector<const Value*> entries(const char* key) {
    std::vector<const Value*> out;
    const Value* array = member(key);
    if (array == nullptr) return out;
    if (!array->IsArray()) {
      fail(std::string("\"") + key + "\" is not an array");
      return out;
    }
    for (const auto& entry : array->GetArray()) out.push_back(&entry);
    return out;
  }

 private:
  const Value& root_;
  std::optional<std::string> problem_;
};

std::string system_error(const std::string& what) { return what + ": " + std::strerror(errno); }

}  // namespace

std::string state_to_json(const PrefectState& state, std::string_view api_url, const ModelOptions& model) {
  rapidjson::StringBuffer buffer;
  Writer out(buffer);
  out.StartObject();
  write_string(out, "format");
  write_string(out, kFormat);
  write_string(out, "version");
  out.Int(kVersion);
  write_string(out, "api_url");
  write_string(out, api_url);
  if (!model.tag_labels.empty()) {  // the counters' keys end with these labels' values
    write_string(out, "tag_labels");
    write_labels(out, model.tag_labels);
  }
  write_watermark(out, "flow_watermark_us", state.watermark);
  write_watermark(out, "task_watermark_us", state.task_watermark);
  write_series(out, "flow_runs_finished", state.flow_runs_finished);
  write_series(out, "flow_run_failures", state.flow_run_failures);
  write_series(out, "task_runs_finished", state.task_runs_finished);
  write_series(out, "task_run_retries", state.task_run_retries);
  write_string(out, "duration_buckets");
  out.StartArray();
  for (const double bound : model.duration_buckets) out.Double(bound);
  out.EndArray();
  // [[flow, deployment], [per-bucket counts, not cumulative], count, sum]
  write_string(out, "flow_run_durations");
  out.StartArray();
  for (const auto& [labels, histogram] : state.flow_run_durations) {
    out.StartArray();
    write_labels(out, labels);
    out.StartArray();
    for (std::size_t i = 0; i < model.duration_buckets.size(); ++i) {
      out.Uint64(i < histogram.bucket_counts.size() ? histogram.bucket_counts[i] : 0);
    }
    out.EndArray();
    out.Uint64(histogram.count);
    out.Double(histogram.sum);
    out.EndArray();
  }
  out.EndArray();
  write_string(out, "latest_failures");
  out.StartArray();
  for (const auto& failure : state.latest_failures) write_labels(out, failure.labels);
  out.EndArray();
  write_counted(out, "counted_flow_states", state.counted_flow_states);
  write_counted(out, "counted_task_states", state.counted_task_states);
  out.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

namespace {

// The file names what it is, its format version and the API it counted.
std::optional<StateFileError> check_identity(const Value& root, std::string_view api_url) {
  const auto field_is = [&](const char* key, auto&& check) {
    if (!root.IsObject()) return false;
    const auto it = root.FindMember(key);
    return it != root.MemberEnd() && check(it->value);
  };
  if (!field_is("format", [](const Value& v) { return v.IsString() && v.GetString() == kFormat; })) {
    return StateFileError("not a flowgate Prefect state file");
  }
  if (!field_is("version", [](const Value& v) { return v.IsInt() && v.GetInt() == kVersion; })) {
    return StateFileError("written by another version of flowgate (format version is not " +
                          std::to_string(kVersion) + ")");
  }
  if (!field_is("api_url", [&](const Value& v) { return v.IsString() && v.GetString() == api_url; })) {
    return StateFileError("belongs to another Prefect API URL");
  }
  return std::nullopt;
}

// The file's --prefect.tag-labels (absent: none) must be today's: its keys end with their values.
std::optional<StateFileError> check_tag_labels_match(const Value& root, const ModelOptions& model) {
  std::vector<std::string> written;
  if (const auto it = root.FindMember("tag_labels"); it != root.MemberEnd() && it->value.IsArray()) {
    for (const auto& key : it->value.GetArray()) written.emplace_back(key.IsString() ? key.GetString() : "");
  }
  if (written == model.tag_labels) return std::nullopt;
  return StateFileError("written with other --prefect.tag-labels");
}

void read_durations(Reader& read, const ModelOptions& model, PrefectState& state) {
  for (const Value* entry : read.entries("flow_run_durations")) {
    if (!entry->IsArray() || entry->Size() != 4 || !(*entry)[1].IsArray() ||
        (*entry)[1].Size() != model.duration_buckets.size() || !(*entry)[2].IsUint64()) {
      read.fail("an entry of \"flow_run_durations\" is not [labels, bucket counts, count, sum]");
      break;
    }
    auto labels = read.labels((*entry)[0], kFlowLabels + model.tag_labels.size(), "flow_run_durations");
    auto sum = read.count((*entry)[3], "flow_run_durations");
    if (!labels || !sum) break;
    DurationHistogram histogram;
    for (const auto& bucket : (*entry)[1].GetArray()) histogram.bucket_counts.push_back(bucket.IsUint64() ? bucket.GetUint64() : 0);
    histogram.count = (*entry)[2].GetUint64();
    histogram.sum = *sum;
    state.flow_run_durations[std::move(*labels)] = std::move(histogram);
  }
}

}  // namespace

boost::system::result<PrefectState, StateFileError> state_from_json(std::string_view text, std::string_view api_url,
                                                                    const ModelOptions& model) {
  rapidjson::Document document;
  document.Parse(text.data(), text.size());
  if (document.HasParseError()) {
    return StateFileError(std::string("not JSON: ") + rapidjson::GetParseError_En(document.GetParseError()) +
                          " at offset " + std::to_string(document.GetErrorOffset()));
  }
  const Value& root = document;
  if (auto error = check_identity(root, api_url)) return *error;
  if (auto error = check_tag_labels_match(root, model)) return *error;

  Reader read(root);
  PrefectState state;
  state.restored = true;
  state.watermark = read.watermark("flow_watermark_us");
  state.task_watermark = read.watermark("task_watermark_us");
  const std::size_t tags = model.tag_labels.size();
  state.flow_runs_finished = read.series("flow_runs_finished", kFinishedLabels + tags);
  state.flow_run_failures = read.series("flow_run_failures", kFailureLabels + tags);
  state.task_runs_finished = read.series("task_runs_finished", kTaskLabels);
  state.task_run_retries = read.series("task_run_retries", kRetryLabels);

  std::vector<double> buckets;
  for (const Value* bound : read.entries("duration_buckets")) buckets.push_back(bound->IsNumber() ? bound->GetDouble() : NAN);
  if (!read.problem() && buckets != model.duration_buckets) {
    return StateFileError("written with other duration buckets");
  }
  read_durations(read, model, state);
  for (const Value* entry : read.entries("latest_failures")) {
    auto labels = read.labels(*entry, kFailureInfoLabels, "latest_failures");
    if (!labels) break;
    state.latest_failures.push_back({std::move(*labels)});
  }
  state.counted_flow_states = read.counted("counted_flow_states");
  state.counted_task_states = read.counted("counted_task_states");
  if (read.problem()) return StateFileError(*read.problem());
  return state;
}

LoadedState load_state_file(const std::string& path, std::string_view api_url, const ModelOptions& model) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) return {};
    return {std::nullopt, "cannot read the Prefect state file " + path + " (" + std::strerror(errno) +
                              "); counters other than prefect_flow_runs_finished_total start from zero"};
  }
  std::ostringstream text;
  text << in.rdbuf();
  auto state = state_from_json(text.str(), api_url, model);
  if (!state) {
    return {std::nullopt, "ignoring the Prefect state file " + path + ": " + state.error().message +
                              "; counters other than prefect_flow_runs_finished_total start from zero"};
  }
  return {std::move(*state), {}};
}

boost::system::result<void, StateFileError> write_state_file(const std::string& path, std::string_view text) {
  const std::filesystem::path target(path);
  const std::filesystem::path folder = target.has_parent_path() ? target.parent_path() : ".";
  std::error_code ignored;
  std::filesystem::create_directories(folder, ignored);
  const std::string temp = path + ".tmp";
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return StateFileError(system_error("cannot create " + temp));
  std::size_t written = 0;
  while (written < text.size()) {
    const auto n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      StateFileError error(system_error("cannot write " + temp));
      ::close(fd);
      return error;
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    StateFileError error(system_error("cannot fsync " + temp));
    ::close(fd);
    return error;
  }
  if (::close(fd) != 0) return StateFileError(system_error("cannot close " + temp));
  if (::rename(temp.c_str(), path.c_str()) != 0) return StateFileError(system_error("cannot rename " + temp));
  const int folder_fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (folder_fd < 0) return StateFileError(system_error("cannot open " + folder.string()));
  const int synced = ::fsync(folder_fd);
  const int fsync_errno = errno;
  ::close(folder_fd);
  if (synced != 0) {
    errno = fsync_errno;
    return StateFileError(system_error("cannot fsync " + folder.string()));
  }
  return {};
}

}  // namespace flowgate::collectors::prefect
