#include "exposition/writer.hpp"
