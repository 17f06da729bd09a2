#include "collectors/prefect/prefect_event.hpp"

#include <charconv>
#include <chrono>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "exposition/rfc3339.hpp"

namespace flowgate::collectors::prefect {

namespace {

using Value = rapidjson::Value;

constexpr std::string_view kFlowRunPrefix = "prefect.flow-run.";
constexpr std::string_view kTaskRunPrefix = "prefect.task-run.";

// A string member of an object; "" when absent or not a string.
std::string_view member_string(const Value& object, const char* key) {
  if (!object.IsObject()) return {};
  const auto found = object.FindMember(key);
  if (found == object.MemberEnd() || !found->value.IsString()) return {};
  return {found->value.GetString(), found->value.GetStringLength()};
}

const Value* member_object(const Value& object, const char* key) {
  if (!object.IsObject()) return nullptr;
  const auto found = object.FindMember(key);
  return found != object.MemberEnd() && found->value.IsObject() ? &found->value : nullptr;
}

bool starts_with(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

// Flow, deployment and (for task runs) flow run from the related resources,
// by role; their ids lose the "prefect.<kind>." prefix.
void read_related(const Value& event, StateEvent& out) {
  const auto related = event.FindMember("related");
  if (related == event.MemberEnd() || !related->value.IsArray()) return;
  for (const auto& resource : related->value.GetArray()) {
    const std::string_view role = member_string(resource, "prefect.resource.role");
    const std::string_view id = member_string(resource, "prefect.resource.id");
    const std::string_view name = member_string(resource, "prefect.resource.name");
    const auto tail = [&](std::string_view prefix) { return std::string(starts_with(id, prefix) ? id.substr(prefix.size()) : ""); };
    if (role == "flow") {
      out.flow_id = tail("prefect.flow.");
      out.flow_name = name;
    } else if (role == "deployment") {
      out.deployment_id = tail("prefect.deployment.");
      out.deployment_name = name;
    } else if (role == "flow-run") {
      out.flow_run_id = tail(kFlowRunPrefix);
    }
  }
}

std::optional<RunState> read_initial_state(const Value& event) {
  const Value* payload = member_object(event, "payload");
  const Value* initial = payload != nullptr ? member_object(*payload, "initial_state") : nullptr;
  if (initial == nullptr) return std::nullopt;
  RunState state;
  state.type = member_string(*initial, "type");
  state.name = member_string(*initial, "name");
  if (state.type.empty()) return std::nullopt;
  return state;
}

// The resource's labels hold the state; the event's id is the state's id.
JsonResult<StateEvent> read_state_event(const Value& event, std::string_view name) {
  StateEvent out;
  out.kind = starts_with(name, kFlowRunPrefix) ? RunKind::flow_run : RunKind::task_run;
  const Value* resource = member_object(event, "resource");
  if (resource == nullptr) return PrefectJsonError("/event/resource", "expected an object");
  const std::string_view resource_id = member_string(*resource, "prefect.resource.id");
  const std::string_view prefix = out.kind == RunKind::flow_run ? kFlowRunPrefix : kTaskRunPrefix;
  if (!starts_with(resource_id, prefix) || resource_id.size() == prefix.size()) {
    return PrefectJsonError("/event/resource/prefect.resource.id", "expected \"" + std::string(prefix) + "<id>\"");
  }
  out.run_id = resource_id.substr(prefix.size());
  out.run_name = member_string(*resource, "prefect.resource.name");
  out.state.id = member_string(event, "id");
  if (out.state.id.empty()) return PrefectJsonError("/event/id", "expected a string");
  out.state.type = member_string(*resource, "prefect.state-type");
  out.state.name = member_string(*resource, "prefect.state-name");
  out.state.message = member_string(*resource, "prefect.state-message");
  if (out.state.type.empty() || out.state.name.empty()) {
    return PrefectJsonError("/event/resource", "expected the labels prefect.state-type and prefect.state-name");
  }
  out.state.timestamp = parse_timestamp(member_string(*resource, "prefect.state-timestamp"));
  if (!out.state.timestamp) {
    return PrefectJsonError("/event/resource/prefect.state-timestamp", "expected an ISO 8601 datetime");
  }
  const auto occurred = parse_timestamp(member_string(event, "occurred"));
  out.occurred = occurred.value_or(*out.state.timestamp);
  const std::string_view run_count = member_string(*resource, "prefect.run-count");
  std::from_chars(run_count.data(), run_count.data() + run_count.size(), out.run_count);
  out.from = read_initial_state(event);
  read_related(event, out);
  return out;
}

std::string serialized(const rapidjson::Document& document) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  document.Accept(writer);
  return {buffer.GetString(), buffer.GetSize()};
}

}  // namespace

JsonResult<StreamMessage> parse_stream_message(std::string_view text) {
  rapidjson::Document document;
  document.Parse(text.data(), text.size());
  if (document.HasParseError()) {
    return PrefectJsonError("", std::string("not JSON: ") + rapidjson::GetParseError_En(document.GetParseError()) +
                                    " at offset " + std::to_string(document.GetErrorOffset()));
  }
  if (!document.IsObject()) return PrefectJsonError("", "expected an object");
  StreamMessage message;
  message.type = member_string(document, "type");
  if (message.type.empty()) return PrefectJsonError("/type", "expected a string");
  if (message.type == "auth_success") message.kind = StreamMessageKind::auth_success;
  if (message.type != "event") return message;
  const Value* event = member_object(document, "event");
  if (event == nullptr) return PrefectJsonError("/event", "expected an object");
  message.event_name = member_string(*event, "event");
  const bool run_event = starts_with(message.event_name, kFlowRunPrefix) || starts_with(message.event_name, kTaskRunPrefix);
  const Value* resource = member_object(*event, "resource");
  const bool has_state = resource != nullptr && resource->HasMember("prefect.state-type");
  message.kind = StreamMessageKind::other_event;
  if (!run_event || !has_state) return message;
  auto decoded = read_state_event(*event, message.event_name);
  if (!decoded) return decoded.error();
  message.kind = StreamMessageKind::state_event;
  message.event = std::move(*decoded);
  return message;
}

std::string auth_message(std::string_view token) {
  rapidjson::Document document(rapidjson::kObjectType);
  auto& allocator = document.GetAllocator();
  document.AddMember("type", "auth", allocator);
  Value value;
  if (!token.empty()) value.SetString(token.data(), static_cast<rapidjson::SizeType>(token.size()), allocator);
  document.AddMember("token", value, allocator);
  return serialized(document);
}

std::string filter_message(Timestamp since) {
  const auto time = [](Timestamp at) { return exposition::format_rfc3339(at, exposition::SecondFraction::micros); };
  // Prefect's filter ends at "now" unless told otherwise, which would stop
  // the live stream at once: the end is far in the future.
  const Timestamp until = since + std::chrono::hours(24 * 365 * 100);
  return R"({"type":"filter","backfill":false,"filter":{"occurred":{"since":")" + time(since) + R"(","until":")" +
         time(until) +
         R"("},"event":{"prefix":["prefect.flow-run.","prefect.task-run."],)"
         R"("exclude_name":["prefect.flow-run.heartbeat","prefect.task-run.heartbeat"]},"order":"ASC"}})";
}

}  // namespace flowgate::collectors::prefect
