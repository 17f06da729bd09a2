#pragma once
// Joins ready sample blocks from many sources (pushed groups, collectors,
// self-metrics) into one scrape body: one header per family name, families in
// ascending byte order of name, blocks of a family in the order given. The
// body is a list of pieces that point into the blocks (no copy of samples);
// the caller keeps the blocks alive until the pieces are written.

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "exposition/gzip.hpp"
#include "exposition/writer.hpp"

namespace flowgate::exposition {

struct FamilyBlocks {
  FamilyHeader header;
  std::vector<std::string_view> sample_blocks;  // written by write_samples in the same format
  // Empty, or one per sample block: its deflated form (null: compress it per
  // body). Only assemble_gzip reads it.
  std::vector<const DeflatedBlock*> deflated_blocks = {};
};

struct AssembledBody {
  // Owns the headers (and, for protobuf, the length prefixes) the pieces
  // point into; the sample pieces point into the caller's blocks.
  std::vector<std::string> owned;
  std::vector<std::string_view> pieces;
  std::size_t size() const;
};

// `families` must be sorted by header.name and unique by name.
AssembledBody assemble(Format format, std::span<const FamilyBlocks> families);

// The same body as one gzip member: blocks with a deflated form are joined
// as they are, everything else is compressed here. The pieces point into the
// body's `owned` and into the deflated blocks.
AssembledBody assemble_gzip(Format format, std::span<const FamilyBlocks> families);

}  // namespace flowgate::exposition
