#pragma once
// The RapidJSON writer the JSON APIs (/api/v1/metrics, /api/v1/status) write
// with, and the last step that makes its output what Go's encoding/json
// writes. Not thread-safe per writer; each call builds its own.

#include <cstdlib>
#include <new>
#include <string>
#include <string_view>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace flowgate::pushgw {

// RapidJSON's default allocator returns NULL when memory runs out and its
// buffer then writes through it (a segfault under an address-space limit);
// this one throws std::bad_alloc, which the server answers with a 503.
class ThrowingAllocator {
 public:
  static const bool kNeedFree = true;
  void* Malloc(std::size_t size) {
    if (size == 0) return nullptr;
    return checked(std::malloc(size));
  }
  void* Realloc(void* original, std::size_t /*original_size*/, std::size_t new_size) {
    if (new_size == 0) {
      std::free(original);
      return nullptr;
    }
    return checked(std::realloc(original, new_size));
  }
  static void Free(void* pointer) { std::free(pointer); }
  bool operator==(const ThrowingAllocator&) const { return true; }
  bool operator!=(const ThrowingAllocator&) const { return false; }

 private:
  static void* checked(void* pointer) {
    if (pointer == nullptr) throw std::bad_alloc();
    return pointer;
  }
};

using JsonBuffer = rapidjson::GenericStringBuffer<rapidjson::UTF8<>, ThrowingAllocator>;
using JsonWriter = rapidjson::Writer<JsonBuffer, rapidjson::UTF8<>, rapidjson::UTF8<>, ThrowingAllocator>;

inline void write_string(JsonWriter& json, std::string_view text) {
  json.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

// The buffer's JSON with <, > and & escaped as \u003c, \u003e and \u0026, as
// Go's encoder writes them (HTML safety). Outside strings JSON has none of
// them, so escaping every occurrence is exact.
std::string go_json(const JsonBuffer& buffer);

}  // namespace flowgate::pushgw
