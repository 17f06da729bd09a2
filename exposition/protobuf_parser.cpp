#include "exposition/protobuf_parser.hpp"
