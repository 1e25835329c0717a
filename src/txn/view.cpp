#include "extpack/txn/view.hpp"
