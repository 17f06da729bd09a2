// The HTTP layer on arbitrary bytes: the server's own RequestReader (Beast's
// parser plus every check the server makes) feeds the real dispatcher and
// route table over a fresh in-memory store, request after request as a
// pipelining client sends them. The first byte says how the bytes arrive (0:
// at once, n: n bytes at a time), to exercise the reader's resumption.
// Oracles: nothing throws; a refusal is one of the reader's statuses; every
// reply has a 1xx-5xx status and headers that can be sent as they are (no
// CR, LF or NUL, nothing over 65533 bytes); every reservation of the body
// budget is given back.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "exporter/server/request_reader.hpp"
#include "tests/exporter/route_fixture.hpp"

namespace {

using flowgate::exporter::BodyBudget;
using flowgate::exporter::RequestLimits;
using flowgate::exporter::RequestReader;
using State = RequestReader::State;

const flowgate::exporter::Flags& route_flags() {
  static const auto flags = flowgate::exporter::testing::flags_of({"--web.enable-admin-api", "--web.enable-lifecycle"});
  return flags;
}

bool is_refusal_status(int status) {
  return status == 400 || status == 413 || status == 431 || status == 501 || status == 503;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t step = data[0] == 0 ? size : data[0];
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);

  flowgate::exporter::testing::RouteFixture fixture(route_flags());
  BodyBudget budget(std::size_t{1} << 20);
  const RequestLimits limits{std::size_t{64} << 10, std::size_t{256} << 10};
  std::string pending;  // arrived, not yet used
  std::size_t offered = 0;
  for (int exchange = 0; exchange < 32; ++exchange) {
    RequestReader reader(limits, budget);
    for (;;) {
      if (reader.state() == State::header_done) reader.start_body();
      if (reader.state() != State::header && reader.state() != State::body) break;
      pending.erase(0, reader.parse(pending));
      if (reader.state() != State::header && reader.state() != State::body) continue;
      if (offered == input.size()) break;
      const std::size_t take = std::min(step, input.size() - offered);
      pending.append(input.substr(offered, take));
      offered += take;
    }
    if (reader.state() == State::refused) {
      if (!is_refusal_status(reader.refusal().status) || reader.refusal().message.empty()) std::abort();
      break;
    }
    if (reader.state() != State::complete) break;  // the input ended inside a request
    const auto dispatched = fixture.dispatcher.dispatch(reader.request());
    reader.release_body();  // as the server does before writing the reply
    if (dispatched.reply.status < 100 || dispatched.reply.status > 599) std::abort();
    if (!flowgate::exporter::headers_sendable(dispatched.reply)) std::abort();
    if (!reader.message().keep_alive()) break;
  }
  if (budget.in_use() != 0) std::abort();
  return 0;
}
