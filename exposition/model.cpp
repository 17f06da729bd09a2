#include "exposition/model.hpp"
