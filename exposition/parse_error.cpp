#include "exposition/parse_error.hpp"
