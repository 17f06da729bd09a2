// Messages of Prefect's event stream come from the network: the decoder must
// never crash or read out of bounds, and what it accepts as a run state event
// carries what the collector relies on (a run id, a state id, type and name).

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "collectors/prefect/prefect_event.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace flowgate::collectors::prefect;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto message = parse_stream_message(text);
  if (!message) return 0;
  if (message->kind == StreamMessageKind::state_event) {
    if (!message->event) std::abort();
    const StateEvent& event = *message->event;
    if (event.run_id.empty() || event.state.id.empty() || event.state.type.empty() || event.state.name.empty()) {
      std::abort();
    }
  }
  return 0;
}
