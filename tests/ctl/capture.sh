#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# capture.sh xdp|dpdk DAEMON ALKAIDCTL XDP_PASS_OBJ FRAMES_PY
#
# alkaidctl capture against a running alkaid-xdp (-i gw0) or alkaid-dpdk
# (-p 0, net_af_packet on gw0), checked with tshark:
#   - everything, ended by Ctrl-C: a complete pcapng, every frame with its
#     "reason=... verdict=..." comment; the bounced frame as it left (outer
#     destination the endpoint's host, outbound), the frame with a broken
#     Geneve option as reason=geneve_option verdict=drop;
#   - --reason geneve_option -c 1: that frame only, then the client stops;
#   - -i gw1 or -p 1 -c 1: a frame bounced on gw0 first is not taken, the
#     one on the second interface or port is;
#   - -s 64 -w -: frames cut at 64 bytes, their length kept, the file on
#     standard output;
#   - -Q in: the bounced frame as it arrived (outer destination the
#     gateway, inbound);
#   - (XDP) the daemon stopped (SIGSTOP) while 30000 frames are bounced:
#     every bounce is captured or counted lost, some lost;
#   - a second capture while one runs is refused (-32006); an unknown
#     reason is a usage error listing the reasons.
#
#   namespace cp...-gw:   gw0, gw1  the gateway 198.18.0.1: native XDP, or
#                                   alkaid-dpdk on net_af_packet (ports 0, 1)
#   namespace cp...-peer: pe0, pe1  XDP_PASS; scapy sends as the host
#                                   198.18.0.2
#
# Exit 77 (skip) when not root or without tshark or scapy.
set -euo pipefail

if [ $# -ne 5 ]; then
    echo "usage: $0 xdp|dpdk DAEMON ALKAIDCTL XDP_PASS_OBJ FRAMES_PY" >&2
    exit 2
fi
backend=$1 alkaid=$(realpath "$2") ctl=$(realpath "$3") pass_obj=$4 frames_py=$5
ALKAIDCTL=$ctl
. "$(dirname "$0")/../lib/lib.sh"
lib_init "$backend-capture"
need_root
command -v tshark >/dev/null || { note "no tshark: skipped"; exit 77; }
/usr/bin/python3 -c 'import scapy' 2>/dev/null || { note "no scapy: skipped"; exit 77; }

gw_peer cp$$ 2 "$pass_obj"
sock=$tmp/cp.sock
if [ "$backend" = xdp ]; then
    bpffs_mount "$tmp/bpffs"
    daemon_start cp-xdp --ctl "$sock" -- ip netns exec "$ns_gw" "$alkaid" \
        -i gw0 -i gw1 --bpffs "$tmp/bpffs" -s "$sock" \
        --gateway-ip 198.18.0.1 || fail "alkaid-xdp did not start"
    where=(-i gw0) ifname=gw0 other=(-i gw1) othername=gw1
else
    eal_args eal 512 "cp-dpdk-$$"
    daemon_start cp-dpdk --ctl "$sock" --timeout 60 -- ip netns exec "$ns_gw" \
        "$alkaid" -l 0,1 "${eal[@]}" --vdev net_af_packet0,iface=gw0 \
        --vdev net_af_packet1,iface=gw1 -- \
        -s "$sock" --gateway-ip 198.18.0.1 --gateway-mac "$gw_mac" ||
        fail "alkaid-dpdk did not start"
    where=(-p 0) ifname=net_af_packet0 other=(-p 1) othername=net_af_packet1
fi
"$ctl" -s "$sock" neighbor add ip 198.18.0.3 mac "$peer_mac"
"$ctl" -s "$sock" endpoint add vni 100 ip 198.19.0.20 mac 0e:00:00:00:00:14 \
    host 198.18.0.3

send() { ip netns exec "$ns_peer" /usr/bin/python3 "$frames_py" pe0 "$gw_mac" "$@"; }
send1() {
    ip netns exec "$ns_peer" /usr/bin/python3 "$frames_py" pe1 \
        "$(mac_plus "$gw_mac" 1)" "$@"
}

# capture NAME ARGS...: alkaidctl capture in the background into
# $tmp/NAME.pcapng, ready once it says it captures
capture() {
    local name=$1
    shift
    daemon_start "$name" --log "capturing into" -- \
        "$ctl" -s "$sock" capture "$@" -w "$tmp/$name.pcapng" ||
        fail "alkaidctl capture $* did not start"
}

counter() { "$ctl" -s "$sock" -j stats | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['reasons']['$1'])"; }

# fields FILE FIELD...: one line per frame, tab-separated
fields() {
    local f=$1 a=()
    shift
    for x; do a+=(-e "$x"); done
    tshark -r "$f" -T fields "${a[@]}" 2>"$tmp/tshark.err"
}

# --- everything on the interface or port, until Ctrl-C ----------------
capture all "${where[@]}"
send bounce broken_option unknown_vni
sleep 1
daemon_stop all INT || fail "capture ended with $? on SIGINT"
grep -q "frames captured, 0 lost" "$tmp/all.log" ||
    fail "no summary: $(cat "$tmp/all.log")"
tshark -r "$tmp/all.pcapng" -V >"$tmp/all.txt" 2>&1 || fail "tshark cannot read the file: $(tail -3 "$tmp/all.txt")"
n=$(fields "$tmp/all.pcapng" frame.number | wc -l)
c=$(fields "$tmp/all.pcapng" frame.comment | grep -cE '^reason=[a-z_]+ verdict=(tx|pass|drop)$' || true)
[ "$n" -ge 3 ] && [ "$n" -eq "$c" ] ||
    fail "$n frames, $c with a reason comment: $(fields "$tmp/all.pcapng" frame.comment)"
fields "$tmp/all.pcapng" frame.comment ip.dst frame.interface_name >"$tmp/all.fields"
grep -qP "^reason=bounce verdict=tx\t198.18.0.3,198.19.0.20\t$ifname\$" "$tmp/all.fields" ||
    fail "no bounce to 198.18.0.3 on $ifname: $(cat "$tmp/all.fields")"
grep -q '^reason=geneve_option verdict=drop' "$tmp/all.fields" ||
    fail "the broken option is not reason=geneve_option: $(cat "$tmp/all.fields")"
grep -q '^reason=unknown_vni verdict=drop' "$tmp/all.fields" ||
    fail "no unknown_vni: $(cat "$tmp/all.fields")"
grep -q "(Comment/Comment): reason=geneve_option verdict=drop" "$tmp/all.txt" ||
    fail "tshark -V does not show the comment"
grep -q "Direction: Outbound" "$tmp/all.txt" || fail "the bounce is not outbound"
step "Ctrl-C: $n frames, each with its reason comment; bounce, geneve_option and unknown_vni as sent"

# --- --reason, -c -------------------------------------------------------
capture reason --reason geneve_option -c 1
send bounce broken_option bounce
daemon_wait reason || fail "capture -c 1 exited with $?"
[ "$(fields "$tmp/reason.pcapng" frame.comment)" = "reason=geneve_option verdict=drop" ] ||
    fail "--reason geneve_option -c 1: $(fields "$tmp/reason.pcapng" frame.comment)"
step "--reason geneve_option -c 1: one frame, the broken option"

# --- the other interface or port only -----------------------------------
capture other "${other[@]}" --reason bounce -c 1
send bounce
send1 bounce
daemon_wait other || fail "capture ${other[*]} -c 1 exited with $?"
[ "$(fields "$tmp/other.pcapng" frame.interface_name frame.comment)" = \
    "$othername	reason=bounce verdict=tx" ] ||
    fail "${other[*]}: $(fields "$tmp/other.pcapng" frame.interface_name frame.comment)"
step "${other[*]} -c 1: the bounce on $othername, not the one on $ifname before it"

# --- -s ------------------------------------------------------------------
# (into standard output: -w -)
background snap "$ctl" -s "$sock" capture -s 64 --reason bounce -c 1 -w - \
    >"$tmp/snap.pcapng" 2>"$tmp/snap.log"
wait_for 10 grep -q "capturing into -" "$tmp/snap.log" ||
    fail "capture -w - did not start: $(cat "$tmp/snap.log")"
send bounce
daemon_wait snap || fail "capture -s 64 -w - exited with $?"
read -r caplen len < <(fields "$tmp/snap.pcapng" frame.cap_len frame.len)
[ "$caplen" = 64 ] && [ "$len" -gt 64 ] ||
    fail "-s 64: captured $caplen of $len bytes"
step "-s 64 -w -: $caplen of $len bytes, on standard output"

# --- -Q in: before the rewrite --------------------------------------------
capture in -Q in --reason bounce -c 1
send bounce
daemon_wait in || fail "capture -Q in exited with $?"
fields "$tmp/in.pcapng" ip.dst frame.comment >"$tmp/in.fields"
grep -qP '^198.18.0.1,198.19.0.20\treason=bounce verdict=tx$' "$tmp/in.fields" ||
    fail "-Q in: not the frame as it arrived: $(cat "$tmp/in.fields")"
tshark -r "$tmp/in.pcapng" -V 2>/dev/null | grep -q "Direction: Inbound" ||
    fail "-Q in: not marked inbound"
step "-Q in: the bounced frame as it arrived (to the gateway), inbound"

# --- lost: alkaid-xdp stopped while its ring fills (4 MiB: ~23K records) -
if [ "$backend" = xdp ]; then
    capture lost --reason bounce -s 2048
    before=$(counter bounce)
    kill -STOP "$(daemon_pid cp-xdp)"
    send --count 30000 bounce
    kill -CONT "$(daemon_pid cp-xdp)"
    sleep 2
    daemon_stop lost INT || fail "capture ended with $? on SIGINT"
    bounced=$(($(counter bounce) - before))
    read -r got lost < <(sed -n 's/^\([0-9]*\) frames captured, \([0-9]*\) lost.*/\1 \2/p' "$tmp/lost.log")
    n=$(fields "$tmp/lost.pcapng" frame.number | wc -l)
    [ "${lost:-0}" -gt 0 ] && [ "$n" = "$got" ] && [ $((got + lost)) = "$bounced" ] ||
        fail "lost: $bounced bounced, $got captured ($n in the file), ${lost:-?} lost"
    step "a stalled reader: $bounced bounced, $got captured, $lost counted lost"
fi

# --- one at a time; bad reasons ----------------------------------------
capture first --reason bounce
rc=0
"$ctl" -s "$sock" capture -w "$tmp/second.pcapng" 2>"$tmp/second.err" || rc=$?
[ "$rc" -eq 1 ] && grep -q "a capture is running" "$tmp/second.err" ||
    fail "a second capture: exit $rc, $(cat "$tmp/second.err")"
daemon_stop first INT || fail "capture ended with $? on SIGINT"
rc=0
"$ctl" -s "$sock" capture --reason bounce,nonsense -w "$tmp/bad.pcapng" 2>"$tmp/bad.err" || rc=$?
[ "$rc" -eq 2 ] && grep -q "no reason 'nonsense'" "$tmp/bad.err" &&
    grep -q "geneve_option" "$tmp/bad.err" ||
    fail "unknown reason: exit $rc, $(cat "$tmp/bad.err")"
if [ "$backend" = xdp ]; then wrong=(-p 0) why="not ports"; else wrong=(-i gw0) why="not interfaces"; fi
rc=0
"$ctl" -s "$sock" capture "${wrong[@]}" -w "$tmp/wrong.pcapng" 2>"$tmp/wrong.err" || rc=$?
[ "$rc" -eq 1 ] && grep -q "$why" "$tmp/wrong.err" ||
    fail "capture ${wrong[*]}: exit $rc, $(cat "$tmp/wrong.err")"
step "a second capture is refused; an unknown reason lists the reasons; ${wrong[*]} is refused"
