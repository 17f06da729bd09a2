#pragma once
// The error of a module edge where nothing but one sentence for a person tells
// failures apart (a file that cannot be read, a flag, a config line). Each
// module names it for its own edge (`using WebConfigError = MessageError;`)
// and says there what the sentence names.

#include <string>
#include <utility>

namespace flowgate::exposition {

struct MessageError {
  MessageError() = default;
  explicit MessageError(std::string sentence) : message(std::move(sentence)) {}
  std::string message;
};

}  // namespace flowgate::exposition
