#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# alkaidctl against a daemon embedding the control server (ctl-testd, the
# in-memory tables): commands, human and JSON output, batch files and their
# errors, exit codes, the state file across a restart, start-up from a
# config file.
#
#   alkaidctl_test.sh ALKAIDCTL CTL_TESTD SOURCE_ROOT
set -u
ctl=$1
testd=$2
src=$3

. "$(dirname "$0")/../lib/lib.sh"
lib_init alkaidctl

. "$(dirname "$0")/../lib/tap.sh"

# json DESC PYTHON-EXPR: $tmp/out parses as JSON and EXPR (of j) is true
json() {
    if python3 -c "import json,sys; j=json.load(open(sys.argv[1])); sys.exit(0 if ($2) else 1)" "$tmp/out"; then
        ok "$1"
    else
        echo "# JSON check failed: $2"
        not_ok "$1"
    fi
}

# start NAME ARGS...: a ctl-testd, ready when it says so
start() {
    local name=$1
    shift
    daemon_start "$name" --log ready --timeout 5 -- "$testd" "$@"
}

# stop NAME: SIGTERM, and wait for the state file to be written
stop() { daemon_stop "$1"; }

sock=$tmp/ctl.sock
state=$tmp/state
start d1 -s "$sock" -S "$state" -n 200000 || exit 1
A=("$ctl" -s "$sock")

# --- single commands -------------------------------------------------
run "version" 0 "${A[@]}" version
has "version names the back end" "$tmp/out" "back end host"
run "gateway not set yet" 0 "${A[@]}" gateway
has "gateway not set yet: said so" "$tmp/out" "gateway not set"
run "gateway set" 0 "${A[@]}" gateway set ip 198.18.0.1 mac 02:00:00:00:00:01 vxlan-port 8472
run "gateway show" 0 "${A[@]}" gateway show
has "gateway show: columns" "$tmp/out" "198.18.0.1       02:00:00:00:00:01  6081    8472    off"
run "neighbor add" 0 "${A[@]}" neighbor add ip 198.18.0.12 mac 02:00:00:00:00:12
run "network add" 0 "${A[@]}" network add vni 100 prefix 203.0.113.0/24 bouncers 198.18.0.1,198.18.0.2 router 203.0.113.1 dns 203.0.113.2 mtu 1450 lease 3600
run "vpc add" 0 "${A[@]}" vpc add vni 100 dividers 198.18.0.1
run "endpoint add" 0 "${A[@]}" endpoint add vni 100 ip 203.0.113.5 mac 0e:00:00:00:00:05 host 198.18.0.12
run "endpoint add, bad mac: usage error" 2 "${A[@]}" endpoint add vni 100 ip 203.0.113.6 mac 0e:00 host 198.18.0.12
has "bad mac: said which" "$tmp/err" "bad mac '0e:00'"
run "endpoint add, missing host: usage error" 2 "${A[@]}" endpoint add vni 100 ip 203.0.113.6 mac 0e:00:00:00:00:06
has "missing host: said which" "$tmp/err" "'endpoint add' needs 'host'"
run "endpoint add, mac taken: refused" 1 "${A[@]}" endpoint add vni 100 ip 203.0.113.6 mac 0e:00:00:00:00:05 host 198.18.0.12
has "mac taken: said by whom" "$tmp/err" "mac already belongs to endpoint 203.0.113.5 in vni 100"
run "endpoint get" 0 "${A[@]}" endpoint get vni 100 ip 203.0.113.5
has "endpoint get: the row" "$tmp/out" "100       203.0.113.5      0e:00:00:00:00:05  198.18.0.12"
run "endpoint get, absent: refused" 1 "${A[@]}" endpoint get vni 100 ip 203.0.113.99
has "absent: said so" "$tmp/err" "endpoint vni 100 ip 203.0.113.99 not found"
run "endpoint get, takes no mac" 2 "${A[@]}" endpoint get vni 100 ip 203.0.113.5 mac 0e:00:00:00:00:05
run "endpoint list" 0 "${A[@]}" endpoint list
has "endpoint list: header" "$tmp/out" "VNI       IP               MAC                HOST"
run "network list (default command)" 0 "${A[@]}" network
has "network list: a row" "$tmp/out" "203.0.113.0/24      203.0.113.1      203.0.113.2      1450   3600        off    198.18.0.1,198.18.0.2"

# --- JSON ---------------------------------------------------------------
run "-j endpoint list" 0 "${A[@]}" -j endpoint list
json "-j endpoint list: an array of the endpoint" 'j == [{"vni":100,"ip":"203.0.113.5","mac":"0e:00:00:00:00:05","host":"198.18.0.12"}]'
run "-j network get" 0 "${A[@]}" -j network get vni 100 prefix 203.0.113.0/24
json "-j network get: the object" 'j["bouncers"] == ["198.18.0.1","198.18.0.2"] and j["mtu"] == 1450'
run "-j gateway" 0 "${A[@]}" -j gateway
json "-j gateway: ports" 'j["vxlan_port"] == 8472 and j["geneve_port"] == 6081'
run "-p tables" 0 "${A[@]}" -p tables
json "-p tables: counts" 'j["tables"]["endpoint"]["count"] == 1 and j["tables"]["dhcp"]["count"] == 1'
run "-j stats" 0 "${A[@]}" -j stats
json "-j stats: every reason" 'len(j["reasons"]) > 40 and set(j["verdicts"]) == {"tx","pass","drop"}'
run "-j version" 0 "${A[@]}" -j version
json "-j version: protocol 1" 'j["protocol"] == 1'
run "stats reset" 0 "${A[@]}" stats reset
run "endpoint del" 0 "${A[@]}" endpoint del vni 100 ip 203.0.113.5
run "-j endpoint list, empty" 0 "${A[@]}" -j endpoint list
json "-j empty list" 'j == []'

# --- batch files --------------------------------------------------------
cat >"$tmp/ok.batch" <<'EOF'
# two groups and a command between them
neighbor add ip 198.18.0.20 mac 02:00:00:00:00:20
neighbor add ip 198.18.0.21 mac 02:00:00:00:00:21

endpoint add vni 7 ip 198.51.100.1 mac 0e:00:00:00:07:01 host 198.18.0.20
endpoint add vni 7 ip 198.51.100.2 mac 0e:00:00:00:07:02 host 198.18.0.21
stats show
endpoint del vni 7 ip 198.51.100.2
EOF
run "batch file" 0 "${A[@]}" -b "$tmp/ok.batch"
has "batch file: stats ran in between" "$tmp/out" "VERDICT"
run "-j endpoint list after the batch" 0 "${A[@]}" -j endpoint list
json "batch: one endpoint left" 'len(j) == 1 and j[0]["ip"] == "198.51.100.1"'

cat >"$tmp/bad.batch" <<'EOF'
neighbor add ip 198.18.0.30 mac 02:00:00:00:00:30
neighbor add ip 198.18.0.31 mac 02:00:00:00:00:31
# endpoints: the third is wrong
endpoint add vni 8 ip 198.51.100.11 mac 0e:00:00:00:08:01 host 198.18.0.30
endpoint add vni 8 ip 198.51.100.12 mac 0e:00:00:00:08:02 host 198.18.0.30
endpoint add vni 8 ip 198.51.100.13 mac 0e:00:00:00:08:03 host 0.0.0.0
endpoint add vni 8 ip 198.51.100.14 mac 0e:00:00:00:08:04 host 198.18.0.30
EOF
run "batch with an error on line 6: refused" 1 "${A[@]}" -b "$tmp/bad.batch"
has "batch error names file and line" "$tmp/err" "$tmp/bad.batch:6: host 0.0.0.0 is not a unicast address"
has "batch error says what was applied" "$tmp/err" "stopped: the commands before line 4 were applied, none from there on"
run "neighbors of the bad batch" 0 "${A[@]}" neighbor get ip 198.18.0.31
run "endpoints of the bad batch: none" 1 "${A[@]}" endpoint get vni 8 ip 198.51.100.11

printf 'endpoint add vni 9 ip 198.51.100.21 mac 0e:00:00:00:09:01 host 198.18.0.30\nendpoint add vni 9 ip nowhere mac 0e:00:00:00:09:02 host 198.18.0.30\nendpoint add vni 9 ip 198.51.100.23 mac 0e:00:00:00:09:03 host 198.18.0.30\n' >"$tmp/syntax.batch"
run "batch with a grammar error on line 2" 1 "${A[@]}" -b "$tmp/syntax.batch"
has "grammar error names the line" "$tmp/err" "$tmp/syntax.batch:2: bad ip 'nowhere'"
{
    echo "neighbor add ip 198.18.0.40 mac 02:00:00:00:00:40"
    echo "neighbor add ip 198.18.0.41 mac 02:00:00:00:00:41"
    echo "endpoint add vni 12 ip 198.51.100.41 mac 0e:00:00:00:0c:01 host 198.18.0.40"
    echo "endpoint add vni 12 ip 198.51.100.42 mac 0e:00:00:00:0c:02 host 198.18.0.40"
    echo "endpoint add vni 12 $(seq -s ' ' 70)"
} >"$tmp/long.batch"
run "batch with an overlong line 5" 1 "${A[@]}" -b "$tmp/long.batch"
has "overlong line named" "$tmp/err" "$tmp/long.batch:5: too many words"
# a file is checked whole before any of it is sent (tables/cmdfile.h)
has "a bad line: nothing applied" "$tmp/err" "stopped: nothing was applied"
run "neighbors before the overlong line: not sent" 1 "${A[@]}" neighbor get ip 198.18.0.41
run "endpoints before the overlong line: not sent" 1 "${A[@]}" endpoint get vni 12 ip 198.51.100.41
run "-f: on after errors, still failing" 1 "${A[@]}" -f -b "$tmp/syntax.batch"
run "-f: the line after the error applied" 0 "${A[@]}" endpoint get vni 9 ip 198.51.100.23
# one grammar: numbers are decimal in add, get and del alike (once, add
# read 'vni 010' as octal 8 and get as 10, and could not find it)
run "vni 010: add" 0 "${A[@]}" endpoint add vni 010 ip 198.51.100.60 mac 0e:00:00:00:3c:01 host 198.18.0.30
run "vni 010: get finds it" 0 "${A[@]}" -j endpoint get vni 010 ip 198.51.100.60
json "vni 010 is ten" 'j["vni"] == 10'
run "vni 10: the same endpoint" 0 "${A[@]}" endpoint get vni 10 ip 198.51.100.60
run "vni 0x10: refused" 2 "${A[@]}" endpoint add vni 0x10 ip 198.51.100.61 mac 0e:00:00:00:3c:02 host 198.18.0.30
has "vni 0x10: said why" "$tmp/err" "bad vni '0x10'"
run "vni 010: del" 0 "${A[@]}" endpoint del vni 010 ip 198.51.100.60
run "vni 010: gone" 1 "${A[@]}" endpoint get vni 10 ip 198.51.100.60

# one set of rules for command files: a comment may follow a command
printf 'vpc add vni 13 dividers 198.18.0.1   # the first divider\n  # indented comment\n\nvpc add vni 14 dividers 198.18.0.2#x\n' >"$tmp/comment.batch"
run "a # inside a word is no comment: refused" 1 "${A[@]}" -b "$tmp/comment.batch"
has "the line is named" "$tmp/err" "$tmp/comment.batch:4: bad dividers"
printf 'vpc add vni 13 dividers 198.18.0.1   # the first divider\n  # indented comment\n\nvpc add vni 14 dividers 198.18.0.2 #\n' >"$tmp/comment.batch"
run "trailing comments" 0 "${A[@]}" -b "$tmp/comment.batch"
run "trailing comments: applied" 0 "${A[@]}" vpc get vni 14
run "batch from stdin" 0 bash -c "echo 'vpc add vni 11 dividers 198.18.0.1' | \"\$@\" -b -" _ "${A[@]}"
run "stdin batch applied" 0 "${A[@]}" vpc get vni 11
run "-b and a command: usage" 2 "${A[@]}" -b "$tmp/ok.batch" endpoint list
run "batch file missing: usage" 2 "${A[@]}" -b "$tmp/none.batch"

# 25000 endpoints: three requests of up to 10000
python3 - "$tmp/big.batch" <<'EOF'
import sys
with open(sys.argv[1], "w") as f:
    for i in range(25000):
        f.write(f"endpoint add vni 20 ip 198.18.{i >> 8}.{i & 255} "
                f"mac 0e:00:14:{i >> 16:02x}:{(i >> 8) & 255:02x}:{i & 255:02x} host 198.18.0.30\n")
EOF
run "batch of 25000" 0 "${A[@]}" -b "$tmp/big.batch"
run "-j tables after it" 0 "${A[@]}" -j tables
json "25000 + 3 endpoints" 'j["tables"]["endpoint"]["count"] == 25003'
run "list of 25003 across pages" 0 "${A[@]}" -j endpoint list
json "every endpoint listed once" 'len(j) == 25003 and len({(e["vni"], e["ip"]) for e in j}) == 25003'

# --- usage and exit codes -------------------------------------------------
run "--help" 0 "$ctl" --help
has "--help: exit status documented" "$tmp/out" "Exit status:"
for o in gateway endpoint network vpc neighbor stats tables; do
    run "$o help" 0 "$ctl" "$o" help
    has "$o help: its JSON shape" "$tmp/out" "JSON:"
done
run "version help" 0 "$ctl" version help
run "no arguments: usage" 2 "$ctl"
run "unknown object: usage" 2 "${A[@]}" bogus
run "unknown command: usage" 2 "${A[@]}" endpoint frob
run "unknown option: usage" 2 "$ctl" --frob
run "no daemon: exit 3" 3 "$ctl" -s "$tmp/none.sock" version
has "no daemon: said so" "$tmp/err" "cannot connect to $tmp/none.sock"
run "ALKAID_SOCKET" 0 env ALKAID_SOCKET="$sock" "$ctl" version

# --- the state file: across a restart, and as a batch file -----------------
stop d1
has "state file written at exit, in the grammar" "$state" "endpoint add vni 9 ip 198.51.100.23 mac 0e:00:00:00:09:03 host 198.18.0.30"
start d1 -s "$sock" -S "$state" -n 200000 || exit 1
run "-j tables after the restart" 0 "${A[@]}" -j tables
# 5 neighbors: the 2 of long.batch were never sent
json "everything back" 'j["tables"]["endpoint"]["count"] == 25003 and j["tables"]["neighbor"]["count"] == 5'
run "gateway back" 0 "${A[@]}" gateway
has "gateway back: vxlan port" "$tmp/out" "8472"
sock2=$tmp/ctl2.sock
start d2 -s "$sock2" -n 200000 || exit 1
run "the state file as a batch file" 0 "$ctl" -s "$sock2" -b "$state"
"${A[@]}" -j endpoint list | python3 -c 'import json,sys; print(sorted(map(str, json.load(sys.stdin))))' >"$tmp/list1"
"$ctl" -s "$sock2" -j endpoint list | python3 -c 'import json,sys; print(sorted(map(str, json.load(sys.stdin))))' >"$tmp/list2"
if cmp -s "$tmp/list1" "$tmp/list2"; then ok "same endpoints in both daemons"; else not_ok "same endpoints in both daemons"; fi

# --- start-up from a config file -------------------------------------------
start d3 -c "$src/config/alkaid-xdp.conf" -s "$tmp/ctl3.sock" || exit 1
run "initial tables from the example config" 0 "$ctl" -s "$tmp/ctl3.sock" endpoint get vni 100 ip 203.0.113.5
run "gateway from the example config" 0 "$ctl" -s "$tmp/ctl3.sock" gateway
has "gateway from the example config: its address" "$tmp/out" "198.18.0.1"
printf 'control = {\n  socket = "%s";\n};\ntable-sizes = {\n  endpoints = -1;\n};\n' "$tmp/x.sock" >"$tmp/bad.conf"
run "a bad config: refused" 1 "$testd" -c "$tmp/bad.conf"
has "a bad config: file, line, setting" "$tmp/err" "$tmp/bad.conf:5: table-sizes.endpoints: -1 out of range (1-268435456)"

tap_end
