#include "exposition/gzip.hpp"
