#pragma once
// The Prefect collector's counters on disk (design note, option B): every
// counter series, the duration histograms, the latest failures, the
// watermarks and the overlap seen-sets, tagged with the API URL they belong
// to, as one small JSON document replaced atomically (temp file, fsync,
// rename, fsync of the folder). Loading never throws: a missing file is a
// fresh start, a damaged, foreign or other-URL file is a fresh start with a
// sentence saying why. No logging; one caller at a time per path.

#include <optional>
#include <string>
#include <string_view>

#include <boost/system/result.hpp>

#include "collectors/prefect/prefect_model.hpp"
#include "exposition/message_error.hpp"

namespace flowgate::collectors::prefect {

using StateFileError = exposition::MessageError;

// The counter part of `state` (not the gauges' label sets) as JSON.
std::string state_to_json(const PrefectState& state, std::string_view api_url, const ModelOptions& model);

// The state state_to_json() wrote, marked `restored`; an error when the text
// is not such a document, belongs to another API URL or to other duration
// buckets, or holds a label set of the wrong size or a negative count.
boost::system::result<PrefectState, StateFileError> state_from_json(std::string_view text, std::string_view api_url,
                                                                    const ModelOptions& model);

struct LoadedState {
  std::optional<PrefectState> state;  // none: start fresh
  std::string warning;                // why an existing file was not used; empty otherwise
};

LoadedState load_state_file(const std::string& path, std::string_view api_url, const ModelOptions& model);

// Replaces `path` with `text` atomically and durably; creates the folder.
boost::system::result<void, StateFileError> write_state_file(const std::string& path, std::string_view text);

}  // namespace flowgate::collectors::prefect
