#include "exposition/openmetrics_writer.hpp"
