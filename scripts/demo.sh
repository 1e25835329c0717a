#!/usr/bin/env bash
# Builds extpack (release) and runs the main job: extpack-pack and agave-sim as two
# processes over shared memory. Arguments go to extpack-demo (try --help), e.g.
#   scripts/demo.sh --input ../shared/data/mainnet-transactions.txt
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/install-deps.sh"
build=${EXTPACK_BUILD_DIR:-$root/out/release}
if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
ninja -C "$build" extpack-demo extpack-pack agave-sim >/dev/null
exec "$build/bin/extpack-demo" "$@"
