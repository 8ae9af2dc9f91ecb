#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# bench/agent/run.sh --quick|--full BUILD: the host agent's benchmarks,
# CSV rows on stdout (bench/run.sh), diagnostics on stderr.
#
#   agent-encap  ns per frame of each path of dp-agent/agent.bpf.c through
#                BPF_PROG_TEST_RUN, against a redirect-only TC program,
#                and the encapsulating paths also against one that grows
#                the frame first (5000 calls a case quick, 200000 full)
#   agent-mem    program, map and per-attachment kernel memory with 1 and
#                100 endpoints, 3 rounds (quick); 1, 100 and 1000, 7 (full)
#   traffic.sh   iperf3 and redis through agents and a gateway against
#                direct, when alkaid-agent is built
#
# Both programs run in a namespace of their own (its loopback is the test
# runs' device; its veths the endpoints' ports); neither pins a map.
set -euo pipefail
mode=${1:-}
case $mode in
--quick) calls=--quick endpoints="1 100" rounds=3 ;;
--full) calls="" endpoints="1 100 1000" rounds=7 ;;
*) echo "usage: $0 --quick|--full BUILD" >&2; exit 2 ;;
esac
[ -d "${2:-}" ] || { echo "usage: $0 --quick|--full BUILD" >&2; exit 2; }
build=$(realpath "$2")
dir=$build/bench/agent
here=$(dirname "$(realpath "$0")")
[ -x "$dir/agent-encap" ] || { echo "bench/agent: $dir/agent-encap not built (-Ddataplane=dpdk?)" >&2; exit 0; }

. "$here/../../tests/lib/lib.sh"
lib_init bench/agent
need_root
failed=0

ns=abench-agent-$$
netns_add "$ns"
# shellcheck disable=SC2086 # $calls: no option or one
ip netns exec "$ns" "$dir/agent-encap" $calls "$dir/agent.bpf.o" \
    "$dir/redirect.bpf.o" "$dir/redirect_grow.bpf.o" || failed=1
# shellcheck disable=SC2086 # $endpoints: a list
ip netns exec "$ns" "$dir/agent-mem" -r $rounds -p ab "$dir/agent.bpf.o" \
    $endpoints ||
    failed=1

if [ -x "$here/traffic.sh" ]; then
    "$here/traffic.sh" "$mode" "$build" || failed=1
fi
exit $failed
