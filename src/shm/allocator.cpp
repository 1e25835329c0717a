#include "extpack/shm/allocator.hpp"
