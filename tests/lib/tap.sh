# SPDX-License-Identifier: BSD-3-Clause
# TAP lines for the shell tests that run many small checks (source after
# lib_init, which sets $tmp):
#
#   ok DESC / not_ok DESC    one result; not_ok shows $tmp/out and $tmp/err
#   check DESC CMD...        CMD succeeds
#   run DESC RC CMD...       CMD exits with RC; stdout in $tmp/out, stderr
#                            in $tmp/err
#   has DESC FILE STRING     a fixed string is in FILE
#   tap_end                  the plan line; fails when any check failed
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
    n=$((n + 1))
    failed=$((failed + 1))
    echo "not ok $n - $1"
    [ -s "$tmp/out" ] && sed 's/^/#   out: /' "$tmp/out" | head -20
    [ -s "$tmp/err" ] && sed 's/^/#   err: /' "$tmp/err" | head -20
}
check() {
    local desc=$1
    shift
    if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}
run() {
    local desc=$1 want=$2 rc
    shift 2
    "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    if [ "$rc" -eq "$want" ]; then ok "$desc"; else
        echo "# exit $rc, wanted $want: $*"
        not_ok "$desc"
    fi
}
has() {
    if grep -qF -- "$3" "$2"; then ok "$1"; else
        echo "# '$3' not in $2"
        not_ok "$1"
    fi
}
tap_end() {
    echo "1..$n"
    [ "$failed" -eq 0 ]
}
