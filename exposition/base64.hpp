#pragma once
// Base64 as RFC 4648 defines it, in the two alphabets flowgate meets: the
// standard one (section 4: HTTP basic auth) and the URL- and filename-safe one
// (section 5: the Pushgateway's `@base64` grouping-key values). Pure
// functions; safe from any thread.

#include <cstddef>
#include <string>
#include <string_view>

#include <boost/system/result.hpp>

namespace flowgate::exposition {

enum class Base64Alphabet { standard, url_safe };  // "+/" or "-_" for the values 62 and 63

// `padded`: the encoder fills the last group to four characters with '=',
// and the decoder requires it (and, as RFC 4648 section 3.5 asks of a
// canonical encoding, zero bits where the last group has unused ones).
// Unpadded is Go's Raw encodings: no '=' written, none accepted, unused bits
// ignored as Go's decoder ignores them.
struct Base64Form {
  Base64Alphabet alphabet = Base64Alphabet::standard;
  bool padded = true;
};

inline constexpr Base64Form kStandardBase64{Base64Alphabet::standard, true};
inline constexpr Base64Form kRawUrlBase64{Base64Alphabet::url_safe, false};

void append_base64(std::string_view bytes, Base64Form form, std::string& out);
std::string encode_base64(std::string_view bytes, Base64Form form);

// Where decoding stopped: the offset of the first input byte that is not part
// of a valid encoding (Go's CorruptInputError), for the caller's sentence.
struct Base64Error {
  std::size_t offset = 0;
};

// The bytes `text` encodes in `form`. O(text).
boost::system::result<std::string, Base64Error> decode_base64(std::string_view text, Base64Form form);

}  // namespace flowgate::exposition
