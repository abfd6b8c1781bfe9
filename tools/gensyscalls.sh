#!/bin/sh
# Generate the system-call numbers, the kernel dispatch table and the user stubs from
# kernel/syscalls.tbl, so the three can never disagree.
# Usage: tools/gensyscalls.sh kernel/syscalls.tbl OUTDIR_KERNEL OUTDIR_USER
set -e
tbl=$1; kdir=$2; udir=$3
rows=$(grep -v '^[[:space:]]*#' "$tbl" | grep -v '^[[:space:]]*$')

{
  echo "// Generated from kernel/syscalls.tbl by tools/gensyscalls.sh. Do not edit."
  echo "#pragma once"
  echo "$rows" | awk '{ printf "#define SYS_%s %s\n", $2, $1 }'
  echo "$rows" | awk 'BEGIN { n = 0 } { if ($1 > n) n = $1 } END { printf "#define NSYSCALL %d\n", n + 1 }'
} > "$kdir/syscall_nr.h"

{
  echo "// Generated from kernel/syscalls.tbl by tools/gensyscalls.sh. Do not edit."
  echo "// Included once, by kernel/syscall.c."
  echo "$rows" | awk '{ printf "int64 sys_%s(void);\n", $2 }'
  echo "static int64 (*const syscall_table[NSYSCALL])(void) = {"
  echo "$rows" | awk '{ printf "  [SYS_%s] = sys_%s,\n", $2, $2 }'
  echo "};"
  echo "static const char *const syscall_names[NSYSCALL] = {"
  echo "$rows" | awk '{ printf "  [SYS_%s] = \"%s\",\n", $2, $2 }'
  echo "};"
} > "$kdir/syscall_tbl.h"

{
  echo "# Generated from kernel/syscalls.tbl by tools/gensyscalls.sh. Do not edit."
  echo "# Each stub puts the call number in a7 and traps; a result in [-4095, -1] is a"
  echo "# negated errno: __syscall_error (user/ulib.c) stores it in errno and returns -1."
  echo "#include \"kernel/syscall_nr.h\""
  echo "$rows" | awk '{
    printf ".global %s\n%s:\n  li a7, SYS_%s\n  ecall\n  li t0, -4095\n  bgeu a0, t0, 1f\n  ret\n1:\n  j __syscall_error\n", $2, $2, $2
  }'
} > "$udir/usys.S"

{
  echo "// Generated from kernel/syscalls.tbl by tools/gensyscalls.sh. Do not edit."
  echo "#pragma once"
  echo "struct stat; struct sysinfo; struct pollfd; struct sockaddr;"
  echo "$rows" | awk '{ $1 = ""; $2 = ""; sub(/^ +/, ""); print $0 ";" }'
} > "$udir/syscalls.h"
