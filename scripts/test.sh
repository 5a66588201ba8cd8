#!/usr/bin/env bash
# The test command: on a fresh Debian 12 machine, installs what is needed,
# builds amsrtc and runs every suite (unit, integration, browser), runs the
# unit and integration suites again in an address+undefined sanitizer build,
# then fuzzes the protocol decoder.
# Exits non-zero if anything fails; the last line is "tests: N passed, N failed".
#
#   bash scripts/test.sh                 everything (what CI runs)
#   FUZZ_SECONDS=10 bash scripts/test.sh  shorter fuzzing run
set -uo pipefail
cd "$(dirname "$0")/.."

FUZZ_SECONDS=${FUZZ_SECONDS:-60}
FRAMES_FUZZ_SECONDS=${FRAMES_FUZZ_SECONDS:-20}
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:intercept_tls_get_addr=0  # see tests/meson.build

failed_steps=()
step() {  # step NAME COMMAND...: run, remember failures, keep going
  local name=$1
  shift
  echo "=== $name"
  if ! "$@"; then
    echo "=== $name: FAILED"
    failed_steps+=("$name")
    return 1
  fi
}

# Tests that open sockets run in a fresh network namespace holding only `lo`
# (../shared/NOTES.md): nothing they do can reach or collide with the host.
in_loopback_namespace() {
  unshare -n sh -c 'ip link set lo up && exec "$@"' sh "$@"
}

configure() {  # configure BUILDDIR [meson options...]
  local dir=$1
  shift
  if [[ -f "$dir/build.ninja" ]]; then
    meson setup --reconfigure "$dir" "$@" >/dev/null
  else
    meson setup "$dir" "$@" >/dev/null
  fi
}

step "setup" bash scripts/setup.sh --browser || exit 1

build_in() {  # build_in BUILDDIR [meson options...]
  configure "$@" && meson compile -C "$1"
}

# 1. Normal build (warnings are errors), every suite.
step "build" build_in build -Dwerror=true
step "tests (build)" in_loopback_namespace meson test -C build --print-errorlogs

# 2. Sanitizer build: the same suites under address+undefined sanitizers.
# It builds only what its suites run: no examples, benchmarks or browser probes.
# Unoptimized (buildtype debug, -O0): g++ compiles sanitized code 3-4 times
# faster than at -O2 (about 3 min instead of 9 on 2 cores), the suites take as
# long (they wait on media and the network, and GStreamer's own libraries are
# not instrumented), and no check is optimized away.
step "build (asan+ubsan)" build_in build-asan --buildtype=debug \
  -Db_sanitize=address,undefined -Db_lundef=false \
  -Dexamples=false -Dbench=false -Dbrowser_probes=false
step "tests (asan+ubsan)" in_loopback_namespace meson test -C build-asan --print-errorlogs

# 3. Browser suite: the real AMS JavaScript SDK in headless Chromium against
#    the server of the normal build.
step "tests (browser)" env AMSRTC_SERVER="$PWD/build/signaling/server/amsrtc-server" \
  BROWSER_JUNIT="$PWD/build/browser-junit.xml" sh tests/browser/run.sh

# 4. Fuzz the decoder (and the server's WebSocket frame parser) with
#    libFuzzer (clang); the decoder is seeded with the SDK captures.
fuzz_one() {  # fuzz_one TARGET SECONDS CORPUS_DIR
  local target=$1 seconds=$2 corpus=$3
  build-fuzz/tests/fuzz/"$target" -max_total_time="$seconds" -max_len=8192 \
    -print_final_stats=1 -artifact_prefix=build-fuzz/"$target"- "$corpus" 2>build-fuzz/"$target".log
  local status=$?
  echo "$target: $(grep -E '^Done' build-fuzz/"$target".log)"
  if ((status != 0)); then tail -40 build-fuzz/"$target".log; fi
  return $status
}
fuzz() {
  CC=clang CXX=clang++ configure build-fuzz -Dfuzzing=true -Dtests=disabled \
    -Db_sanitize=address,undefined -Db_lundef=false || return 1
  meson compile -C build-fuzz tests/fuzz/decode-fuzzer tests/fuzz/ws-frames-fuzzer || return 1
  rm -rf build-fuzz/corpus build-fuzz/frames-corpus && mkdir -p build-fuzz/frames-corpus
  python3 scripts/make_fuzz_corpus.py tests/fixtures/ams-sdk-2.16.2 build-fuzz/corpus
  fuzz_one decode-fuzzer "$FUZZ_SECONDS" build-fuzz/corpus &&
    fuzz_one ws-frames-fuzzer "$FRAMES_FUZZ_SECONDS" build-fuzz/frames-corpus
}
step "fuzz decode() for ${FUZZ_SECONDS}s, WebSocket frames for ${FRAMES_FUZZ_SECONDS}s" fuzz

# Summary: count test cases from meson's JUnit logs (gtest cases included).
# Failed steps that are not test cases (build, fuzz) count as failures too.
if ((${#failed_steps[@]} > 0)); then echo "failed steps: ${failed_steps[*]}"; fi
python3 scripts/count_results.py --failed-steps "${#failed_steps[@]}" \
  build/meson-logs/testlog.junit.xml build-asan/meson-logs/testlog.junit.xml \
  build/browser-junit.xml
