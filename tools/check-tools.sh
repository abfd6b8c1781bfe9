#!/bin/sh
# Check the tools the build and the tests need, and install the missing ones when that is
# possible without asking (running as root with apt-get: a fresh Debian machine or CI);
# otherwise say exactly which packages are missing. --install always tries to install.
# Every tool comes from a Debian package; the message names the package.
# Missing build/boot tools are an error; a missing tool only the tests use (clang-format)
# is a warning, so `make qemu` still works without it.
install=0
[ "$1" = "--install" ] && install=1
missing=""
optional=""
need() {  # need COMMAND PACKAGE
  command -v "$1" >/dev/null 2>&1 || missing="$missing $2"
}
cc_found=0
for p in riscv64-unknown-elf- riscv64-linux-gnu- riscv64-elf-; do
  command -v ${p}gcc >/dev/null 2>&1 && cc_found=1
done
[ $cc_found = 1 ] || missing="$missing gcc-riscv64-unknown-elf binutils-riscv64-unknown-elf"
need gcc gcc
need make make
need qemu-system-riscv64 qemu-system-misc
need gdb-multiarch gdb-multiarch
need tshark tshark
need /usr/bin/python3 python3
need nc netcat-openbsd
need dnsmasq dnsmasq-base
/usr/bin/python3 -c 'import scapy' >/dev/null 2>&1 || missing="$missing python3-scapy"
command -v clang-format >/dev/null 2>&1 || optional="$optional clang-format"
[ -z "$missing$optional" ] && exit 0
if [ -n "$missing" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "*** installing the missing Debian packages:$missing$optional" >&2
  install=1
fi
if [ $install = 1 ]; then
  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $missing $optional
  exit $?
fi
if [ -n "$optional" ]; then
  echo "note: the style test needs:$optional (sudo apt-get install -y$optional)" >&2
  [ -z "$missing" ] && exit 0
fi
echo "missing tools; install them with:" >&2
echo "  sudo apt-get update && sudo apt-get install -y$missing" >&2
echo "(or run: sudo make deps)" >&2
exit 1
