#include "extpack/session/regions.hpp"
