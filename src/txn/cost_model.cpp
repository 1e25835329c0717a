#include "extpack/txn/cost_model.hpp"
