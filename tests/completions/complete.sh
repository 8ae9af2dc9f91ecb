#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# complete.sh ALKAIDCTL SCRIPT
#
# The bash completion of alkaidctl (completions/alkaidctl) as bash runs
# it: bash-completion's library and SCRIPT sourced, COMP_WORDS, COMP_CWORD,
# COMP_LINE and COMP_POINT set as bash would for a command line, the
# completion function called, COMPREPLY checked: objects, commands, field
# words (those not typed yet), flag values, options, and files after -b.
# The words come from ALKAIDCTL --complete, which is checked through it.

if [ $# -ne 2 ]; then
    echo "usage: $0 ALKAIDCTL SCRIPT" >&2
    exit 2
fi
ctl=$(realpath "$1")
script=$2
. "$(dirname "$0")/../lib/lib.sh"
lib_init complete

for lib in /usr/share/bash-completion/bash_completion; do
    [ -r "$lib" ] && . "$lib"
done
. "$script"
complete -p alkaidctl >/dev/null 2>&1 || fail "$script registers no completion for alkaidctl"
fn=$(complete -p alkaidctl | sed -n 's/.*-F \([^ ]*\) .*/\1/p')
# the completion runs the alkaidctl being completed: the build tree's
PATH=$(dirname "$ctl"):$PATH

# complete LINE: what completing at the end of LINE offers, sorted, on
# one line
complete_line() {
    local line=$1
    COMP_LINE=$line
    COMP_POINT=${#line}
    read -r -a COMP_WORDS <<<"$line"
    [[ $line == *" " ]] && COMP_WORDS+=("")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMPREPLY=()
    "$fn" alkaidctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
    printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//'
}

# expect LINE WANTED: the offers are exactly WANTED (sorted, spaces)
checks=0
expect() {
    local got
    got=$(complete_line "$1")
    [ "$got" = "$2" ] || fail "'$1<TAB>': got '$got', expected '$2'"
    checks=$((checks + 1))
}

expect "alkaidctl " "capture endpoint gateway help neighbor network port stats tables version vpc"
expect "alkaidctl end" "endpoint"
expect "alkaidctl n" "neighbor network"
expect "alkaidctl endpoint " "add del get help list"
expect "alkaidctl endpoint a" "add"
expect "alkaidctl endpoint add " "host ip mac vni"
expect "alkaidctl endpoint add vni 100 ip 203.0.113.5 " "host mac"
expect "alkaidctl endpoint add vni " ""
expect "alkaidctl endpoint del " "ip vni"
expect "alkaidctl network add vni 100 vxlan " "off on"
expect "alkaidctl gateway set direct-path o" "off on"
expect "alkaidctl gateway set ip 198.18.0.1 direct-path-" "direct-path-burst direct-path-rate"
expect "alkaidctl stats show " "all"
expect "alkaidctl -s /run/un.sock -j vpc " "add del get help list"
expect "alkaidctl --js" "--json"
expect "alkaidctl -" "--batch --etcd --force --group --help --json --prefix --pretty --socket --version -P -V -b -e -f -g -h -j -p -s"
expect "alkaidctl nothing " ""
expect "alkaidctl capture " "--ingress --reason -Q -c -i -p -s -w"
expect "alkaidctl capture -c 10 --in" "--ingress"
expect "alkaidctl capture --reason geneve_o" "geneve_option"
expect "alkaidctl capture --reason bounce,table_m" "bounce,table_miss"
expect "alkaidctl capture -Q " "in out"
: >"$tmp/un-batch.txt"
expect "alkaidctl -b $tmp/un-b" "$tmp/un-batch.txt"
expect "alkaidctl -b $tmp/un-batch.txt " ""
step "$checks completions as expected"
