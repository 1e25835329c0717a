#!/usr/bin/env bash
# Builds extpack from scratch and runs every test:
#   1. release build: unit, integration and end-to-end tests (ctest)
#   2. ASan + UBSan build: the whole test suite again
#   3. TSan build: the tests labelled "tsan" (queue, allocator, end to end)
#   4. clang + libFuzzer build: every fuzz target for a bounded time on its corpus: the seeds
#      committed under fuzz/<layer>/corpus/<target>/ plus any generated into the build dir
# Installs missing Debian packages first (scripts/install-deps.sh).
# Environment: EXTPACK_TEST_STAGES (default "release asan tsan fuzz"),
#              EXTPACK_FUZZ_SECONDS (default 60 per target), EXTPACK_BUILD_ROOT (default ./out).
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/install-deps.sh || { echo "dependency installation failed"; exit 2; }

stages=${EXTPACK_TEST_STAGES:-"release asan tsan fuzz"}
fuzz_seconds=${EXTPACK_FUZZ_SECONDS:-60}
out=${EXTPACK_BUILD_ROOT:-$root/out}
jobs=$(nproc)
passed=0
failed=0
failures=()

# run_ctest <build dir> [ctest args...]: adds the counts ctest reports.
run_ctest() {
  local dir=$1
  shift
  local log="$dir/ctest.log"
  (cd "$dir" && ctest --output-on-failure --timeout 900 -j1 "$@") 2>&1 | tee "$log"
  local line
  line=$(grep -E 'tests passed, [0-9]+ tests failed out of [0-9]+' "$log" | tail -n 1)
  if [ -z "$line" ]; then
    failed=$((failed + 1))
    failures+=("$dir: ctest produced no result")
    return
  fi
  local total fail
  total=$(echo "$line" | sed -E 's/.*out of ([0-9]+).*/\1/')
  fail=$(echo "$line" | sed -E 's/.* ([0-9]+) tests failed.*/\1/')
  passed=$((passed + total - fail))
  failed=$((failed + fail))
  if [ "$fail" -ne 0 ]; then
    # Name them in the summary, which is what survives when only the tail of a log is kept.
    local names
    names=$(sed -n '/The following tests FAILED:/,$p' "$log" | grep -E '^[[:space:]]+[0-9]+ - ' |
      sed -E 's/^[[:space:]]+[0-9]+ - //' | tr '\n' ';' || true)
    failures+=("$dir: $fail ctest failures: ${names:-see $log}")
  fi
}

# build <dir> <cmake args...>: configures from scratch and builds; counts a failure if not.
build() {
  local dir=$1
  shift
  rm -rf "$dir"
  if ! cmake -S "$root" -B "$dir" -G Ninja "$@" >"$dir.configure.log" 2>&1; then
    cat "$dir.configure.log"
    failed=$((failed + 1))
    failures+=("$dir: configure failed")
    return 1
  fi
  if ! ninja -C "$dir" -j "$jobs"; then
    failed=$((failed + 1))
    failures+=("$dir: build failed")
    return 1
  fi
}

mkdir -p "$out"
for stage in $stages; do
  echo "=== stage: $stage ==="
  case $stage in
    release)
      build "$out/release" -DCMAKE_BUILD_TYPE=RelWithDebInfo && run_ctest "$out/release"
      ;;
    asan)
      build "$out/asan" -DCMAKE_BUILD_TYPE=Debug -DEXTPACK_SANITIZE=address \
        -DEXTPACK_BUILD_BENCH=OFF &&
        ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
          run_ctest "$out/asan" -LE no-asan
      ;;
    tsan)
      build "$out/tsan" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEXTPACK_SANITIZE=thread \
        -DEXTPACK_BUILD_BENCH=OFF &&
        TSAN_OPTIONS=halt_on_error=1 run_ctest "$out/tsan" -L tsan
      ;;
    fuzz)
      if build "$out/fuzz" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
        -DEXTPACK_BUILD_FUZZ=ON -DEXTPACK_SANITIZE=address -DEXTPACK_BUILD_TESTS=OFF \
        -DEXTPACK_BUILD_BENCH=OFF; then
        for f in "$out"/fuzz/bin/*fuzz*; do
          [ -x "$f" ] || continue
          name=$(basename "$f")
          case $name in extpack-*) continue ;; esac # tools (extpack-fuzz-corpus), not targets
          corpus="$out/fuzz/corpus/$name"
          mkdir -p "$corpus"
          seeds=()
          for d in "$root"/fuzz/*/corpus/"$name" "$out"/fuzz/fuzz/*/corpus/"$name"; do
            [ -d "$d" ] && seeds+=("$d")
          done
          echo "--- $name: ${fuzz_seconds}s"
          if ASAN_OPTIONS=detect_leaks=1 "$f" -max_total_time="$fuzz_seconds" -print_final_stats=1 \
            -artifact_prefix="$out/fuzz/$name-" "$corpus" "${seeds[@]}" \
            >"$out/fuzz/$name.log" 2>&1; then
            passed=$((passed + 1))
            grep -E 'stat::number_of_executed_units|Done [0-9]+ runs' "$out/fuzz/$name.log" | tail -n 2
          else
            failed=$((failed + 1))
            failures+=("$name: fuzzer found a failure")
            tail -n 60 "$out/fuzz/$name.log"
          fi
        done
      fi
      ;;
    *)
      echo "unknown stage '$stage'"
      failed=$((failed + 1))
      ;;
  esac
done

echo
for f in "${failures[@]}"; do echo "FAILED: $f"; done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
