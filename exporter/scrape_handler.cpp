#include "exporter/scrape_handler.hpp"

#include <algorithm>
#include <map>

#include "exporter/content_negotiation.hpp"
#include "exporter/unix_now.hpp"
#include "exposition/assembler.hpp"
#include "exposition/from_prometheus_cpp.hpp"
#include "pushgw/consistency_check.hpp"
#include "pushgw/snapshot.hpp"

namespace flowgate::exporter {
namespace {

// Everything a streamed scrape body points into.
struct ScrapeMemory {
  std::shared_ptr<const pushgw::Snapshot> snapshot;
  exposition::Families own_families;
  std::vector<std::string> own_blocks;
  exposition::AssembledBody body;
};

}  // namespace

ScrapeHandler::ScrapeHandler(pushgw::GroupStore& store, std::vector<const collectors::Collector*> collectors,
                             SelfMetrics& self, std::function<void(const pushgw::Snapshot&)> before_scrape,
                             std::optional<FreshnessOptions> freshness)
    : store_(store),
      collectors_(std::move(collectors)),
      self_(self),
      before_scrape_(std::move(before_scrape)),
      freshness_(std::move(freshness)) {}

exposition::Families ScrapeHandler::own_families(const pushgw::Snapshot& snapshot) const {
  // Self-metrics first so their HELP wins, then the per-group gauges, then collectors.
  auto families = exposition::from_prometheus_cpp(self_.registry().Collect());
  const auto append = [&families](exposition::Families more) {
    for (auto& family : more) families.push_back(std::move(family));
  };
  if (freshness_) append(group_freshness_families(snapshot, unix_now(), *freshness_));
  for (const auto* collector : collectors_) append(exposition::from_prometheus_cpp(collector->Collect()));
  return families;
}

StreamedBody ScrapeHandler::render(exposition::Format format, bool gzip, exposition::NameEscaping escaping) const {
  auto memory = std::make_shared<ScrapeMemory>();
  memory->snapshot = store_.snapshot();
  if (before_scrape_) before_scrape_(*memory->snapshot);

  memory->own_families = own_families(*memory->snapshot);
  memory->own_blocks.reserve(memory->own_families.size());
  for (const auto& family : memory->own_families) {
    std::string block;
    exposition::write_samples(format, family, block);
    memory->own_blocks.push_back(std::move(block));
  }

  // Keyed by stored name: two names that escape alike stay two families.
  std::map<std::string_view, exposition::FamilyBlocks> merged;
  for (std::size_t i = 0; i < memory->own_families.size(); ++i) {
    const auto& family = memory->own_families[i];
    if (family.metrics.empty()) continue;
    auto [it, inserted] = merged.try_emplace(family.name);
    if (inserted) it->second.header = {family.name, family.help, family.type, family.unit};
    it->second.sample_blocks.push_back(memory->own_blocks[i]);
  }
  // Pushed groups' blocks come deflated once per family for gzip scrapes, so
  // only our own few families are compressed per scrape.
  const auto& stored = gzip ? memory->snapshot->merged_deflated(format) : memory->snapshot->merged(format);
  const auto& pushed_families = memory->snapshot->merged(format, escaping, gzip);
  for (std::size_t i = 0; i < pushed_families.size(); ++i) {
    const auto& pushed = pushed_families[i];
    auto [it, inserted] = merged.try_emplace(stored[i].header.name);
    if (inserted) {
      it->second = pushed;
    } else {
      auto& into = it->second;
      if (!pushed.deflated_blocks.empty()) {
        into.deflated_blocks.resize(into.sample_blocks.size(), nullptr);  // ours: compressed per scrape
        into.deflated_blocks.insert(into.deflated_blocks.end(), pushed.deflated_blocks.begin(),
                                    pushed.deflated_blocks.end());
      }
      into.sample_blocks.insert(into.sample_blocks.end(), pushed.sample_blocks.begin(), pushed.sample_blocks.end());
    }
  }
  std::vector<exposition::FamilyBlocks> families;
  families.reserve(merged.size());
  for (auto& [name, blocks] : merged) families.push_back(std::move(blocks));

  memory->body = gzip ? exposition::assemble_gzip(format, families) : exposition::assemble(format, families);
  StreamedBody streamed;
  streamed.pieces = memory->body.pieces;
  streamed.size = memory->body.size();
  streamed.owner = std::move(memory);
  return streamed;
}

std::optional<std::string> ScrapeHandler::inconsistency(const pushgw::Snapshot& snapshot) const {
  std::lock_guard lock(checked_mutex_);
  if (checked_version_ != snapshot.version()) {
    auto checked = pushgw::check_whole_store(snapshot, store_.options());
    checked_problem_ = checked ? std::nullopt : std::optional<std::string>(checked.error().message);
    checked_version_ = snapshot.version();
  }
  return checked_problem_;
}

Reply ScrapeHandler::handle(const Request& request) const {
  if (!store_.options().consistency_check) {
    if (auto problem = inconsistency(*store_.snapshot())) {
      return error_reply(500, "An error has occurred while serving metrics:\n\n" + *problem);
    }
  }
  const Negotiated negotiated = negotiate(request.accept);
  const bool gzip = accepts_gzip(request.accept_encoding);
  Reply reply;
  reply.content_type = exposition::content_type(negotiated.format, negotiated.escaping);
  reply.streamed = std::make_shared<const StreamedBody>(render(negotiated.format, gzip, negotiated.escaping));
  if (gzip) reply.headers.emplace_back("Content-Encoding", "gzip");
  reply.headers.emplace_back("Vary", "Accept-Encoding");
  return reply;
}

}  // namespace flowgate::exporter
