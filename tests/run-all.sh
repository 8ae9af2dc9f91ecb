#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The whole alkaid test suite, as CI runs it: installs what is missing,
# checks the tree's hygiene (format, fixtures, headers), builds every
# back-end combination, runs the unit tests, the golden-packet
# fixtures on every runner, the back-end tests and labs, the fuzzers for a
# bounded time, the benchmarks in quick mode and the Debian packages
# (built, installed, the demo run on them, removed).  Run as root from anywhere.
#
#   FUZZ_SECONDS=N   time per fuzz target (default 60)
#   QUICK=1          skip the slow labs (the scale run); CI does not set it
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD

if [ "$(id -u)" -ne 0 ]; then
    echo "run-all: the suite needs root (XDP, namespaces, DPDK)" >&2
    exit 1
fi

passed=0
failed=0
step() { # step NAME COMMAND...
    local name=$1
    shift
    echo "=== $name"
    if "$@"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "=== FAILED: $name" >&2
    fi
}

tools/install-deps.sh
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf

# Hygiene: the tree as clang-format writes it and the fixtures file as the
# generator writes it (every header compiling alone comes after the build,
# which generates some).
step "hygiene: clang-format" tools/check-format.sh
step "hygiene: fixtures up to date" \
    /usr/bin/python3 tests/fixtures/gen_fixtures.py --check
step "hygiene: agent fixtures up to date" \
    /usr/bin/python3 tests/fixtures/gen_agent_fixtures.py --check

setup() { # setup DIR ARGS...: configure once, reconfigure after
    local dir=$1
    shift
    if [ -d "$dir" ]; then
        meson setup --reconfigure "$dir" "$@" >/dev/null
    else
        meson setup "$dir" "$@" >/dev/null
    fi
}

# Each back end alone must build without the other's libraries.
step "build: -Ddataplane=xdp" \
    bash -c "$(declare -f setup); setup build-xdp -Ddataplane=xdp -Dtests=false && ninja -C build-xdp"
step "build: -Ddataplane=dpdk" \
    bash -c "$(declare -f setup); setup build-dpdk -Ddataplane=dpdk -Dtests=false && ninja -C build-dpdk"

# Everything, and its tests.
setup build -Ddataplane=all
ninja -C build
step "hygiene: every header compiles alone" env BUILD=build tools/check-headers.sh
if meson test -C build --print-errorlogs --num-processes 1; then
    meson_rc=0
else
    meson_rc=1
fi
read -r ok fail <<<"$(/usr/bin/python3 - build/meson-logs/testlog.json <<'PY'
import json, sys
ok = fail = 0
for line in open(sys.argv[1]):
    r = json.loads(line)["result"]
    if r in ("OK", "EXPECTEDFAIL"):
        ok += 1
    else:
        fail += 1
print(ok, fail)
PY
)"
passed=$((passed + ok))
failed=$((failed + fail))
[ "$meson_rc" -eq 0 ] || [ "$fail" -gt 0 ] || failed=$((failed + 1))

# Fuzzers: clang, ASan and UBSan, seeded with every fixture's input frame.
fuzz() {
    CC=clang setup build-fuzz -Dfuzz=true -Dtests=false \
        -Db_sanitize=address,undefined -Db_lundef=false || return 1
    ninja -C build-fuzz || return 1
    local corpus=build-fuzz/corpus-core
    mkdir -p "$corpus"
    local n=0
    while read -r hex; do
        n=$((n + 1))
        printf '%s' "$hex" | xxd -r -p >"$corpus/fixture-$n"
    done < <(sed -n 's/^in //p' tests/fixtures/core.fixtures 2>/dev/null)
    build-fuzz/tests/fuzz/fuzz-core -max_total_time="${FUZZ_SECONDS:-60}" \
        -error_exitcode=1 -print_final_stats=1 "$corpus" 2>&1 | tail -4 ||
        return 1
    if [ -x build-fuzz/tests/fuzz/fuzz-ctl ]; then
        mkdir -p build-fuzz/corpus-ctl
        cp tests/ctl/fuzz-corpus/* build-fuzz/corpus-ctl/ 2>/dev/null || true
        build-fuzz/tests/fuzz/fuzz-ctl -max_total_time="${FUZZ_SECONDS:-60}" \
            -error_exitcode=1 build-fuzz/corpus-ctl 2>&1 | tail -4 || return 1
    fi
}
step "fuzz (${FUZZ_SECONDS:-60}s per target)" fuzz

if [ -x bench/run.sh ]; then
    step "benchmarks (quick)" bench/run.sh --quick
fi
if [ -x tests/lab/run.sh ]; then
    step "labs" tests/lab/run.sh ${QUICK:+--quick}
fi
# The Debian packages: built from a copy of the tree, lintian, installed,
# the demo on both back ends run on them, purged (about a minute)
if [ -x tests/deb/run.sh ]; then
    step "packages" tests/deb/run.sh --backend xdp --backend dpdk
fi

echo
echo "suite: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
