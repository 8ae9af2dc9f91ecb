# SPDX-License-Identifier: BSD-3-Clause
# lab.sh --installed, sourced by lab.sh after lib_init: the lab on the
# installed packages (debian/, README.md "Packages") instead of a build
# tree.  The binaries are those of /usr/sbin and the veth peers'
# xdp_pass.bpf.o the one alkaid-xdp installs; the gateway is started as
# its systemd unit starts it: the unit's ExecStart (the instance of
# alkaid-xdp@ being the lab's interface, gw0), on a configuration file
# written for the lab at the path that command reads (/etc/alkaid/; a
# file there before is put back at exit), its control socket where the
# command or that file puts it (/run/alkaid/, the units' runtime
# directory; $tmp/gwG.sock, which the lab talks to, is a link to it).

# the lab's paths into the build tree ($build/dp-xdp/alkaid-xdp and the
# like) lead to the installed files
build=$tmp/installed
mkdir -p "$build"/{dp-xdp,dp-dpdk,dp-agent,sync,ctl,tools}
for _f in dp-xdp/alkaid-xdp dp-dpdk/alkaid-dpdk dp-agent/alkaid-agent \
    sync/alkaid-sync ctl/alkaidctl; do
    ln -s "/usr/sbin/${_f#*/}" "$build/$_f"
done
LAB_PASS_OBJ=$(echo /usr/lib/*/alkaid/xdp_pass.bpf.o)
[ -f "$LAB_PASS_OBJ" ] || fail "--installed: no xdp_pass.bpf.o installed (alkaid-xdp)"
ALKAIDCTL=/usr/sbin/alkaidctl
[ -x "$ALKAIDCTL" ] || fail "--installed: no $ALKAIDCTL"

# unit_command ARRAY UNIT INSTANCE: the words of UNIT's ExecStart (%i, %I:
# INSTANCE; an environment variable, unset here, is no word); without the
# unit installed, the packaged daemon on its packaged configuration file
unit_command() {
    local -n _cmd=$1
    local unit=/lib/systemd/system/$2 line w words
    if [ -f "$unit" ]; then
        line=$(sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$unit" |
            sed -n 's/^ExecStart=[-@:+!]*//p' | head -n 1)
        [ -n "$line" ] || fail "$unit: no ExecStart"
        line=${line//%i/$3}
        line=${line//%I/$3}
        case $line in *%*) fail "$unit: specifiers the lab does not know: $line" ;; esac
        _cmd=()
        read -r -a words <<<"$line"
        for w in "${words[@]}"; do
            case $w in \$*) ;; *) _cmd+=("$w") ;; esac
        done
        return
    fi
    case $2 in
    alkaid-xdp@.service) _cmd=(/usr/sbin/alkaid-xdp -c /etc/alkaid/alkaid-xdp.conf) ;;
    alkaid-dpdk.service) _cmd=(/usr/sbin/alkaid-dpdk -- -c /etc/alkaid/alkaid-dpdk.conf) ;;
    esac
}

# option_value NAME SHORT LONG WORDS...: the value of -SHORT/--LONG in WORDS
option_value() {
    local -n _val=$1
    local short=$2 long=$3
    shift 3
    while [ $# -gt 0 ]; do
        case $1 in
        "$short" | "$long") _val=${2:-}; return ;;
        "$long"=*) _val=${1#*=}; return ;;
        esac
        shift
    done
}

# gw_start_installed G: the gateway's configuration file written where its
# unit reads it (what was there is put back at exit), its socket in
# /run/alkaid (the unit's RuntimeDirectory), then the unit's command
declare -A conf_saved=()
gw_start_installed() {
    local g=$1 ns="$LAB-gw$1" cmd=() conf= socket=/run/alkaid/$LAB-gw$1.sock
    case $backend in
    xdp) unit_command cmd alkaid-xdp@.service gw0 ;;
    dpdk) unit_command cmd alkaid-dpdk.service "" ;;
    esac
    option_value conf -c --config "${cmd[@]}"
    [ -n "$conf" ] || fail "the $backend unit names no configuration file: ${cmd[*]}"
    option_value socket -s --socket "${cmd[@]}"
    ln -sfn "$socket" "$tmp/gw$g.sock"
    # the directories the lab makes (a unit's runtime and state
    # directories, the configuration's) go at exit, when empty
    local d dirs=("$(dirname "$conf")" "$(dirname "$socket")")
    [ "$backend" = xdp ] || dirs+=(/var/lib/alkaid)
    for d in "${dirs[@]}"; do
        [ -d "$d" ] || on_exit rmdir --ignore-fail-on-non-empty "$d"
    done
    mkdir -p "$(dirname "$conf")" "$(dirname "$socket")"
    # what was there before the lab's first start, put back at exit
    if [ -z "${conf_saved[$conf]:-}" ]; then
        conf_saved[$conf]=$tmp/conf.orig.${#conf_saved[@]}
        if [ -e "$conf" ]; then
            cp -a "$conf" "${conf_saved[$conf]}"
            on_exit mv -f "${conf_saved[$conf]}" "$conf"
        else
            on_exit rm -f "$conf"
        fi
    fi
    # /metrics where lab.sh's checks read it (control.metrics)
    local metrics_setting="${metrics_addr:+ metrics = \"$metrics_addr\";}"
    case $backend in
    xdp)
        cat >"$conf" <<EOF
# alkaid-xdp for the lab $LAB (tests/lab/lab.sh --installed)
control = { socket = "$socket";$metrics_setting };
xdp = { interfaces = [ "gw0" ]; mode = "native"; pin-path = "$tmp/bpffs$g/alkaid"; };
EOF
        ;;
    dpdk)
        in_ns "$ns" ip addr flush dev gw0
        local eal=() a list=
        eal_args eal 1024 "$LAB-gw$g"
        for a in "${eal[@]}"; do list+="${list:+, }\"$a\""; done
        on_exit rm -f "/var/lib/alkaid/$LAB-gw$g.state"
        cat >"$conf" <<EOF
# alkaid-dpdk for the lab $LAB (tests/lab/lab.sh --installed)
control = { socket = "$socket";$metrics_setting };
table-sizes = { endpoints = 65536; networks = 1024; };
dpdk = {
  ports = ( { device = "net_af_packet0,iface=gw0"; queues = 1; } );
  main-lcore = 0;
  workers = [ 1 ];
  eal-args = [ $list ];
};
state-file = "/var/lib/alkaid/$LAB-gw$g.state";
EOF
        ;;
    esac
    step "gateway $g: ${cmd[*]} (in $ns)"
    daemon_start "gw$g" --ctl "$socket" --timeout 10 -- \
        ip netns exec "$ns" "${cmd[@]}" || fail "gateway $g did not start"
}

# --- the gateway, per back end -------------------------------------------
