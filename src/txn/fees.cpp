#include "extpack/txn/fees.hpp"
