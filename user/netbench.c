// netbench: the bounds the stack's figures are measured against (make bench).
// The TX ring ceiling: N copies of one prebuilt frame pushed through the e1000 TX ring
// with nothing of the stack above the driver (netctl NETCTL_BENCH_TX), and how fast the
// ring took them: the upper bound for a UDP send figure. The round-trip floor: UDP
// datagrams to a port sent back from the device layer (NETCTL_BENCH_ECHO): the lower
// bound for a round trip through `udpsink -e`.
//
//   netbench udp HOST PORT SIZE N   one UDP datagram of SIZE bytes to HOST:PORT, built
//                                   here once (headers, checksums, the next hop's MAC from
//                                   the ARP cache): what udpblast sends, without the stack
//   netbench ring N                 a 60-byte frame QEMU's user network discards: the
//                                   device alone, without the backend's cost per datagram
// prints: netbench: ring N frames in US us, R frames/s
//
//   netbench echo PORT [N]          send the next N (default 1000) UDP datagrams to PORT
//                                   straight back, swapping addresses and ports, until N
//                                   are done or 10 s pass without one
// prints: netbench: echoing N datagrams to UDP port PORT (before it starts) and
//         netbench: echoed K datagrams
#include "user/user.h"
#include "kernel/net/netctl.h"

#define MAXSIZE 1472  // 1500 - 20 (IP) - 8 (UDP), as udpblast
#define DISCARD 9     // the discard port (RFC 863): where the ARP-warming datagram goes

static struct netctl_bench bench;

static void
usage(void)
{
  fprintf(2, "usage: netbench ring N | netbench udp HOST PORT SIZE N | netbench echo PORT [N]\n");
  exit(2);
}

// The MAC of ip from the ARP cache into mac; 0 if it has no valid entry.
static int
arp_lookup(uint32 ip, uchar *mac)
{
  static struct netctl_arp tab[64];
  int n = netctl(NETCTL_ARP, tab, sizeof(tab));

  for (int i = 0; i < n; i++) {
    if (tab[i].ip == ip && tab[i].state == ARP_STATE_VALID) {
      memmove(mac, tab[i].mac, 6);
      return 1;
    }
  }
  return 0;
}

// Build in bench.frame the Ethernet/IPv4/UDP frame udpblast's first datagram would be:
// IPv4 header [RFC 791 3.1], UDP header and checksum over the pseudo-header [RFC 768].
static void
build_udp(struct sockaddr_in *to, int size)
{
  static uchar pseudo[12 + 8 + MAXSIZE];
  struct netctl_ifinfo in;
  struct sockaddr_in me;
  uint32 hop;
  uchar *eth = bench.frame, *ip = eth + 14, *udp = ip + 20;
  int fd, i, len = sizeof(me), udplen = 8 + size;

  if (netctl(NETCTL_IFINFO, &in, sizeof(in)) < 0) {
    perror("netbench: ifinfo");
    exit(1);
  }
  hop = ((to->sin_addr.s_addr ^ in.addr) & in.netmask) == 0 ? to->sin_addr.s_addr : in.gateway;
  // A socket of our own gives the source port, and a datagram to the discard port makes
  // the stack resolve the next hop; wait up to 2 s for the cache entry.
  if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) < 0) {
    perror("netbench: socket");
    exit(1);
  }
  me.sin_family = AF_INET;
  me.sin_port = htons(DISCARD);
  me.sin_addr = to->sin_addr;
  for (i = 0; i < 20 && !arp_lookup(hop, eth); i++) {
    sendto(fd, "x", 1, 0, (struct sockaddr *)&me, sizeof(me));
    sleep(10);
  }
  if (i == 20) {
    fprintf(2, "netbench: no ARP reply from the next hop\n");
    exit(1);
  }
  if (getsockname(fd, (struct sockaddr *)&me, &len) < 0) {
    perror("netbench: getsockname");
    exit(1);
  }
  memmove(eth + 6, in.mac, 6);
  put_be16(eth + 12, 0x0800);
  memset(ip, 0, 20);
  ip[0] = 0x45;  // version 4, 5 words of header
  put_be16(ip + 2, 20 + udplen);
  ip[8] = 64;  // TTL
  ip[9] = 17;  // UDP
  memmove(ip + 12, &in.addr, 4);
  memmove(ip + 16, &to->sin_addr.s_addr, 4);
  *(uint16 *)(ip + 10) = in_cksum(ip, 20);
  memmove(udp, &me.sin_port, 2);
  memmove(udp + 2, &to->sin_port, 2);
  put_be16(udp + 4, udplen);
  put_be16(udp + 6, 0);
  for (i = 0; i < size; i++)
    udp[8 + i] = i < 4 ? 0 : 'a' + i % 26;  // sequence number 0, then udpblast's filler
  memmove(pseudo, ip + 12, 8);              // source and destination address
  pseudo[8] = 0;
  pseudo[9] = 17;
  put_be16(pseudo + 10, udplen);
  memmove(pseudo + 12, udp, udplen);
  *(uint16 *)(udp + 6) = in_cksum(pseudo, 12 + udplen);
  if (*(uint16 *)(udp + 6) == 0)
    *(uint16 *)(udp + 6) = 0xffff;  // 0 means "no checksum" in UDP [RFC 768]
  bench.framelen = 14 + 20 + udplen;
  close(fd);
}

// netbench echo PORT [N]
static void
echo(int argc, char *argv[])
{
  int port = atoi(argv[2]), n = argc == 4 ? atoi(argv[3]) : 1000;
  long r;

  if (port < 1 || port > 65535 || n < 1)
    usage();
  printf("netbench: echoing %d datagram%s to UDP port %d\n", n, n == 1 ? "" : "s", port);
  if ((r = netctl(NETCTL_BENCH_ECHO, (void *)(long)port, n)) < 0) {
    perror("netbench: netctl");
    exit(1);
  }
  printf("netbench: echoed %ld datagram%s\n", r, r == 1 ? "" : "s");
  exit(0);
}

int
main(int argc, char *argv[])
{
  struct sockaddr_in to;
  int n, size;

  if ((argc == 3 || argc == 4) && strcmp(argv[1], "echo") == 0)
    echo(argc, argv);
  if (argc == 3 && strcmp(argv[1], "ring") == 0) {
    bench.framelen = 0;
  } else if (argc == 6 && strcmp(argv[1], "udp") == 0) {
    size = atoi(argv[4]);
    if (parse_sockaddr(argv[2], argv[3], &to) < 0)
      usage();
    if (size < 4 || size > MAXSIZE) {
      fprintf(2, "netbench: SIZE must be 4..%d\n", MAXSIZE);
      exit(2);
    }
    build_udp(&to, size);
  } else {
    usage();
  }
  if ((n = atoi(argv[argc - 1])) < 1)
    usage();
  if (netctl(NETCTL_BENCH_TX, &bench, n) < 0) {
    perror("netbench: netctl");
    exit(1);
  }
  printf("netbench: ring %d frames in %lu us, %lu frames/s\n", n, bench.us,
         bench.us ? (uint64)n * 1000000 / bench.us : 0);
  exit(0);
}
