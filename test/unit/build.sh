#!/bin/sh
# Build the host-side unit tests of the protocol files (no Makefile needed):
#   test/unit/build.sh [OUT]     -> OUT (default build/unit/unit_proto), run it with a group
# The protocol files and the real skb pool are compiled with the host gcc, against the
# fakes of the core kernel, the device layer and the socket layer in this folder, with
# AddressSanitizer and UBSan when the compiler has them (so the fuzzer finds bad reads).
set -e
top=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$top/build/unit/unit_proto}
mkdir -p "$(dirname "$out")"
cd "$top"
CC=${HOSTCC:-gcc}
CFLAGS="-O1 -g -Wall -Werror -Wno-array-bounds -ffreestanding -fno-builtin -fno-common -I. -Itest/unit"
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
if ! echo 'int main(void){return 0;}' | $CC $SAN -x c -o /dev/null - 2>/dev/null; then
  SAN=""
fi
PROTO="kernel/net/ether.c kernel/net/arp.c kernel/net/ip.c kernel/net/icmp.c kernel/net/udp.c
  kernel/net/inet_csum.c kernel/net/net.c kernel/net/skbuff.c kernel/net/datagram.c"
FAKES="test/unit/fake_kernel.c test/unit/fake_dev.c test/unit/fake_sock.c"
# The kernel files and the fakes: freestanding, as in the kernel. The test driver uses libc.
$CC $CFLAGS $SAN -o "$out" $PROTO $FAKES test/unit/test_proto.c
echo "built $out"
