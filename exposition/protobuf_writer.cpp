#include "exposition/protobuf_writer.hpp"
