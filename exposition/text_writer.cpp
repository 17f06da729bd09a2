#include "exposition/text_writer.hpp"
