#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""man_options.py PROGRAM PAGE [PROGRAM PAGE]...

Every option PROGRAM --help lists is in its manual page PAGE (the roff
that scdoc built): each -x and --name that begins a line of --help (an
option's row, or a paragraph about it), and each object alkaidctl --help
lists under "Objects and commands", must be in an option row of the page
(bold, over an indented paragraph), not merely mentioned.  Fails naming the option and the
page.  Options are taken from --help, so a new option without its page
entry fails here.
"""
import os
import re
import subprocess
import sys

OPT = re.compile(r"^(--[a-z0-9][a-z0-9-]*|-[A-Za-z0-9])$")


def help_options(program):
    out = subprocess.run([program, "--help"], capture_output=True, text=True,
                         check=True).stdout
    opts = set()
    section = ""
    for line in out.splitlines():
        if re.match(r"^[A-Z]", line):
            section = line
        # examples show other programs' options too (the EAL's)
        if section.upper().startswith("EXAMPLES"):
            continue
        # alkaidctl's objects ("  gateway  show | set ..."): each has a row
        if section.startswith("Objects and commands"):
            m = re.match(r"^  ([a-z][a-z-]*)\s", line)
            if m:
                opts.add(m.group(1))
            continue
        if not re.match(r"^\s+-", line):
            continue
        # the leading words: "-s, --socket PATH  the ..." -> -s, --socket
        for word in line.split():
            word = word.rstrip(",")
            word = word.split("=")[0]
            if not OPT.match(word):
                break
            opts.add(word)
    return opts


def page_option_words(page):
    """The bold words of the page's option rows: a line that begins in
    bold and is followed by an indented paragraph (.RS), as scdoc renders
    "*-s, --socket* _PATH_" over its tab-indented text."""
    with open(page, encoding="utf-8") as f:
        lines = f.read().splitlines()
    words = set()
    for line, after in zip(lines, lines[1:]):
        if not line.startswith("\\fB") or not after.startswith(".RS"):
            continue
        for span in re.findall(r"\\fB(.*?)\\f[RPI]", line):
            span = span.replace("\\-", "-").replace("\\&", "")
            words.update(re.split(r"[\s,\[\]|=]+", span))
    return words


def main(argv):
    if len(argv) < 3 or len(argv) % 2 == 0:
        print(__doc__, file=sys.stderr)
        return 2
    missing = 0
    for program, page in zip(argv[1::2], argv[2::2]):
        opts = help_options(program)
        if not opts:
            print(f"man-options: FAIL: {program} --help lists no option")
            missing += 1
            continue
        bold = page_option_words(page)
        name = os.path.basename(page)
        before = missing
        for opt in sorted(opts):
            if opt not in bold:
                print(f"man-options: FAIL: {os.path.basename(program)} "
                      f"{opt} is missing from its manual page {name}")
                missing += 1
        print(f"man-options: {os.path.basename(program)}: "
              f"{len(opts)} options, {name}: "
              f"{'all there' if missing == before else 'not all there'}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
