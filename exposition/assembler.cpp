#include "exposition/assembler.hpp"
