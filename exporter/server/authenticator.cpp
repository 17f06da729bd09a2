#include "exporter/server/authenticator.hpp"

#include <algorithm>
#include <memory>
#include <thread>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace flowgate::exporter {
namespace {

namespace net = boost::asio;

// Half the cores, at most 4: enough for the first check of each client (then
// it is cached) while the rest of the machine keeps serving.
unsigned verifier_threads() { return std::clamp(std::thread::hardware_concurrency() / 2, 1u, 4u); }

// Checks waiting beyond the running ones; more get 503.
constexpr std::size_t kMaxWaitingChecks = 64;

}  // namespace

Authenticator::Authenticator(WebConfigFile& web_config)
    : web_config_(web_config), verifier_(verifier_threads(), kMaxWaitingChecks) {}

net::awaitable<AuthVerdict> Authenticator::verdict(const WebConfig& config, std::string_view authorization) {
  co_return co_await net::async_initiate<decltype(net::use_awaitable), void(AuthVerdict)>(
      [this, &config, authorization](auto handler) {
        // Tracked, so the io_context keeps running while a check is pending.
        auto executor = net::prefer(net::get_associated_executor(handler), net::execution::outstanding_work.tracked);
        auto resume = std::make_shared<decltype(handler)>(std::move(handler));
        web_config_.authenticate(config, authorization, verifier_, [executor, resume](AuthVerdict verdict) {
          net::post(executor, [resume, verdict = std::move(verdict)]() mutable { std::move (*resume)(std::move(verdict)); });
        });
      },
      net::use_awaitable);
}

Reply Authenticator::refusal(const AuthVerdict& verdict) const {
  if (verdict.outcome == AuthOutcome::busy) {
    Reply reply = error_reply(503, "503 Service Unavailable: " + std::to_string(verifier_.max_waiting()) +
                                       " password checks are already waiting; retry later");
    reply.headers.emplace_back("Retry-After", "1");
    return reply;
  }
  Reply reply = error_reply(401, "Unauthorized");
  reply.headers.emplace_back("WWW-Authenticate", "Basic");
  return reply;
}

}  // namespace flowgate::exporter
