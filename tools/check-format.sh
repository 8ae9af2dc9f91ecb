#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Every C file tracked by git is as clang-format writes it (.clang-format:
# kernel style, with DPDK's and json-c's iterators as loops).  Prints each
# file that differs and a summary; exits 1 if any does.  To mend one:
# clang-format -i FILE.
#
#   tools/check-format.sh [FILE...]
set -u
cd "$(dirname "$0")/.."
if [ $# -eq 0 ]; then
    mapfile -t files < <(git ls-files '*.c' '*.h')
else
    files=("$@")
fi
bad=0
for f in "${files[@]}"; do
    if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
        echo "check-format: $f differs (clang-format -i $f)"
        bad=$((bad + 1))
    fi
done
echo "check-format: ${#files[@]} files, $bad differ"
[ "$bad" -eq 0 ]
