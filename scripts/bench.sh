#!/usr/bin/env bash
# Builds the release tree and runs every Google Benchmark suite through extpack-bench-report,
# writing docs/PERFORMANCE.md (median/min/max per benchmark and the machine description).
#   scripts/bench.sh [--repetitions N] [--filter REGEX] [--out FILE]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/install-deps.sh"
build=${EXTPACK_BUILD_DIR:-$root/out/release}
if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
ninja -C "$build" >/dev/null
suites=()
for b in "$build"/bin/*bench*; do
  case $(basename "$b") in extpack-bench-report) ;; *) suites+=("$b") ;; esac
done
exec "$build/bin/extpack-bench-report" --out "$root/docs/PERFORMANCE.md" "$@" "${suites[@]}"
