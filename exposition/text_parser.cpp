#include "exposition/text_parser.hpp"
