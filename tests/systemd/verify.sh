#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# verify.sh UNITS_DIR MAN_DIR BINARY...
#
# systemd-analyze verify on the built units (systemd/), offline: copies
# with each ExecStart binary replaced by the build tree's (BINARY..., by
# name), instances of the templates, and the built manual pages (MAN_DIR)
# on MANPATH so that Documentation= is checked too.  Any message fails:
# verify reports unknown keys as warnings only.
set -euo pipefail

[ $# -ge 3 ] || { echo "usage: $0 UNITS_DIR MAN_DIR BINARY..." >&2; exit 2; }
units=$1 mandir=$2
shift 2
. "$(dirname "$0")/../lib/lib.sh"
lib_init systemd-verify
command -v systemd-analyze >/dev/null || { echo "no systemd-analyze: skipped"; exit 77; }

mkdir -p "$tmp/units" "$tmp/man/man5" "$tmp/man/man8"
for page in "$mandir"/*.[58]; do
    ln -s "$(realpath "$page")" "$tmp/man/man${page##*.}/"
done
subst=()
for bin; do
    subst+=(-e "s#^\(Exec[A-Za-z]*=[-@!+:]*\)[^ ]*/$(basename "$bin")\( \|$\)#\1$(realpath "$bin")\2#")
done
checked=()
for unit in "$units"/*.service; do
    name=$(basename "$unit")
    sed "${subst[@]}" "$unit" >"$tmp/units/$name"
    # every ExecStart must now be a binary of the build tree
    exe=$(sed -n 's/^ExecStart=[-@!+:]*\([^ ]*\).*/\1/p' "$tmp/units/$name")
    case " $(printf '%s ' "$@" | xargs -n1 realpath | tr '\n' ' ')" in
    *" $exe "*) ;;
    *) fail "$name: ExecStart $exe is none of the binaries given" ;;
    esac
    grep -q '^Type=notify$' "$tmp/units/$name" || fail "$name: not Type=notify"
    grep -q '^ExecReload=/bin/kill -HUP \$MAINPID$' "$tmp/units/$name" ||
        fail "$name: no ExecReload sending SIGHUP"
    case $name in
    *@.service) checked+=("$tmp/units/${name%@.service}@un0.service") ;;
    *) checked+=("$tmp/units/$name") ;;
    esac
done
[ ${#checked[@]} -ge 3 ] || fail "only ${#checked[@]} units in $units"
rc=0
MANPATH=$tmp/man SYSTEMD_LOG_COLOR=0 systemd-analyze verify "${checked[@]}" \
    >"$tmp/verify.log" 2>&1 || rc=$?
if [ "$rc" -ne 0 ] || [ -s "$tmp/verify.log" ]; then
    cat "$tmp/verify.log" >&2
    fail "systemd-analyze verify: status $rc"
fi
step "systemd-analyze verify: ${#checked[@]} units, no message"
