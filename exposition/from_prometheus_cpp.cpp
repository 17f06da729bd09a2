#include "exposition/from_prometheus_cpp.hpp"
