// Counting replacements of the global operator new/delete, for tests and benchmarks that
// promise "no heap allocation on the hot path". Linking the library replaces the global
// allocation functions of the whole executable (they still allocate with malloc); the
// counter says how many allocations happened so far.
#pragma once

#include <cstddef>

namespace extpack::test {

/// Global operator new calls since the program started (relaxed; exact on one thread).
std::size_t allocation_count();

/// Diagnostics: print a backtrace to stderr for each of the next `n` allocations (0 stops),
/// so a failing no-allocation check can say where the allocation came from. Symbol names
/// need the executable linked with -rdynamic (or read the addresses with addr2line).
void trace_allocations(std::size_t n);

}  // namespace extpack::test
