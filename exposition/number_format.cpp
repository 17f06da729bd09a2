#include "exposition/number_format.hpp"
