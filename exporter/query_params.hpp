#pragma once
// The parameters of a request's query string, percent-decoded with '+' as a
// space (as Go's url.ParseQuery reads them, so `match[]=` may come with raw
// brackets), in the order given; and the JSON API's 400 answer for a bad one.

#include <string>
#include <string_view>
#include <vector>

#include <boost/system/result.hpp>

#include "exporter/exchange.hpp"

namespace flowgate::exporter {

struct QueryParam {
  std::string key;
  std::string value;
};

// The error names the pair whose percent-encoding is broken.
boost::system::result<std::vector<QueryParam>, std::string> query_params(std::string_view target);

// 400 {"status":"error","errorType":"bad_data","error":message}, the API's envelope.
Reply api_bad_request(std::string_view message);

}  // namespace flowgate::exporter
