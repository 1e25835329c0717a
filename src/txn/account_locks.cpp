#include "extpack/txn/account_locks.hpp"
