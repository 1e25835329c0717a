#include "extpack/txn/sanitize.hpp"
