#include "extpack/txn/analyze.hpp"
