#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# /metrics of a daemon (ctl-testd: the daemon skeleton over the in-memory
# tables) scraped with curl: OpenMetrics when asked (a strict parser
# takes it), else the text format 0.0.4 (promtool takes it); its
# figures are those of alkaidctl (stats, tables, version) and move with
# the control requests; 404 and 405; a bad address and a taken port
# refused, with what was wrong; the configuration file's control.metrics.
#
#   metrics_test.sh ALKAIDCTL CTL_TESTD
set -u
ctl=$1
testd=$2

. "$(dirname "$0")/../lib/lib.sh"
lib_init metrics

for t in curl promtool; do
    command -v $t >/dev/null || {
        echo "metrics: no $t: skipped"
        exit 77
    }
done

. "$(dirname "$0")/../lib/tap.sh"

# a port of our own: the first free one from a pid-dependent start
port=$((20000 + $$ % 20000))
while ss -Htln "sport = :$port" | grep -q .; do port=$((port + 1)); done
addr=127.0.0.1:$port
url=http://$addr/metrics
sock=$tmp/ctl.sock
A=("$ctl" -s "$sock")

# value NAME{LABELS}: the sample's value in $tmp/page, or "none"
value() {
    awk -v k="$1" '$1 == k { print $2; f = 1 } END { if (!f) print "none" }' \
        "$tmp/page"
}
scrape() { curl -sf -o "$tmp/page" -D "$tmp/headers" "$@" "$url"; }

# --- refused addresses -------------------------------------------------------
run "--metrics without a port: usage error" 1 "$testd" -s "$sock" --metrics 127.0.0.1
has "--metrics without a port: said what is wrong" "$tmp/err" "--metrics '127.0.0.1': not ADDR:PORT"
run "--metrics with port 0: usage error" 1 "$testd" -s "$sock" --metrics 127.0.0.1:0
printf 'control = {\n  metrics = "localhost:80";\n};\n' >"$tmp/bad.conf"
run "control.metrics not an address: refused" 1 "$testd" -c "$tmp/bad.conf" -s "$sock"
has "control.metrics: file and setting named" "$tmp/err" "$tmp/bad.conf: control.metrics 'localhost:80': not ADDR:PORT"

# --- a daemon serving --------------------------------------------------------
daemon_start d1 --log ready --timeout 5 -- "$testd" -s "$sock" -n 1000 --metrics "$addr" ||
    fail "ctl-testd --metrics $addr did not start"
has "the daemon says where the metrics are" "$tmp/d1.log" "metrics at $url"
run "a second daemon on the same port: refused" 1 "$testd" -s "$tmp/ctl2.sock" --metrics "$addr"
has "the taken port: address and reason" "$tmp/err" "cannot listen on $addr: Address already in use"

"${A[@]}" gateway set ip 198.18.0.1 mac 02:00:00:00:00:01 >/dev/null
"${A[@]}" neighbor add ip 198.18.0.12 mac 02:00:00:00:00:12 >/dev/null
"${A[@]}" endpoint add vni 100 ip 203.0.113.5 mac 0e:00:00:00:00:05 host 198.18.0.12 >/dev/null
"${A[@]}" endpoint add vni 100 ip 203.0.113.6 mac 0e:00:00:00:00:06 host 198.18.0.12 >/dev/null

# what the scraper's Accept asks for: OpenMetrics (Prometheus), else the
# text format 0.0.4 (curl, promtool)
check "GET /metrics, Accept OpenMetrics: 200" scrape -H "Accept: application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5"
has "Content-Type: OpenMetrics 1.0.0" "$tmp/headers" "Content-Type: application/openmetrics-text; version=1.0.0; charset=utf-8"
check "the OpenMetrics page ends with # EOF" [ "$(tail -n 1 "$tmp/page")" = "# EOF" ]
check "an OpenMetrics counter family is named without _total" \
    grep -qx '# TYPE alkaid_packets counter' "$tmp/page"
# a strict parser: the Prometheus project's Python client's OpenMetrics one
run "OpenMetrics page parsed strictly (prometheus_client)" 0 /usr/bin/python3 -c '
import sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
fams = list(text_string_to_metric_families(open(sys.argv[1]).read()))
pk = [f for f in fams if f.name == "alkaid_packets"]
assert pk and pk[0].type == "counter", "no alkaid_packets counter"
assert any(s.name == "alkaid_packets_total" for s in pk[0].samples)
print(len(fams), "families")' "$tmp/page"
cp "$tmp/page" "$tmp/page.om"
check "GET /metrics: 200" scrape
has "Content-Type: text format 0.0.4" "$tmp/headers" "Content-Type: text/plain; version=0.0.4; charset=utf-8"
check "the text page has no # EOF" bash -c "! grep -q '^# EOF' '$tmp/page'"
run "promtool check metrics" 0 promtool check metrics <"$tmp/page"
check "text format: a counter's TYPE is its samples' name" \
    grep -qx '# TYPE alkaid_packets_total counter' "$tmp/page"
check "both pages: the same samples" \
    diff <(grep -v '^#' "$tmp/page") <(grep -v '^#' "$tmp/page.om")

# every reason's counter is alkaidctl's, with its verdict as a label
"${A[@]}" -j stats >"$tmp/stats.json"
python3 - "$tmp/stats.json" "$tmp/page" <<'EOF' >"$tmp/out" 2>&1
import json, re, sys
j = json.load(open(sys.argv[1]))
page = {}
for line in open(sys.argv[2]):
    m = re.match(r'alkaid_packets_total\{reason="(\w+)",verdict="(\w+)"\} (\d+)$', line)
    if m:
        page[m[1]] = (m[2], int(m[3]))
bad = [r for r, v in j["reasons"].items() if r not in page or page[r][1] != v]
assert not bad, f"differ: {bad}"
assert len(page) == len(j["reasons"]), "not every reason"
verdicts = {}
for r, (v, n) in page.items():
    verdicts[v] = verdicts.get(v, 0) + n
assert set(verdicts) == set(j["verdicts"]), verdicts
EOF
check "alkaid_packets_total: every reason, equal to alkaidctl stats" [ $? -eq 0 ]

"${A[@]}" -j tables >"$tmp/tables.json"
python3 - "$tmp/tables.json" "$tmp/page" <<'EOF' >"$tmp/out" 2>&1
import json, re, sys
j = json.load(open(sys.argv[1]))["tables"]
page = {}
for line in open(sys.argv[2]):
    m = re.match(r'alkaid_table_(entries|capacity)\{table="(\w+)"\} (\d+)$', line)
    if m:
        page[(m[2], m[1])] = int(m[3])
for t, info in j.items():
    assert page.get((t, "entries")) == info["count"], (t, page.get((t, "entries")), info)
    assert page.get((t, "capacity")) == info["capacity"], (t, info)
assert len(page) == 2 * len(j), page
EOF
check "alkaid_table_entries and _capacity: alkaidctl tables' figures" [ $? -eq 0 ]
check "two endpoints counted" [ "$(value 'alkaid_table_entries{table="endpoint"}')" = 2 ]
check "the endpoint table's capacity is -n 1000" [ "$(value 'alkaid_table_capacity{table="endpoint"}')" = 1000 ]

version=$("${A[@]}" -j version | python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])')
check "alkaid_build_info: version and data plane" \
    [ "$(value "alkaid_build_info{version=\"$version\",dataplane=\"host\"}")" = 1 ]

# control requests and errors move with what alkaidctl asks
check "requests: the 4 adds, stats, tables, version so far" \
    [ "$(value alkaid_control_requests_total)" = 4 ]
scrape
check "... and 7 after them" [ "$(value alkaid_control_requests_total)" = 7 ]
req0=$(value alkaid_control_requests_total)
nf0=$(value 'alkaid_control_errors_total{code="-32001",error="not_found"}')
cf0=$(value 'alkaid_control_errors_total{code="-32003",error="conflict"}')
"${A[@]}" endpoint get vni 100 ip 203.0.113.99 >/dev/null 2>&1
"${A[@]}" endpoint get vni 100 ip 203.0.113.98 >/dev/null 2>&1
"${A[@]}" endpoint add vni 100 ip 203.0.113.7 mac 0e:00:00:00:00:05 host 198.18.0.12 >/dev/null 2>&1
printf '{"jsonrpc":"2.0","id":1,"method":"nope"}\nnot json\n' |
    python3 -c 'import socket,sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(sys.stdin.buffer.read()); s.shutdown(socket.SHUT_WR)
while s.recv(4096): pass' "$sock"
scrape
check "requests: +5 (3 of alkaidctl, 2 raw lines)" [ "$(value alkaid_control_requests_total)" = $((req0 + 5)) ]
check "errors not_found: +2" [ "$(value 'alkaid_control_errors_total{code="-32001",error="not_found"}')" = $((nf0 + 2)) ]
check "errors conflict: +1" [ "$(value 'alkaid_control_errors_total{code="-32003",error="conflict"}')" = $((cf0 + 1)) ]
check "errors method_not_found: 1" [ "$(value 'alkaid_control_errors_total{code="-32601",error="method_not_found"}')" = 1 ]
check "errors parse_error: 1" [ "$(value 'alkaid_control_errors_total{code="-32700",error="parse_error"}')" = 1 ]

# --- HTTP: other paths and methods --------------------------------------------
check "GET /: 404" [ "$(curl -s -o /dev/null -w '%{http_code}' "http://$addr/")" = 404 ]
check "GET /metrics/x: 404" [ "$(curl -s -o /dev/null -w '%{http_code}' "$url/x")" = 404 ]
check "POST /metrics: 405" [ "$(curl -s -o /dev/null -w '%{http_code}' -X POST -d x=1 "$url")" = 405 ]
curl -s -D "$tmp/headers" -o /dev/null -X DELETE "$url"
has "405 says Allow: GET, HEAD" "$tmp/headers" "Allow: GET, HEAD"
check "HEAD /metrics: 200" [ "$(curl -s -o /dev/null -w '%{http_code}' -I "$url")" = 200 ]
# many scrapes, some cut short: the loop goes on serving both sockets
pids=()
for _ in $(seq 20); do
    curl -s -m 2 -o /dev/null "$url" &
    pids+=($!)
done
for _ in $(seq 5); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port" && printf 'GET /met' >&3) &
    pids+=($!)
done
wait "${pids[@]}"
check "still serving /metrics" scrape
run "still serving the control socket" 0 "${A[@]}" version
daemon_stop d1
check "the port is closed at exit" [ "$(curl -s -o /dev/null -w '%{http_code}' "$url")" = 000 ]

# --- from the configuration file; the command line wins -------------------------
printf 'control = {\n  metrics = "%s";\n};\n' "$addr" >"$tmp/ok.conf"
daemon_start d2 --log ready --timeout 5 -- "$testd" -c "$tmp/ok.conf" -s "$sock" ||
    fail "ctl-testd -c with control.metrics did not start"
check "control.metrics: served" scrape
daemon_stop d2
port2=$((port + 1))
while ss -Htln "sport = :$port2" | grep -q .; do port2=$((port2 + 1)); done
daemon_start d3 --log ready --timeout 5 -- "$testd" -c "$tmp/ok.conf" -s "$sock" \
    --metrics "127.0.0.1:$port2" || fail "ctl-testd --metrics over the file did not start"
check "--metrics wins over control.metrics" \
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port2/metrics")" = 200 ]
check "... and the file's address is not served" \
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$url")" = 000 ]
daemon_stop d3
# IPv6, on the loopback
if ip -6 addr show dev lo 2>/dev/null | grep -q '::1'; then
    daemon_start d6 --log ready --timeout 5 -- "$testd" -s "$sock" --metrics "[::1]:$port" ||
        fail "ctl-testd --metrics [::1]:$port did not start"
    check "--metrics [::1]:PORT: served" \
        [ "$(curl -s -o /dev/null -w '%{http_code}' "http://[::1]:$port/metrics")" = 200 ]
    daemon_stop d6
fi
daemon_start d4 --log ready --timeout 5 -- "$testd" -s "$sock" || fail "ctl-testd did not start"
check "without --metrics nothing listens" [ "$(curl -s -o /dev/null -w '%{http_code}' "$url")" = 000 ]
if grep -q "metrics at" "$tmp/d4.log"; then not_ok "no metrics line without --metrics"; else ok "no metrics line without --metrics"; fi

tap_end
