#include "extpack/txn/sigverify.hpp"
