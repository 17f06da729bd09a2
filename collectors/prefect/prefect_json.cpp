#include "collectors/prefect/prefect_json.hpp"

#include <charconv>

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

namespace flowgate::collectors::prefect {

std::string PrefectJsonError::describe() const {
  return where.empty() ? message : where + ": " + message;
}

namespace {

using Value = rapidjson::Value;

bool read_digits(std::string_view text, std::size_t& pos, std::size_t count, int& out) {
  if (pos + count > text.size()) return false;
  const char* first = text.data() + pos;
  const auto [end, ec] = std::from_chars(first, first + count, out);
  if (ec != std::errc{} || end != first + count) return false;
  pos += count;
  return true;
}

bool expect(std::string_view text, std::size_t& pos, char c) {
  if (pos >= text.size() || text[pos] != c) return false;
  ++pos;
  return true;
}

// Reads the fields of one JSON object; the first problem is kept in `error`
// and later reads return defaults, so a decoder reads straight through and
// checks once at the end.
class ObjectReader {
 public:
  ObjectReader(const Value& object, std::string path, std::optional<PrefectJsonError>& error)
      : object_(object), path_(std::move(path)), error_(error) {
    if (!object_.IsObject()) fail("", "expected an object");
  }

  std::string string(const char* key) {
    const Value* value = find(key);
    if (value == nullptr) return {};
    if (!value->IsString()) {
      fail(key, "expected a string");
      return {};
    }
    return {value->GetString(), value->GetStringLength()};
  }

  // null or absent reads as "".
  std::string nullable_string(const char* key) {
    const Value* value = find_optional(key);
    if (value == nullptr) return {};
    if (!value->IsString()) {
      fail(key, "expected a string or null");
      return {};
    }
    return {value->GetString(), value->GetStringLength()};
  }

  std::optional<Timestamp> timestamp(const char* key) {
    const Value* value = find_optional(key);
    if (value == nullptr) return std::nullopt;
    if (value->IsString()) {
      if (auto parsed = parse_timestamp({value->GetString(), value->GetStringLength()})) return parsed;
    }
    fail(key, "expected an ISO 8601 datetime or null");
    return std::nullopt;
  }

  std::optional<double> nullable_number(const char* key) {
    const Value* value = find_optional(key);
    if (value == nullptr) return std::nullopt;
    if (!value->IsNumber()) {
      fail(key, "expected a number or null");
      return std::nullopt;
    }
    return value->GetDouble();
  }

  double number(const char* key) {
    const Value* value = find(key);
    if (value == nullptr) return 0.0;
    if (!value->IsNumber()) {
      fail(key, "expected a number");
      return 0.0;
    }
    return value->GetDouble();
  }

  std::int64_t integer(const char* key) {
    const Value* value = find(key);
    if (value == nullptr) return 0;
    if (!value->IsInt64()) {
      fail(key, "expected an integer");
      return 0;
    }
    return value->GetInt64();
  }

  bool boolean(const char* key) {
    const Value* value = find(key);
    if (value == nullptr) return false;
    if (!value->IsBool()) {
      fail(key, "expected true or false");
      return false;
    }
    return value->GetBool();
  }

  // An array of strings that may be null or absent (empty then), as `tags`.
  std::vector<std::string> nullable_strings(const char* key) {
    std::vector<std::string> out;
    const Value* value = find_optional(key);
    if (value == nullptr) return out;
    if (!value->IsArray()) {
      fail(key, "expected an array of strings or null");
      return out;
    }
    for (const Value& item : value->GetArray()) {
      if (!item.IsString()) {
        fail(key, "expected an array of strings or null");
        return {};
      }
      out.emplace_back(item.GetString(), item.GetStringLength());
    }
    return out;
  }

  // A required array member; nullptr (and an error) otherwise.
  const Value* array(const char* key) {
    const Value* value = find(key);
    if (value == nullptr) return nullptr;
    if (!value->IsArray()) {
      fail(key, "expected an array");
      return nullptr;
    }
    return value;
  }

  // An array of strings that may be null or absent (empty then).
  std::vector<std::string> strings(const char* key) {
    std::vector<std::string> out;
    const Value* value = find_optional(key);
    if (value == nullptr) return out;
    if (!value->IsArray()) {
      fail(key, "expected an array of strings or null");
      return out;
    }
    for (const Value& item : value->GetArray()) {
      if (!item.IsString()) {
        fail(key, "expected an array of strings or null");
        return {};
      }
      out.emplace_back(item.GetString(), item.GetStringLength());
    }
    return out;
  }

  // An object member that may be null or absent (nullptr then, no error).
  const Value* nullable_object(const char* key) {
    const Value* value = find_optional(key);
    if (value != nullptr && !value->IsObject()) {
      fail(key, "expected an object or null");
      return nullptr;
    }
    return value;
  }

  const std::string& path() const { return path_; }

 private:
  const Value* find_optional(const char* key) const {
    if (!object_.IsObject()) return nullptr;
    const auto it = object_.FindMember(key);
    if (it == object_.MemberEnd() || it->value.IsNull()) return nullptr;
    return &it->value;
  }

  const Value* find(const char* key) {
    if (!object_.IsObject()) return nullptr;
    const auto it = object_.FindMember(key);
    if (it == object_.MemberEnd()) {
      fail(key, "missing");
      return nullptr;
    }
    return &it->value;
  }

  void fail(std::string_view key, std::string_view what) {
    if (error_) return;
    std::string where = path_;
    if (!key.empty()) where.append("/").append(key);
    error_.emplace(std::move(where), std::string(what));
  }

  const Value& object_;
  std::string path_;
  std::optional<PrefectJsonError>& error_;
};

JsonResult<rapidjson::Document> parse_document(std::string_view body) {
  rapidjson::Document document;
  document.Parse(body.data(), body.size());
  if (document.HasParseError()) {
    return PrefectJsonError({}, std::string("not JSON: ") + rapidjson::GetParseError_En(document.GetParseError()) +
                                    " at byte " + std::to_string(document.GetErrorOffset()));
  }
  return document;
}

RunState read_state(ObjectReader& run, std::optional<PrefectJsonError>& error) {
  RunState state;
  // A run created without a state has state null; its state_type is null too.
  const Value* value = run.nullable_object("state");
  if (value == nullptr) return state;
  ObjectReader reader(*value, run.path() + "/state", error);
  state.id = reader.string("id");
  state.type = reader.string("type");
  state.name = reader.string("name");
  state.message = reader.nullable_string("message");
  state.timestamp = reader.timestamp("timestamp");
  return state;
}

FlowRun read_flow_run(ObjectReader& reader, std::optional<PrefectJsonError>& error) {
  FlowRun run;
  run.id = reader.string("id");
  run.name = reader.string("name");
  run.flow_id = reader.string("flow_id");
  run.deployment_id = reader.nullable_string("deployment_id");
  run.work_pool_name = reader.nullable_string("work_pool_name");
  run.work_queue_name = reader.nullable_string("work_queue_name");
  run.expected_start_time = reader.timestamp("expected_start_time");
  run.start_time = reader.timestamp("start_time");
  run.end_time = reader.timestamp("end_time");
  run.total_run_time = reader.number("total_run_time");
  run.run_count = reader.integer("run_count");
  run.tags = reader.nullable_strings("tags");
  run.state = read_state(reader, error);
  return run;
}

TaskRun read_task_run(ObjectReader& reader, std::optional<PrefectJsonError>& error) {
  TaskRun run;
  run.id = reader.string("id");
  run.name = reader.string("name");
  run.flow_run_id = reader.nullable_string("flow_run_id");
  run.end_time = reader.timestamp("end_time");
  run.total_run_time = reader.number("total_run_time");
  run.run_count = reader.integer("run_count");
  run.state = read_state(reader, error);
  return run;
}

Flow read_flow(ObjectReader& reader, std::optional<PrefectJsonError>&) {
  return {reader.string("id"), reader.string("name")};
}

Deployment read_deployment(ObjectReader& reader, std::optional<PrefectJsonError>& error) {
  Deployment deployment;
  deployment.id = reader.string("id");
  deployment.name = reader.string("name");
  deployment.flow_id = reader.string("flow_id");
  deployment.status = reader.nullable_string("status");
  deployment.paused = reader.boolean("paused");
  deployment.work_pool_name = reader.nullable_string("work_pool_name");
  deployment.work_queue_name = reader.nullable_string("work_queue_name");
  deployment.tags = reader.nullable_strings("tags");
  if (const Value* schedules = reader.array("schedules")) {
    for (rapidjson::SizeType i = 0; i < schedules->Size(); ++i) {
      ObjectReader schedule((*schedules)[i], reader.path() + "/schedules/" + std::to_string(i), error);
      if (schedule.boolean("active")) deployment.any_schedule_active = true;
    }
  }
  deployment.path = reader.nullable_string("path");
  deployment.tags = reader.strings("tags");
  return deployment;
}

WorkPool read_work_pool(ObjectReader& reader, std::optional<PrefectJsonError>&) {
  WorkPool pool;
  pool.id = reader.string("id");
  pool.name = reader.string("name");
  pool.type = reader.string("type");
  pool.status = reader.nullable_string("status");
  pool.is_paused = reader.boolean("is_paused");
  return pool;
}

WorkQueue read_work_queue(ObjectReader& reader, std::optional<PrefectJsonError>&) {
  WorkQueue queue;
  queue.id = reader.string("id");
  queue.name = reader.string("name");
  queue.work_pool_name = reader.nullable_string("work_pool_name");
  queue.status = reader.nullable_string("status");
  queue.is_paused = reader.boolean("is_paused");
  queue.priority = reader.integer("priority");
  queue.last_polled = reader.timestamp("last_polled");
  return queue;
}

Worker read_worker(ObjectReader& reader, std::optional<PrefectJsonError>&) {
  Worker worker;
  worker.name = reader.string("name");
  worker.status = reader.nullable_string("status");
  worker.last_heartbeat_time = reader.timestamp("last_heartbeat_time");
  worker.heartbeat_interval_seconds = reader.nullable_number("heartbeat_interval_seconds");
  return worker;
}

HistoryInterval read_history_interval(ObjectReader& reader, std::optional<PrefectJsonError>& error) {
  HistoryInterval interval;
  interval.start = reader.timestamp("interval_start");
  interval.end = reader.timestamp("interval_end");
  if (const Value* states = reader.array("states")) {
    for (rapidjson::SizeType i = 0; i < states->Size(); ++i) {
      ObjectReader state((*states)[i], reader.path() + "/states/" + std::to_string(i), error);
      HistoryStateCount count;
      count.state_type = state.string("state_type");
      count.state_name = state.string("state_name");
      count.count_runs = state.integer("count_runs");
      count.sum_estimated_run_time = state.number("sum_estimated_run_time");
      count.sum_estimated_lateness = state.number("sum_estimated_lateness");
      interval.states.push_back(std::move(count));
    }
  }
  return interval;
}

// Decodes a top-level array of objects with `read_one`.
template <typename T>
JsonResult<std::vector<T>> parse_array(std::string_view body,
                                       T (*read_one)(ObjectReader&, std::optional<PrefectJsonError>&)) {
  auto document = parse_document(body);
  if (!document) return document.error();
  if (!document->IsArray()) return PrefectJsonError("", "expected an array");
  std::optional<PrefectJsonError> error;
  std::vector<T> out;
  out.reserve(document->Size());
  for (rapidjson::SizeType i = 0; i < document->Size() && !error; ++i) {
    ObjectReader reader((*document)[i], "/" + std::to_string(i), error);
    out.push_back(read_one(reader, error));
  }
  if (error) return *error;
  return out;
}

}  // namespace

std::optional<Timestamp> parse_timestamp(std::string_view text) {
  std::size_t pos = 0;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!read_digits(text, pos, 4, year) || !expect(text, pos, '-') || !read_digits(text, pos, 2, month) ||
      !expect(text, pos, '-') || !read_digits(text, pos, 2, day)) {
    return std::nullopt;
  }
  if (pos >= text.size() || (text[pos] != 'T' && text[pos] != 't' && text[pos] != ' ')) return std::nullopt;
  ++pos;
  if (!read_digits(text, pos, 2, hour) || !expect(text, pos, ':') || !read_digits(text, pos, 2, minute) ||
      !expect(text, pos, ':') || !read_digits(text, pos, 2, second)) {
    return std::nullopt;
  }
  std::int64_t micros = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int digits = 0;
    for (; pos < text.size() && text[pos] >= '0' && text[pos] <= '9'; ++pos, ++digits) {
      if (digits < 6) micros = micros * 10 + (text[pos] - '0');
    }
    if (digits == 0 || digits > 9) return std::nullopt;
    for (int d = digits; d < 6; ++d) micros *= 10;
  }
  int offset_minutes = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    const int sign = text[pos] == '-' ? -1 : 1;
    ++pos;
    int offset_hours = 0, offset_mins = 0;
    if (!read_digits(text, pos, 2, offset_hours) || !expect(text, pos, ':') ||
        !read_digits(text, pos, 2, offset_mins) || offset_hours > 23 || offset_mins > 59) {
      return std::nullopt;
    }
    offset_minutes = sign * (offset_hours * 60 + offset_mins);
  } else {
    return std::nullopt;  // Prefect always writes an offset; a naive time is ambiguous
  }
  if (pos != text.size() || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  const std::chrono::year_month_day date{std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month)},
                                         std::chrono::day{static_cast<unsigned>(day)}};
  if (!date.ok()) return std::nullopt;
  using std::chrono::hours, std::chrono::minutes, std::chrono::seconds, std::chrono::microseconds;
  return Timestamp{std::chrono::sys_days{date}} + hours{hour} + minutes{minute} + seconds{second} +
         microseconds{micros} - minutes{offset_minutes};
}

JsonResult<std::vector<FlowRun>> parse_flow_runs(std::string_view body) { return parse_array(body, &read_flow_run); }
JsonResult<std::vector<TaskRun>> parse_task_runs(std::string_view body) { return parse_array(body, &read_task_run); }
JsonResult<std::vector<Flow>> parse_flows(std::string_view body) { return parse_array(body, &read_flow); }
JsonResult<std::vector<Deployment>> parse_deployments(std::string_view body) {
  return parse_array(body, &read_deployment);
}
JsonResult<std::vector<WorkPool>> parse_work_pools(std::string_view body) {
  return parse_array(body, &read_work_pool);
}
JsonResult<std::vector<WorkQueue>> parse_work_queues(std::string_view body) {
  return parse_array(body, &read_work_queue);
}
JsonResult<std::vector<Worker>> parse_workers(std::string_view body) { return parse_array(body, &read_worker); }
JsonResult<std::vector<HistoryInterval>> parse_run_history(std::string_view body) {
  return parse_array(body, &read_history_interval);
}

JsonResult<EventPage> parse_event_page(std::string_view body) {
  auto document = parse_document(body);
  if (!document) return document.error();
  std::optional<PrefectJsonError> error;
  ObjectReader page(*document, "", error);
  EventPage out;
  if (const Value* events = page.array("events")) {
    for (rapidjson::SizeType i = 0; i < events->Size() && !error; ++i) {
      ObjectReader event((*events)[i], "/events/" + std::to_string(i), error);
      EventSighting sighting;
      sighting.id = event.string("id");
      const Value* resource = event.nullable_object("resource");
      if (resource == nullptr) continue;
      ObjectReader resource_reader(*resource, event.path() + "/resource", error);
      sighting.resource_id = resource_reader.string("prefect.resource.id");
      out.events.push_back(std::move(sighting));
    }
  }
  // Prefect writes the next page as an absolute URL built from the Host it
  // was asked on; only its token is used, sent to our own endpoint. The
  // token is base64 written unencoded: '+' is a plus, not a space.
  const std::string next = page.nullable_string("next_page");
  if (!next.empty()) {
    const auto url = boost::urls::parse_uri_reference(next);
    if (!url) return PrefectJsonError("/next_page", "not a URL: " + next);
    const auto params = url->params(boost::urls::encoding_opts{});
    const auto token = params.find("page-token");
    if (token == params.end() || !(*token).has_value) {
      return PrefectJsonError("/next_page", "no page-token in " + next);
    }
    out.next_page_token = (*token).value;
  }
  if (error) return *error;
  return out;
}

JsonResult<WorkQueueStatus> parse_work_queue_status(std::string_view body) {
  auto document = parse_document(body);
  if (!document) return document.error();
  std::optional<PrefectJsonError> error;
  ObjectReader reader(*document, "", error);
  WorkQueueStatus status;
  status.healthy = reader.boolean("healthy");
  status.late_runs_count = reader.integer("late_runs_count");
  if (error) return *error;
  return status;
}

JsonResult<std::string> parse_version(std::string_view body) {
  auto document = parse_document(body);
  if (!document) return document.error();
  if (!document->IsString()) return PrefectJsonError("", "expected a version string");
  return std::string(document->GetString(), document->GetStringLength());
}

JsonResult<CsrfToken> parse_csrf_token(std::string_view body) {
  auto document = parse_document(body);
  if (!document) return document.error();
  std::optional<PrefectJsonError> error;
  ObjectReader reader(*document, "", error);
  CsrfToken token;
  token.token = reader.string("token");
  token.client = reader.string("client");
  token.expiration = reader.timestamp("expiration");
  if (!error && token.token.empty()) return PrefectJsonError("/token", "empty");
  if (!error && !token.expiration) return PrefectJsonError("/expiration", "missing");
  if (error) return *error;
  return token;
}

JsonResult<std::int64_t> parse_count(std::string_view body) {
  auto document = parse_document(body);
  if (!document) return document.error();
  if (!document->IsInt64() || document->GetInt64() < 0) return PrefectJsonError("", "expected a count (integer >= 0)");
  return document->GetInt64();
}

std::optional<std::string> parse_api_error(std::string_view body) {
  auto document = parse_document(body);
  if (!document || !document->IsObject()) return std::nullopt;
  // Read through a const Value: the document's own (non-const) member
  // iterators compare ambiguously in C++20 (clang warns).
  const Value& root = *document;
  const auto detail = root.FindMember("detail");
  if (detail != root.MemberEnd() && detail->value.IsString()) return std::string(detail->value.GetString());
  const auto message = root.FindMember("exception_message");
  if (message == root.MemberEnd() || !message->value.IsString()) return std::nullopt;
  std::string sentence = message->value.GetString();
  const auto entries = root.FindMember("exception_detail");
  if (entries == root.MemberEnd() || !entries->value.IsArray() || entries->value.Empty()) return sentence;
  const Value& first = entries->value[0];
  if (!first.IsObject()) return sentence;
  std::string location;
  if (const auto loc = first.FindMember("loc"); loc != first.MemberEnd() && loc->value.IsArray()) {
    for (const Value& part : loc->value.GetArray()) {
      location += location.empty() ? "" : ".";
      location += part.IsString() ? std::string(part.GetString()) : std::to_string(part.IsInt64() ? part.GetInt64() : 0);
    }
  }
  if (const auto msg = first.FindMember("msg"); msg != first.MemberEnd() && msg->value.IsString()) {
    sentence += " " + location + ": " + msg->value.GetString();
  }
  return sentence;
}

}  // namespace flowgate::collectors::prefect
