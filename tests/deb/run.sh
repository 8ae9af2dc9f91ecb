#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The packages, as CI checks them: builds the binary packages of debian/
# (dpkg-buildpackage -b, from a copy of the tree in a temporary directory,
# so that the .debs never land beside the checkout), runs lintian (an
# error fails, warnings are printed), installs them with apt-get, checks
# what they put where, runs the demo lab on the installed binaries and the
# configuration paths of the systemd units (tools/demo.sh --installed),
# then purges them and whatever apt-get installed with them: the machine
# is left as it was.  Run as root.
#   tests/deb/run.sh [--keep-debs DIR] [--backend xdp|dpdk]...
#   LAB=prefix (default db) names the demo's namespaces, sockets and files.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
keep_debs=
backends=()
while [ $# -gt 0 ]; do
    case $1 in
    --keep-debs) keep_debs=$2; shift ;;
    --backend) backends+=("$2"); shift ;;
    *) echo "packages: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
[ ${#backends[@]} -gt 0 ] || backends=(xdp)
export LAB=${LAB:-db}

say() { echo "packages: $*"; }
fail() {
    echo "packages: FAIL: $*" >&2
    exit 1
}
[ "$(id -u)" -eq 0 ] || fail "run as root (apt-get install, the lab)"

# the binary packages debian/control defines
mapfile -t pkgs < <(sed -n 's/^Package: *//p' "$top/debian/control")
for p in "${pkgs[@]}"; do
    if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
        fail "$p is installed already: this test would remove it"
    fi
done

# installed_packages: what dpkg has installed, or is installing
installed_packages() {
    dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' |
        awk '$1 ~ /^i/ || $1 ~ /^.[iUFHWt]/ { print $2 }' | sort -u
}
work=$(mktemp -d "${TMPDIR:-/tmp}/alkaid-packages.XXXXXX")
installed_packages >"$work/installed.before"
cleanup() {
    local rc=$? added
    set +e
    # whatever this run installed: our packages and what came with them
    added=$(installed_packages | comm -13 "$work/installed.before" -)
    if [ -n "$added" ]; then
        say "purging $(echo $added)"
        DEBIAN_FRONTEND=noninteractive apt-get purge -y -q $added >"$work/purge.log" 2>&1 ||
            { cat "$work/purge.log" >&2; rc=1; }
    fi
    rm -rf "$work"
    exit "$rc"
}
trap cleanup EXIT

# --- build, out of the tree --------------------------------------------------
version=$(sed -n '1s/^alkaid (\([^)]*\)).*/\1/p' "$top/debian/changelog")
meson_version=$(sed -n "s/^ *version: *'\([^']*\)'.*/\1/p" "$top/meson.build" | head -n 1)
[ "$version" = "$meson_version" ] ||
    fail "debian/changelog says $version, meson.build $meson_version"
src=$work/alkaid-$version
mkdir -p "$src"
# the checkout's files, tracked or not, without what git ignores (build
# directories, results); without git, all but the build directories
if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
    git -C "$top" ls-files -z --cached --others --exclude-standard |
        (cd "$top" && tar -c --null --ignore-failed-read -T - 2>/dev/null) | tar -x -C "$src"
else
    tar -c -C "$top" --exclude='./build*' --exclude=./bench/results . | tar -x -C "$src"
fi
t0=$(date +%s)
(cd "$src" && DEB_BUILD_OPTIONS="noddebs parallel=$(nproc)" \
    dpkg-buildpackage -b -us -uc) >"$work/build.log" 2>&1 ||
    { tail -n 40 "$work/build.log" >&2; fail "dpkg-buildpackage failed ($work/build.log)"; }
say "dpkg-buildpackage -b: $(cd "$work" && echo *.deb | wc -w) packages in $(($(date +%s) - t0))s"
changes=$work/alkaid_${version}_$(dpkg --print-architecture).changes

# --- lintian: errors fail, the rest is shown ---------------------------------
t0=$(date +%s)
lintian --fail-on error "$changes" >"$work/lintian.log" 2>&1 || lintian_rc=$?
sed 's/^/    /' "$work/lintian.log"
[ "${lintian_rc:-0}" -eq 0 ] || fail "lintian found errors"
say "lintian: $(grep -c '^E:' "$work/lintian.log" || true) errors, $(grep -c '^W:' "$work/lintian.log" || true) warnings ($(($(date +%s) - t0))s)"
[ -z "$keep_debs" ] || { mkdir -p "$keep_debs"; cp "$work"/*.deb "$work"/*.buildinfo "$changes" "$keep_debs"/; }

# --- install -------------------------------------------------------------------
t0=$(date +%s)
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    "$work"/*.deb >"$work/install.log" 2>&1 ||
    { tail -n 30 "$work/install.log" >&2; fail "apt-get install failed"; }
say "installed ${pkgs[*]} in $(($(date +%s) - t0))s"

# what went where: daemons and alkaidctl in /usr/sbin, working from there;
# the BPF objects where the daemons look for them; the example
# configurations as conffiles
for b in alkaid-xdp alkaid-dpdk alkaid-agent alkaid-sync alkaidctl; do
    [ -x "/usr/sbin/$b" ] || fail "/usr/sbin/$b is not installed"
done
# (alkaid-dpdk's own options come after the EAL's, behind --)
for b in alkaid-xdp "alkaid-dpdk --" alkaid-agent alkaidctl; do
    v=$(/usr/sbin/$b --version 2>&1) || fail "/usr/sbin/$b --version: $v"
    case $v in "${b%% *} $version") ;; *) fail "/usr/sbin/$b --version says '$v', not $version" ;; esac
done
say "/usr/sbin/alkaid-xdp --version: $(/usr/sbin/alkaid-xdp --version 2>&1)"
for o in alkaid-xdp:alkaid.bpf.o alkaid-agent:agent.bpf.o; do
    bin=/usr/sbin/${o%%:*} obj=${o#*:}
    path=$(dpkg -L "${o%%:*}" | grep "/$obj\$") ||
        fail "${o%%:*} has no $obj"
    # the path the daemon falls back to, which its --help states
    help=$("$bin" --help 2>&1) || fail "$bin --help failed: $help"
    grep -q -F -- "$path" <<<"$help" ||
        fail "$bin does not look for $obj at $path, where it is installed"
    file "$path" | grep -q 'eBPF' || fail "$path: $(file -b "$path")"
done
say "the daemons look for their BPF objects where they are: $(dpkg -L alkaid-xdp alkaid-agent | grep '\.bpf\.o$' | xargs)"
for c in alkaid-xdp:/etc/alkaid/alkaid-xdp.conf alkaid-dpdk:/etc/alkaid/alkaid-dpdk.conf; do
    dpkg-query -W -f='${Conffiles}\n' "${c%%:*}" | grep -q " ${c#*:} " ||
        fail "${c#*:} is not a conffile of ${c%%:*}"
done

# the systemd units the packages install, as installed (a template as an
# instance on lo): systemd-analyze verify also checks their ExecStart
# binaries and Documentation man pages are there
mapfile -t units < <(dpkg -L "${pkgs[@]}" | grep '^/lib/systemd/system/[^/]*\.service$' || true)
for unit in "${units[@]}"; do
    name=${unit##*/}
    name=${name/@.service/@lo.service}
    out=$(systemd-analyze verify "$name" 2>&1) && [ -z "$out" ] ||
        fail "systemd-analyze verify $name: $out"
done
[ ${#units[@]} -eq 0 ] || say "systemd-analyze verify: ${#units[@]} units ok (${units[*]##*/})"

# --- the demo, on the installed packages ---------------------------------------
for backend in "${backends[@]}"; do
    t0=$(date +%s)
    "$top/tools/demo.sh" --installed --backend "$backend" ||
        fail "the demo ($backend) on the installed packages failed"
    say "demo ($backend) on the installed packages: ok in $(($(date +%s) - t0))s"
done
say "ok in ${SECONDS}s (build, lintian, install, checks, demo; the packages are purged now)"
