#pragma once
// Where the group store writes each change before it becomes visible (the
// write-ahead log, pushgw/persistence/write_ahead_log.hpp). The store calls
// record() under its writer lock, in the order the changes are published;
// an error means nothing was written and the store does not make the change.

#include <cstdint>

#include <boost/system/result.hpp>

#include "pushgw/change.hpp"
#include "pushgw/push_error.hpp"

namespace flowgate::pushgw {

// Names a written change for WriteAheadLog::when_durable(); 0: nothing to wait for.
using CommitTicket = std::uint64_t;

class WalWriter {
 public:
  virtual ~WalWriter() = default;
  // Writes `change`; the ticket becomes durable once the WAL syncs it.
  // Errors are storage_failure PushErrors whose message names the file.
  virtual boost::system::result<CommitTicket, PushError> record(const Change& change) = 0;
  // The ticket of the last change written (0 when none needs waiting for): a
  // request that changed nothing but saw the store waits for this, so it is
  // never answered before the change it observed is durable.
  virtual CommitTicket last_ticket() const = 0;
};

}  // namespace flowgate::pushgw
