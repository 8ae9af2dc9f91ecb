#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# tools/check-headers.sh [HEADER...]: every header compiles alone.
#
# Headers that meson generates (tests/lib's test_eal_args.h) are found in
# a configured build directory, $BUILD (default: build), which must have
# been built.
#
# Each header (by default every *.h git knows) is the only include of a
# translation unit, included twice so that a missing include guard shows,
# and compiled with warnings as errors:
#   - with gcc and the project's flags, unless it is a BPF program's header
#     (one that includes bpf/bpf_helpers.h);
#   - with clang -target bpf as the XDP program is built, if it is a BPF
#     program's header or part of the portable core (core/*.h).
# Userspace headers get the pkg-config cflags of every dependency named in
# a meson.build, so that DPDK's and libbpf's users find their headers.
#
# Prints one line per failing header, with the compiler's first error, and
# a summary line; exits 1 if any header failed.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

# as meson.build's project arguments (c_std, warning_level=2)
gcc_flags=(-std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter
	-Wno-address-of-packed-member -Wno-missing-field-initializers
	-Wmissing-prototypes -Wstrict-prototypes -D_GNU_SOURCE
	-fno-strict-aliasing -I.)
# as dp-xdp/meson.build's bpf_cflags
bpf_flags=(-target bpf -O2 -Wall -Werror -I.)
multiarch=$(gcc -print-multiarch 2>/dev/null || true)
[ -n "$multiarch" ] && bpf_flags+=("-I/usr/include/$multiarch")

# generated headers: every directory of the build that holds one
build=${BUILD:-build}
if [ -d "$build" ]; then
	while read -r dir; do
		gcc_flags+=("-I$dir")
	done < <(find "$build" -name '*.h' -not -path '*/meson-*' \
		-printf '%h\n' | sort -u)
fi

pkgs=$(git grep -ho "dependency('[^']*'" -- '*meson.build' |
	sed "s/dependency('//; s/'//" | sort -u)
for p in $pkgs; do
	if [ "$p" = threads ]; then
		continue # meson's own (-pthread), no headers of its own
	elif pkg-config --exists "$p"; then
		read -ra cflags <<<"$(pkg-config --cflags "$p")"
		gcc_flags+=("${cflags[@]}")
	else
		echo "check-headers: pkg-config does not know $p;" \
			"headers that need it will fail" >&2
	fi
done

if [ $# -gt 0 ]; then
	headers=("$@")
else
	mapfile -t headers < <(git ls-files '*.h')
fi

# compile HEADER COMPILER FLAGS...: the first error line on failure
compile() {
	local h=$1 out
	shift
	out=$(printf '#include "%s"\n#include "%s"\n' "$h" "$h" |
		"$@" -x c -c -o /dev/null - 2>&1) && return 0
	grep -m1 -E 'error|warning' <<<"$out" || head -n1 <<<"$out"
	return 1
}

failed=0
for h in "${headers[@]}"; do
	why=
	bpf=0
	grep -q '#include <bpf/bpf_helpers.h>' "$h" && bpf=1
	if [ $bpf = 0 ]; then
		err=$(compile "$h" gcc "${gcc_flags[@]}") || why+=" [gcc] $err"
	fi
	if [ $bpf = 1 ] || [[ $h == core/*.h && $h != core/*/* ]]; then
		err=$(compile "$h" clang "${bpf_flags[@]}") ||
			why+=" [clang -target bpf] $err"
	fi
	if [ -n "$why" ]; then
		failed=$((failed + 1))
		echo "check-headers: FAIL $h:$why"
	fi
done

echo "check-headers: ${#headers[@]} headers, $failed failed"
[ $failed = 0 ]
