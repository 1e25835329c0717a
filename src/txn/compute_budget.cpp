#include "extpack/txn/compute_budget.hpp"
