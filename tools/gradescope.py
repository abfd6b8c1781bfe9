#!/usr/bin/python3
# Build the Gradescope autograder bundle: `tools/gradescope.py OUT.zip` (after `make handout`).
#
# The zip holds, at its top level, what Gradescope expects:
#   setup.sh        installs the Debian packages (run once when the image is built)
#   run_autograder  copies the student's lab files over the handout tree and grades it,
#                   writing $AUTOGRADER_ROOT/results/results.json (default root /autograder)
#   source/         the handout tree, grader included
# The student submits the lab files (LAB_FILES below), anywhere in their upload; a
# whole-repository upload works too.
import os
import stat
import sys
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The files a student edits in the lab (every file with a solution region).
LAB_FILES = [
    "kernel/e1000.c",
    "kernel/net/arp.c",
    "kernel/net/udp.c",
    "kernel/net/socket.c",
]

PACKAGES = ("make gcc git gcc-riscv64-unknown-elf binutils-riscv64-unknown-elf "
            "qemu-system-misc gdb-multiarch python3 python3-scapy tshark "
            "dnsmasq-base netcat-openbsd")

SETUP_SH = f"""#!/bin/sh
# Gradescope runs this once while building the autograder image.
set -e
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y {PACKAGES}
"""

RUN_AUTOGRADER = """#!/bin/sh
# Gradescope runs this for every submission. AUTOGRADER_ROOT lets a local test use a
# fake root instead of /autograder.
root=${AUTOGRADER_ROOT:-/autograder}
src="$root/source"
mkdir -p "$root/results"
for f in %s; do
  # The newest file in the submission whose path ends with the lab file's path.
  found=$(cd "$root/submission" && find . -type f -path "*$f" | head -1)
  if [ -z "$found" ]; then
    found=$(cd "$root/submission" && find . -type f -name "$(basename $f)" | head -1)
  fi
  if [ -n "$found" ]; then
    cp "$root/submission/$found" "$src/$f"
    echo "using submitted $f"
  else
    echo "no $f in the submission: grading the handout's version"
  fi
done
cd "$src" && make clean >/dev/null 2>&1
cd "$src" && /usr/bin/python3 ./grade-lab-net --json "$root/results/results.json"
exit 0
""" % " ".join(LAB_FILES)


def add_tree(z, top, arcroot):
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = [d for d in dirnames if d not in (".git", "__pycache__", "logs")]
        for name in filenames:
            path = os.path.join(dirpath, name)
            arc = os.path.join(arcroot, os.path.relpath(path, top))
            info = zipfile.ZipInfo.from_file(path, arc)
            with open(path, "rb") as f:
                z.writestr(info, f.read(), zipfile.ZIP_DEFLATED)


def add_script(z, name, text):
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFREG | 0o755) << 16
    z.writestr(info, text, zipfile.ZIP_DEFLATED)


def main():
    args = sys.argv[1:]
    handout = os.path.join(ROOT, "handout")
    if len(args) == 3 and args[0] == "--handout":
        handout = os.path.abspath(args[1])
        args = args[2:]
    if len(args) != 1:
        print("usage: tools/gradescope.py [--handout DIR] OUT.zip   (run `make handout` first)",
              file=sys.stderr)
        return 2
    if not os.path.isdir(handout):
        print("gradescope: no handout/ here; run `make handout` first", file=sys.stderr)
        return 1
    out = args[0]
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    with zipfile.ZipFile(out, "w") as z:
        add_script(z, "setup.sh", SETUP_SH)
        add_script(z, "run_autograder", RUN_AUTOGRADER)
        add_tree(z, handout, "source")
    print(f"gradescope bundle: {out} (lab files: {', '.join(LAB_FILES)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
