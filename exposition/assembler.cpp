#include "exposition/assembler.hpp"

#include <utility>

#include "exposition/protobuf_writer.hpp"

namespace flowgate::exposition {

std::size_t AssembledBody::size() const {
  std::size_t total = 0;
  for (const std::string_view piece : pieces) total += piece.size();
  return total;
}

AssembledBody assemble(Format format, std::span<const FamilyBlocks> families) {
  AssembledBody body;
  // All headers go into one owned string; the pieces are cut from it once it
  // has stopped growing. Its bytes live in the vector's heap buffer, so moving
  // the body keeps the pieces valid.
  std::string headers;
  std::vector<std::pair<std::size_t, std::size_t>> header_ranges;  // offset, length
  header_ranges.reserve(families.size() + 1);
  for (const FamilyBlocks& family : families) {
    const std::size_t start = headers.size();
    if (format == Format::protobuf) {
      std::size_t samples_size = 0;
      for (const std::string_view block : family.sample_blocks) samples_size += block.size();
      write_protobuf_header(family.header, samples_size, headers);
    } else {
      write_header(format, family.header, headers);
    }
    header_ranges.emplace_back(start, headers.size() - start);
  }
  if (format == Format::openmetrics) {
    header_ranges.emplace_back(headers.size(), 6);
    headers += "# EOF\n";
  }
  body.owned.push_back(std::move(headers));
  const std::string_view owned = body.owned.front();

  std::size_t piece_count = header_ranges.size();
  for (const FamilyBlocks& family : families) piece_count += family.sample_blocks.size();
  body.pieces.reserve(piece_count);
  for (std::size_t i = 0; i < families.size(); ++i) {
    body.pieces.push_back(owned.substr(header_ranges[i].first, header_ranges[i].second));
    for (const std::string_view block : families[i].sample_blocks) {
      if (!block.empty()) body.pieces.push_back(block);
    }
  }
  if (format == Format::openmetrics) body.pieces.push_back(owned.substr(header_ranges.back().first));
  return body;
}

AssembledBody assemble_gzip(Format format, std::span<const FamilyBlocks> families) {
  const AssembledBody plain = assemble(format, families);
  GzipJoiner joiner;
  // Walks the plain pieces in the order assemble() laid them out: each
  // family's header, then its non-empty sample blocks; last the # EOF line.
  std::size_t next = 0;
  for (const FamilyBlocks& family : families) {
    joiner.add(plain.pieces[next++]);
    for (std::size_t i = 0; i < family.sample_blocks.size(); ++i) {
      if (family.sample_blocks[i].empty()) continue;
      const DeflatedBlock* deflated = i < family.deflated_blocks.size() ? family.deflated_blocks[i] : nullptr;
      if (deflated != nullptr) {
        joiner.add(*deflated);
      } else {
        joiner.add(plain.pieces[next]);
      }
      ++next;
    }
  }
  for (; next < plain.pieces.size(); ++next) joiner.add(plain.pieces[next]);
  AssembledBody body;
  joiner.finish(body.owned.emplace_back(), body.pieces);
  return body;
}

}  // namespace flowgate::exposition
