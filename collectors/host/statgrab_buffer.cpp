#include "collectors/host/statgrab_buffer.hpp"

#include <statgrab.h>

namespace flowgate::collectors {

void ensure_statgrab_initialised() {
  // 1 = ignore components that cannot initialise (e.g. no permission for
  // one source); their sg_get_*_r calls then fail and the refresh says so.
  static const sg_error initialised = sg_init(1);
  static_cast<void>(initialised);
}

void StatgrabFree::operator()(void* buffer) const { sg_free_stats_buf(buffer); }

}  // namespace flowgate::collectors
