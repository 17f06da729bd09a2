#pragma once
// The Pushgateway's GET /api/v1/metrics body: {"status":"success","data":[…]}
// with one object per group (in grouping-key order, not Go's random order),
// every number a string in Go's %v form. Re-parses each family's protobuf
// block, so it costs O(store); for tools, not for the scrape path.

#include <string>

namespace flowgate::pushgw {

class Snapshot;

// Throws std::bad_alloc when memory runs out (the caller answers 5xx).
std::string api_metrics_json(const Snapshot& snapshot);

// Go's %v of a float64: the exposition's number form, except that -0 stays "-0".
std::string go_float(double value);

}  // namespace flowgate::pushgw
