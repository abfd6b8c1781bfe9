// Host-side unit tests of the protocol files (kernel/net/ether.c, arp.c, ip.c, icmp.c,
// udp.c, inet_csum.c, net.c) with the real skb pool (skbuff.c) and fakes of the device
// and socket layers (fake_dev.c, fake_sock.c), in the style of lwIP's unit tests.
//
// Usage: unit_proto GROUP [ARG]   GROUP = csum | ether | ip | arp | udp | icmp | config |
//        fuzz | all
//        (fuzz takes an iteration count). Prints "ok GROUP" or the failed checks
// ("FAIL file:line: what"); exits 1 if any check failed.
#include <stdio.h>
#include <string.h>
#include "kernel/types.h"
#include "kernel/errno.h"
#include "kernel/net/skbuff.h"
#include "kernel/net/netdevice.h"
#include "kernel/net/sock.h"
#include "kernel/net/in.h"
#include "kernel/net/net.h"
#include "kernel/net/wire.h"
#include "kernel/net/ether.h"
#include "kernel/net/ip.h"
#include "kernel/net/arp.h"
#include "kernel/net/udp.h"
#include "fake.h"

// From <stdlib.h>, which cannot be included: its struct timeval clashes with in.h's.
void exit(int status);
int atoi(const char *s);

static int failures;

#define CHECK(cond, ...)                                     \
  do {                                                       \
    if (!(cond)) {                                           \
      printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
      printf(__VA_ARGS__);                                   \
      printf("\n");                                          \
      failures++;                                            \
    }                                                        \
  } while (0)

// The addresses of the tests: us (fake_dev, netcfg) and a peer on the link.
static const uchar peer_mac[6] = { 0x52, 0x55, 0x0a, 0x00, 0x02, 0x02 };
static const uchar other_mac[6] = { 0x52, 0x55, 0x0a, 0x00, 0x02, 0x42 };
#define OUR_IP  IPV4_ADDR(10, 0, 2, 15)
#define PEER_IP IPV4_ADDR(10, 0, 2, 2)

// ---------------------------------------------------------------------------------------
// Helpers: frames, the pool, sockets.

static uint64
skb_inuse(void)
{
  struct skb_stats st;

  skb_get_stats(&st);
  return st.inuse;
}

// Hand a frame of len bytes to eth_rcv, as the driver would.
static void
rx(const uchar *frame, uint len)
{
  struct sk_buff *skb = alloc_skb();

  if (skb == 0) {
    printf("FAIL: pool empty in rx (leak?)\n");
    exit(1);
  }
  skb_reserve(skb, MAX_HEADER);
  memcpy(skb_put(skb, len), frame, len);
  skb->dev = &fake_dev;
  eth_rcv(skb);
}

// Fill an Ethernet header; returns the bytes after it.
static uchar *
mk_eth(uchar *f, const uchar *dst, const uchar *src, uint16 type)
{
  struct ethhdr *eh = (struct ethhdr *)f;

  memcpy(eh->h_dest, dst, 6);
  memcpy(eh->h_source, src, 6);
  eh->h_proto = htons(type);
  return f + ETH_HLEN;
}

// Recompute the IP header checksum of the packet in frame f.
static void
ip_fix(uchar *f)
{
  struct iphdr *ip = (struct iphdr *)(f + ETH_HLEN);

  ip->check = 0;
  ip->check = inet_csum(ip, IP_HL(ip));
}

// Fill a 20-byte IP header for a payload of plen bytes.
static struct iphdr *
mk_ip(uchar *p, uint32 saddr, uint32 daddr, uint8 proto, uint plen)
{
  struct iphdr *ip = (struct iphdr *)p;

  memset(ip, 0, IP_HLEN);
  ip->ver_ihl = 0x45;
  ip->tot_len = htons(IP_HLEN + plen);
  ip->id = htons(7);
  ip->ttl = 64;
  ip->protocol = proto;
  ip->saddr = saddr;
  ip->daddr = daddr;
  ip->check = inet_csum(ip, IP_HLEN);
  return ip;
}

// Compute the checksum of the UDP datagram in frame f (20-byte IP header).
static void
udp_fix(uchar *f)
{
  struct iphdr *ip = (struct iphdr *)(f + ETH_HLEN);
  struct udphdr *uh = (struct udphdr *)(f + ETH_HLEN + IP_HL(ip));
  uint16 ulen = ntohs(uh->len);

  uh->check = 0;
  uh->check = csum_fold(csum_partial(uh, ulen, csum_pseudo(ip->saddr, ip->daddr, 17, ulen)));
  if (uh->check == 0)
    uh->check = 0xffff;
}

// A UDP frame from the peer; returns its length.
static uint
mk_udp(uchar *f, uint32 saddr, uint32 daddr, uint16 sport, uint16 dport, const char *data,
       uint dlen)
{
  uchar *p =
      mk_eth(f, daddr == INADDR_BROADCAST ? eth_broadcast : fake_dev.dev_addr, peer_mac, ETH_P_IP);
  struct udphdr *uh;

  mk_ip(p, saddr, daddr, IPPROTO_UDP, UDP_HLEN + dlen);
  uh = (struct udphdr *)(p + IP_HLEN);
  uh->source = htons(sport);
  uh->dest = htons(dport);
  uh->len = htons(UDP_HLEN + dlen);
  memcpy(uh + 1, data, dlen);
  udp_fix(f);
  return ETH_HLEN + IP_HLEN + UDP_HLEN + dlen;
}

// An ARP frame (Ethernet destination edst); returns its length.
static uint
mk_arp(uchar *f, const uchar *edst, int op, const uchar *sha, uint32 sip, const uchar *tha,
       uint32 tip)
{
  struct arphdr *ah = (struct arphdr *)mk_eth(f, edst, sha, ETH_P_ARP);

  ah->ar_hrd = htons(ARPHRD_ETHER);
  ah->ar_pro = htons(ETH_P_IP);
  ah->ar_hln = 6;
  ah->ar_pln = 4;
  ah->ar_op = htons(op);
  memcpy(ah->ar_sha, sha, 6);
  ah->ar_sip = sip;
  memcpy(ah->ar_tha, tha, 6);
  ah->ar_tip = tip;
  return ETH_HLEN + sizeof(*ah);
}

// An ICMP frame of type/code with id, seq and dlen bytes of data; returns its length.
static uint
mk_icmp(uchar *f, uint32 saddr, uint32 daddr, int type, int code, const void *data, uint dlen)
{
  uchar *p = mk_eth(f, fake_dev.dev_addr, peer_mac, ETH_P_IP);
  struct icmphdr *ic;

  mk_ip(p, saddr, daddr, IPPROTO_ICMP, ICMP_HLEN + dlen);
  ic = (struct icmphdr *)(p + IP_HLEN);
  ic->type = type;
  ic->code = code;
  ic->id = htons(0x1234);
  ic->sequence = htons(1);
  memcpy(ic + 1, data, dlen);
  ic->checksum = 0;
  ic->checksum = inet_csum(ic, ICMP_HLEN + dlen);
  return ETH_HLEN + IP_HLEN + ICMP_HLEN + dlen;
}

// Teach the cache that the peer is at peer_mac (it asks for us; we answer). Clears fake_tx.
static void
learn_peer(uint32 ip, const uchar *mac)
{
  uchar f[64];
  static const uchar zero[6];

  rx(f, mk_arp(f, eth_broadcast, ARPOP_REQUEST, mac, ip, zero, OUR_IP));
  fake_tx_clear();
}

// A UDP socket bound to port (0: unbound).
static void
udp_open(struct socket *so, uint16 port)
{
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };

  fake_sock_init(so, SOCK_DGRAM, IPPROTO_UDP);
  if (port != 0)
    CHECK(udp_ops.bind(so, &a) == 0, "bind port %d", port);
}

static struct sockaddr_in
sin(uint32 addr, uint16 port)
{
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };

  a.sin_addr.s_addr = addr;
  return a;
}

static int
udp_send(struct socket *so, uint32 daddr, uint16 dport, const char *data, int len)
{
  struct sockaddr_in to = sin(daddr, dport);

  return udp_ops.sendmsg(so, (uint64)data, len, &to, 0);
}

// The IP header of a captured frame, or 0 if it is not IP.
static struct iphdr *
tx_ip(struct sk_buff *skb)
{
  struct ethhdr *eh = (struct ethhdr *)skb->data;

  if (skb->len < ETH_HLEN + IP_HLEN || ntohs(eh->h_proto) != ETH_P_IP)
    return 0;
  return (struct iphdr *)(skb->data + ETH_HLEN);
}

// Is the captured frame a well-formed IP packet from us with good checksums?
static int
tx_ip_valid(struct sk_buff *skb)
{
  struct iphdr *ip = tx_ip(skb);
  uchar *l4;
  uint n;

  if (ip == 0 || inet_csum(ip, IP_HL(ip)) != 0 || ip->saddr != OUR_IP || ip->ttl != 64)
    return 0;
  if (memcmp(skb->data + 6, fake_dev.dev_addr, 6) != 0)
    return 0;
  l4 = (uchar *)ip + IP_HL(ip);
  n = ntohs(ip->tot_len) - IP_HL(ip);
  if (ip->protocol == IPPROTO_ICMP)
    return inet_csum(l4, n) == 0;
  if (ip->protocol == IPPROTO_UDP)
    return csum_fold(csum_partial(l4, n, csum_pseudo(ip->saddr, ip->daddr, 17, n))) == 0;
  return 1;
}

// The cache entry for ip (state FREE if there is none).
static struct netctl_arp
arp_entry(uint32 ip)
{
  struct netctl_arp t[64], none = { 0 };
  int n = arp_dump(t, 64);

  for (int i = 0; i < n; i++)
    if (t[i].ip == ip)
      return t[i];
  return none;
}

// Start every test group from the same state.
static void
reset(void)
{
  arp_flush();
  arp_set_timeout(0);
  fake_tx_clear();
  the_netdev = &fake_dev;
  fake_tx_full = 0;
}

// At the end of a group: no buffer leaked, no lock left held.
static void
check_balanced(const char *group)
{
  reset();
  CHECK(skb_inuse() == 0, "%s: %lu skbs still in use", group, (unsigned long)skb_inuse());
  CHECK(fake_lock_depth == 0, "%s: %d locks held", group, fake_lock_depth);
}

// ---------------------------------------------------------------------------------------
// csum: the Internet checksum (RFC 1071) against known vectors.

// Two folded one's complement sums are the same number: equal, or 0 and 0xffff (both
// are zero in one's complement).
static int
same_sum(uint32 a, uint32 b)
{
  return a == b || (a == 0 && b == 0xffff) || (a == 0xffff && b == 0);
}

static void
test_csum(void)
{
  static const uchar rfc1071[8] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
  static const uchar odd[3] = { 0x01, 0x02, 0x03 };
  // IP/UDP 10.0.2.2:5555 -> 10.0.2.15:2000 "hello", checksums 0x62bb and 0x866e (scapy).
  static const uchar pkt[] = { 0x45, 0x00, 0x00, 0x21, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11, 0x62,
                               0xbb, 0x0a, 0x00, 0x02, 0x02, 0x0a, 0x00, 0x02, 0x0f, 0x15, 0xb3,
                               0x07, 0xd0, 0x00, 0x0d, 0x86, 0x6e, 'h',  'e',  'l',  'l',  'o' };
  uchar buf[64], ones[1000];
  uint16 c;

  // RFC 1071 section 3: the sum of these 4 words is ddf2, the checksum its complement.
  CHECK(csum_partial(rfc1071, 8, 0) == 0xddf2, "sum %x", csum_partial(rfc1071, 8, 0));
  c = inet_csum(rfc1071, 8);
  CHECK(((uchar *)&c)[0] == 0x22 && ((uchar *)&c)[1] == 0x0d, "csum %04x", c);
  // Pieces add up to the whole (RFC 1071 2(B) associativity).
  CHECK(csum_partial(rfc1071 + 4, 4, csum_partial(rfc1071, 4, 0)) == 0xddf2, "pieces");
  // Odd length: the last byte is padded with zero (0x0102 + 0x0300 = 0x0402).
  CHECK(csum_partial(odd, 3, 0) == 0x0402, "odd %x", csum_partial(odd, 3, 0));
  // End-around carry: 500 words of ffff sum to ffff, checksum 0.
  memset(ones, 0xff, sizeof(ones));
  CHECK(csum_partial(ones, sizeof(ones), 0) == 0xffff, "carry");
  CHECK(inet_csum(ones, sizeof(ones)) == 0, "carry csum");
  // A real header: verifies to 0, and recomputing gives the stored value.
  CHECK(inet_csum(pkt, 20) == 0, "ip header verifies");
  memcpy(buf, pkt, sizeof(pkt));
  buf[10] = buf[11] = 0;
  c = inet_csum(buf, 20);
  CHECK(((uchar *)&c)[0] == 0x62 && ((uchar *)&c)[1] == 0xbb, "ip csum %04x", c);
  // ip_hdr_csum is inet_csum for headers: the same verification and value.
  CHECK(ip_hdr_csum(pkt, 20) == 0, "ip_hdr_csum verifies");
  c = ip_hdr_csum(buf, 20);
  CHECK(((uchar *)&c)[0] == 0x62 && ((uchar *)&c)[1] == 0xbb, "ip_hdr_csum %04x", c);
  // UDP with the pseudo-header (RFC 768).
  CHECK(csum_fold(csum_partial(pkt + 20, 13, csum_pseudo(PEER_IP, OUR_IP, 17, 13))) == 0,
        "udp verifies");
  buf[26] = buf[27] = 0;
  c = csum_fold(csum_partial(buf + 20, 13, csum_pseudo(PEER_IP, OUR_IP, 17, 13)));
  CHECK(((uchar *)&c)[0] == 0x86 && ((uchar *)&c)[1] == 0x6e, "udp csum %04x", c);

  // The word-at-a-time sum against the definition (16-bit big-endian words, end-around
  // carry), for every alignment, odd and even lengths, and a running sum carried in.
  static uchar big[1600 + 8];
  uint32 seed = 12345, ref, want, got;
  for (int i = 0; i < (int)sizeof(big); i++) {
    seed = seed * 1103515245 + 12345;
    big[i] = seed >> 16;
  }
  for (int t = 0; t < 3000; t++) {
    seed = seed * 1103515245 + 12345;
    uint off = (seed >> 8) % 8, len = (seed >> 12) % 1601, init = t % 3 == 0 ? 0xffff : t % 65536;
    ref = init;
    for (uint k = 0; k + 1 < len; k += 2)
      ref += (big[off + k] << 8) | big[off + k + 1];
    if (len % 2)
      ref += big[off + len - 1] << 8;
    while (ref >> 16)
      ref = (ref & 0xffff) + (ref >> 16);
    want = ref;
    got = csum_partial(big + off, len, init);
    if (!same_sum(got, want)) {
      CHECK(0, "csum_partial(offset %u, len %u, sum %x) = %x, want %x", off, len, init, got, want);
      break;
    }
  }
  for (int t = 0; t < 3000; t++) {  // and for random headers of 20..60 bytes
    seed = seed * 1103515245 + 12345;
    uint off = 2 * ((seed >> 8) % 4), hl = 20 + 4 * ((seed >> 12) % 11);
    if (ip_hdr_csum(big + off, hl) != inet_csum(big + off, hl)) {
      CHECK(0, "ip_hdr_csum(offset %u, %u bytes) = %x, inet_csum %x", off, hl,
            ip_hdr_csum(big + off, hl), inet_csum(big + off, hl));
      break;
    }
  }
  // csum_copy_from_user: the copy is exact and its sum is csum_partial's of the copy,
  // for every alignment of source and destination, also when the source crosses a page
  // boundary (the fake's pages are 4096 bytes, as the guest's) at an odd offset.
  static uchar src[2 * 4096] __attribute__((aligned(4096))), dst[1600 + 16];
  memcpy(src + 4096 - 800, big, 1600);
  for (int t = 0; t < 3000; t++) {
    seed = seed * 1103515245 + 12345;
    uint so = 4096 - 800 + (seed >> 8) % 800, doff = (seed >> 4) % 16;
    uint len = (seed >> 12) % 801, init = t % 3 == 0 ? 0xffff : t % 65536;
    uint32 sum = init;
    memset(dst, 0xa5, sizeof(dst));
    int r = csum_copy_from_user(dst + doff, (uint64)(src + so), len, &sum);
    want = csum_partial(src + so, len, init);
    if (r != 0 || memcmp(dst + doff, src + so, len) != 0 ||
        (doff + len < sizeof(dst) && dst[doff + len] != 0xa5) || !same_sum(sum, want)) {
      CHECK(0, "csum_copy_from_user(src %u, dst %u, len %u) = %d, sum %x, want %x", so, doff, len,
            r, sum, want);
      break;
    }
  }
  uint32 s0 = 7;
  CHECK(csum_copy_from_user(dst, 0, 8, &s0) == -14, "csum_copy_from_user of a bad pointer");
  // The pseudo-header sum against the definition: its 12 bytes laid out and summed as
  // 16-bit big-endian words; all-ones addresses included (the largest sum), and a sum
  // whose first fold carries again (0x4fffc).
  for (int t = 0; t < 3000; t++) {
    uchar ph[12];
    uint32 sa, da;
    seed = seed * 1103515245 + 12345;
    sa = t == 0 ? 0xffffffff : seed;
    seed = seed * 1103515245 + 12345;
    da = t == 0 ? 0xffffffff : seed;
    uint8 proto = t == 0 ? 0xff : (seed >> 3);
    uint16 len = t == 0 ? 0xffff : (seed >> 11);
    if (t == 1) {
      sa = da = 0xffffffff;
      proto = 0xff;
      len = 0xff01;
    }
    memcpy(ph, &sa, 4);  // network order: the bytes as they are in memory
    memcpy(ph + 4, &da, 4);
    ph[8] = 0;
    ph[9] = proto;
    ph[10] = len >> 8;
    ph[11] = len & 0xff;
    ref = 0;
    for (int k = 0; k < 12; k += 2)
      ref += (ph[k] << 8) | ph[k + 1];
    while (ref >> 16)
      ref = (ref & 0xffff) + (ref >> 16);
    got = csum_pseudo(sa, da, proto, len);
    if (!same_sum(got, ref)) {
      CHECK(0, "csum_pseudo(%x, %x, %u, %u) = %x, want %x", sa, da, proto, len, got, ref);
      break;
    }
  }
}

// ---------------------------------------------------------------------------------------
// ether: every bad frame dropped and counted.

static void
test_ether(void)
{
  struct net_proto_stats b;
  uchar f[1600];
  uint n;

  reset();
  memset(f, 0, sizeof(f));
  b = netstats;
  rx(f, 10);
  CHECK(netstats.eth_rx_runt == b.eth_rx_runt + 1, "runt counted");
  n = mk_udp(f, PEER_IP, OUR_IP, 5555, 2000, "x", 1);
  rx(f, ETH_FRAME_LEN + 1);
  CHECK(netstats.eth_rx_oversize == b.eth_rx_oversize + 1, "oversize counted");
  mk_eth(f, other_mac, peer_mac, ETH_P_IP);
  rx(f, n);
  CHECK(netstats.eth_rx_not_for_us == b.eth_rx_not_for_us + 1, "other station's frame");
  mk_eth(f, fake_dev.dev_addr, peer_mac, 0x86dd);
  rx(f, n);
  CHECK(netstats.eth_rx_unknown_type == b.eth_rx_unknown_type + 1, "IPv6 unknown");
  CHECK(netstats.eth_rx == b.eth_rx + 4, "every frame counted in eth_rx");
  CHECK(netstats.ip_rx == b.ip_rx, "nothing reached IP");
  CHECK(fake_tx.qlen == 0, "nothing sent");
  check_balanced("ether");
}

// ---------------------------------------------------------------------------------------
// ip: header validation, each bad field dropped and counted; trimming; options.

enum {
  M_VERSION,
  M_IHL4,
  M_IHL15,
  M_TOTLONG,
  M_TOTSHORT,
  M_SHORT,
  M_CSUM,
  M_TTL0,
  M_MF,
  M_OFFSET,
  M_NOTUS,
  M_PROTO,
  NMUT
};

// Apply mutation m to the UDP frame f (length *n); returns the counter it must raise.
static uint64 *
ip_mutate(uchar *f, uint *n, int m)
{
  struct iphdr *ip = (struct iphdr *)(f + ETH_HLEN);

  switch (m) {
  case M_VERSION:
    ip->ver_ihl = 0x65;
    break;
  case M_IHL4:
    ip->ver_ihl = 0x44;
    break;
  case M_IHL15:
    ip->ver_ihl = 0x4f;
    break;
  case M_TOTLONG:
    ip->tot_len = htons(ntohs(ip->tot_len) + 10);
    break;
  case M_TOTSHORT:
    ip->tot_len = htons(19);
    break;
  case M_SHORT:
    *n = ETH_HLEN + 12;
    break;
  case M_CSUM:
    ip->check ^= 0x0100;
    return &netstats.ip_rx_bad_csum;
  case M_TTL0:
    ip->ttl = 0;
    break;
  case M_MF:
    ip->frag_off = htons(IP_MF);
    break;
  case M_OFFSET:
    ip->frag_off = htons(1);
    break;
  case M_NOTUS:
    ip->daddr = IPV4_ADDR(10, 0, 2, 16);
    break;
  case M_PROTO:
    ip->protocol = 99;
    break;
  }
  if (m != M_SHORT)
    ip_fix(f);
  uint64 *ctr[NMUT] = {
    &netstats.ip_rx_bad_version,
    &netstats.ip_rx_bad_hlen,
    &netstats.ip_rx_bad_hlen,
    &netstats.ip_rx_bad_len,
    &netstats.ip_rx_bad_len,
    &netstats.ip_rx_bad_len,
    0,
    &netstats.ip_rx_ttl0,
    &netstats.ip_rx_frag_dropped,
    &netstats.ip_rx_frag_dropped,
    &netstats.ip_rx_not_for_us,
    &netstats.ip_rx_unknown_proto,
  };
  return ctr[m];
}

// A frame that must be delivered to so: one more datagram of dlen bytes in its queue.
static void
expect_delivered(struct socket *so, const uchar *f, uint n, uint dlen, const char *what)
{
  char buf[64];
  struct sockaddr_in from;
  uint q = so->rcvq.qlen;

  rx(f, n);
  CHECK(so->rcvq.qlen == q + 1, "%s: delivered", what);
  if (so->rcvq.qlen == q + 1) {
    int r = udp_ops.recvmsg(so, (uint64)buf, sizeof(buf), &from, 0);
    CHECK(r == (int)dlen, "%s: %d bytes, want %u", what, r, dlen);
    CHECK(from.sin_addr.s_addr == PEER_IP && from.sin_port == htons(5555), "%s: from", what);
  }
}

static void
test_ip(void)
{
  struct socket so;
  uchar f[1600];
  uint n;
  uint64 base;

  reset();
  udp_open(&so, 2000);
  n = mk_udp(f, PEER_IP, OUR_IP, 5555, 2000, "hello", 5);
  expect_delivered(&so, f, n, 5, "valid frame");
  base = skb_inuse();
  for (int m = 0; m < NMUT; m++) {
    struct net_proto_stats b = netstats;
    uint64 *ctr;
    uint len;

    len = mk_udp(f, PEER_IP, OUR_IP, 5555, 2000, "hello", 5);
    ctr = ip_mutate(f, &len, m);
    uint64 before = *(uint64 *)((char *)&b + ((char *)ctr - (char *)&netstats));
    rx(f, len);
    CHECK(*ctr == before + 1, "mutation %d: its counter", m);
    CHECK(so.rcvq.qlen == 0, "mutation %d: not delivered", m);
    CHECK(skb_inuse() == base, "mutation %d: skb freed", m);
    CHECK(fake_tx.qlen == 0, "mutation %d: nothing sent", m);
  }
  // Ethernet padding after tot_len is cut off (the UDP length still says 5).
  n = mk_udp(f, PEER_IP, OUR_IP, 5555, 2000, "hello", 5);
  memset(f + n, 0xee, 20);
  expect_delivered(&so, f, n + 20, 5, "padded frame");
  // Broadcasts (limited and subnet-directed) are ours.
  n = mk_udp(f, PEER_IP, INADDR_BROADCAST, 5555, 2000, "hello", 5);
  expect_delivered(&so, f, n, 5, "limited broadcast");
  n = mk_udp(f, PEER_IP, IPV4_ADDR(10, 0, 2, 255), 5555, 2000, "hello", 5);
  expect_delivered(&so, f, n, 5, "subnet broadcast");
  // A header with options (IHL 6: one NOP option and padding).
  {
    uchar g[1600];
    struct iphdr *ip;

    n = mk_udp(f, PEER_IP, OUR_IP, 5555, 2000, "hello", 5);
    memcpy(g, f, ETH_HLEN + IP_HLEN);
    memset(g + ETH_HLEN + IP_HLEN, 1, 4);  // 4 x NOP (RFC 791 option type 1)
    memcpy(g + ETH_HLEN + IP_HLEN + 4, f + ETH_HLEN + IP_HLEN, n - ETH_HLEN - IP_HLEN);
    ip = (struct iphdr *)(g + ETH_HLEN);
    ip->ver_ihl = 0x46;
    ip->tot_len = htons(ntohs(ip->tot_len) + 4);
    ip_fix(g);
    expect_delivered(&so, g, n + 4, 5, "IP options");
  }
  fake_sock_close(&so);
  check_balanced("ip");
}

// ---------------------------------------------------------------------------------------
// arp: replies, learning, resolution with a pending queue, retries, failure, expiry.

// The ARP header of a captured frame, or 0.
static struct arphdr *
tx_arp(struct sk_buff *skb)
{
  struct ethhdr *eh = (struct ethhdr *)skb->data;

  if (skb->len < ETH_HLEN + sizeof(struct arphdr) || ntohs(eh->h_proto) != ETH_P_ARP)
    return 0;
  return (struct arphdr *)(skb->data + ETH_HLEN);
}

static void
arp_reply_and_learn(void)
{
  static const uchar zero[6];
  struct sk_buff *skb;
  struct arphdr *ah;
  uchar f[64];

  reset();
  rx(f, mk_arp(f, eth_broadcast, ARPOP_REQUEST, peer_mac, PEER_IP, zero, OUR_IP));
  CHECK(fake_tx.qlen == 1, "one reply, got %u frames", fake_tx.qlen);
  skb = fake_tx.head;
  ah = skb ? tx_arp(skb) : 0;
  CHECK(ah != 0, "the reply is ARP");
  if (ah) {
    CHECK(memcmp(skb->data, peer_mac, 6) == 0, "unicast to the asker");
    CHECK(ntohs(ah->ar_op) == ARPOP_REPLY, "op reply");
    CHECK(memcmp(ah->ar_sha, fake_dev.dev_addr, 6) == 0 && ah->ar_sip == OUR_IP, "our pair");
    CHECK(memcmp(ah->ar_tha, peer_mac, 6) == 0 && ah->ar_tip == PEER_IP, "their pair");
    CHECK(skb->len >= ETH_ZLEN, "padded to the Ethernet minimum");
  }
  CHECK(arp_entry(PEER_IP).state == ARP_STATE_VALID, "the asker is learned");
  fake_tx_clear();
  // A request for someone else: no reply, and the sender is not added.
  rx(f, mk_arp(f, eth_broadcast, ARPOP_REQUEST, other_mac, IPV4_ADDR(10, 0, 2, 3), zero,
               IPV4_ADDR(10, 0, 2, 99)));
  CHECK(fake_tx.qlen == 0, "no reply for another address");
  CHECK(arp_entry(IPV4_ADDR(10, 0, 2, 3)).state == ARP_STATE_FREE, "not added");
  // A gratuitous reply updates an entry we have (merge), and adds none.
  rx(f, mk_arp(f, eth_broadcast, ARPOP_REPLY, other_mac, PEER_IP, eth_broadcast, PEER_IP));
  CHECK(memcmp(arp_entry(PEER_IP).mac, other_mac, 6) == 0, "gratuitous update");
  rx(f, mk_arp(f, eth_broadcast, ARPOP_REPLY, other_mac, IPV4_ADDR(10, 0, 2, 77), eth_broadcast,
               IPV4_ADDR(10, 0, 2, 77)));
  CHECK(arp_entry(IPV4_ADDR(10, 0, 2, 77)).state == ARP_STATE_FREE, "gratuitous no add");
}

static void
arp_bad_packets(void)
{
  static const uchar zero[6];
  uchar f[64];
  uint n;

  for (int m = 0; m < 7; m++) {
    uint64 bad = netstats.arp_rx_bad;
    struct arphdr *ah;

    n = mk_arp(f, eth_broadcast, ARPOP_REQUEST, peer_mac, PEER_IP, zero, OUR_IP);
    ah = (struct arphdr *)(f + ETH_HLEN);
    switch (m) {
    case 0:
      ah->ar_hrd = htons(6);
      break;
    case 1:
      ah->ar_pro = htons(0x86dd);
      break;
    case 2:
      ah->ar_hln = 5;
      break;
    case 3:
      ah->ar_pln = 6;
      break;
    case 4:
      ah->ar_op = htons(3);
      break;
    case 5:
      n = ETH_HLEN + 20;
      break;
    case 6:
      ah->ar_sha[0] = 0x01;
      break;  // a multicast sender
    }
    reset();
    rx(f, n);
    CHECK(netstats.arp_rx_bad == bad + 1, "bad ARP %d counted", m);
    CHECK(fake_tx.qlen == 0, "bad ARP %d not answered", m);
    CHECK(arp_entry(PEER_IP).state == ARP_STATE_FREE, "bad ARP %d not learned", m);
  }
}

static void
arp_resolve(void)
{
  struct socket so;
  struct arphdr *ah;
  struct sk_buff *skb;
  uchar f[64];

  reset();
  udp_open(&so, 0);
  CHECK(udp_send(&so, PEER_IP, 7, "ping", 4) == 4, "send while unresolved");
  CHECK(fake_tx.qlen == 1, "only the request goes out, got %u", fake_tx.qlen);
  ah = fake_tx.head ? tx_arp(fake_tx.head) : 0;
  CHECK(ah && ntohs(ah->ar_op) == ARPOP_REQUEST && ah->ar_tip == PEER_IP, "a request");
  CHECK(fake_tx.head && memcmp(fake_tx.head->data, eth_broadcast, 6) == 0, "broadcast");
  CHECK(arp_entry(PEER_IP).state == ARP_STATE_RESOLVING, "resolving");
  CHECK(arp_entry(PEER_IP).queued == 1, "one packet waits");
  CHECK(udp_send(&so, PEER_IP, 7, "pong", 4) == 4, "second send");
  CHECK(fake_tx.qlen == 1, "no second request while resolving");
  fake_tx_clear();
  rx(f, mk_arp(f, fake_dev.dev_addr, ARPOP_REPLY, peer_mac, PEER_IP, fake_dev.dev_addr, OUR_IP));
  CHECK(arp_entry(PEER_IP).state == ARP_STATE_VALID, "valid after the reply");
  CHECK(fake_tx.qlen == 2, "both waiting packets sent, got %u", fake_tx.qlen);
  for (skb = fake_tx.head; skb; skb = skb->next) {
    CHECK(memcmp(skb->data, peer_mac, 6) == 0, "to the learned MAC");
    CHECK(tx_ip_valid(skb), "well-formed UDP/IP");
  }
  fake_tx_clear();
  // Off-link destinations go through the gateway (10.0.2.2), known now.
  CHECK(udp_send(&so, IPV4_ADDR(8, 8, 8, 8), 53, "q", 1) == 1, "send off-link");
  CHECK(fake_tx.qlen == 1 && memcmp(fake_tx.head->data, peer_mac, 6) == 0, "via gateway");
  CHECK(fake_tx.qlen == 1 && tx_ip(fake_tx.head)->daddr == IPV4_ADDR(8, 8, 8, 8), "IP dst");
  fake_sock_close(&so);
}

static void
arp_fail(void)
{
  uint32 dst = IPV4_ADDR(10, 0, 2, 50);
  struct net_proto_stats b;
  struct socket so, so2;
  uint64 base;
  int r;

  reset();
  base = skb_inuse();
  b = netstats;
  udp_open(&so, 0);
  udp_open(&so2, 0);
  for (int i = 0; i < ARP_QMAX + 2; i++) {
    r = udp_send(&so, dst, 9, "lost", 4);
    CHECK(r == (i < ARP_QMAX ? 4 : -ENOBUFS), "send %d: %d", i, r);
  }
  CHECK(netstats.arp_queue_full == b.arp_queue_full + 2, "excess counted");
  CHECK(arp_entry(dst).queued == ARP_QMAX, "queue bounded");
  CHECK(fake_tx.qlen == 1, "one request");
  for (int retry = 1; retry <= ARP_RETRIES; retry++) {
    ticks += ARP_RETRY_TICKS - 1;
    arp_timer();
    CHECK(fake_tx.qlen == (uint)retry, "no retry before a second");
    ticks += 1;
    arp_timer();
    CHECK(fake_tx.qlen == (uint)retry + 1, "retry %d sent", retry);
    CHECK(arp_entry(dst).retries == retry, "retry %d counted", retry);
  }
  CHECK(so.error == 0, "no error yet");
  ticks += ARP_RETRY_TICKS;
  arp_timer();
  CHECK(arp_entry(dst).state == ARP_STATE_FREE, "given up");
  CHECK(netstats.arp_resolve_fail == b.arp_resolve_fail + ARP_QMAX, "failures counted");
  CHECK(so.error == EHOSTUNREACH, "sender told EHOSTUNREACH (error %d)", so.error);
  CHECK(fake_tx.qlen == ARP_RETRIES + 1, "requests: 1 + retries");
  fake_tx_clear();
  CHECK(skb_inuse() == base, "queued packets freed");
  // A socket closed while its packet waits is not told (and not touched).
  udp_send(&so2, dst, 9, "x", 1);
  fake_sock_close(&so2);
  so2.error = 0;
  arp_flush();
  CHECK(so2.error == 0, "closed socket not touched");
  fake_sock_close(&so);
}

static void
arp_expire_and_capacity(void)
{
  static const uchar zero[6];
  struct socket so;
  uchar f[64], mac[6];

  reset();
  CHECK(arp_set_timeout(50) == ARP_TIMEOUT_DEFAULT, "old timeout");
  learn_peer(PEER_IP, peer_mac);
  ticks += 49;
  arp_timer();
  CHECK(arp_entry(PEER_IP).state == ARP_STATE_VALID, "valid before its lifetime ends");
  ticks += 1;
  arp_timer();
  CHECK(arp_entry(PEER_IP).state == ARP_STATE_EXPIRED, "expired");
  udp_open(&so, 0);
  udp_send(&so, PEER_IP, 7, "again", 5);
  CHECK(fake_tx.qlen == 1 && tx_arp(fake_tx.head) != 0, "expired entry asks again");
  CHECK(arp_entry(PEER_IP).state == ARP_STATE_RESOLVING, "resolving again");
  fake_sock_close(&so);
  CHECK(arp_set_timeout(0) == 50, "timeout was 50");
  // More addresses than entries: the cache keeps NARP, the newest among them.
  reset();
  memcpy(mac, peer_mac, 6);
  for (int i = 0; i < NARP + 8; i++) {
    mac[5] = i;
    ticks++;
    rx(f, mk_arp(f, eth_broadcast, ARPOP_REQUEST, mac, IPV4_ADDR(10, 0, 2, 100 + i), zero, OUR_IP));
  }
  fake_tx_clear();
  struct netctl_arp t[64];
  CHECK(arp_dump(t, 64) == NARP, "cache holds %d", NARP);
  CHECK(arp_entry(IPV4_ADDR(10, 0, 2, 100 + NARP + 7)).state == ARP_STATE_VALID, "newest kept");
  CHECK(arp_entry(IPV4_ADDR(10, 0, 2, 100)).state == ARP_STATE_FREE, "oldest evicted");
}

// An entry that packets go through is asked for again at three quarters of its lifetime,
// once, and stays VALID meanwhile: a sender never waits for (or is refused by) a new
// resolution while the peer answers. An entry nobody uses is not asked for; it expires.
static void
arp_renew_in_use(void)
{
  uint32 idle = IPV4_ADDR(10, 0, 2, 60);
  struct socket so;
  uchar f[64];

  reset();
  arp_set_timeout(40);
  learn_peer(PEER_IP, peer_mac);
  learn_peer(idle, peer_mac);
  udp_open(&so, 0);
  CHECK(udp_send(&so, PEER_IP, 7, "a", 1) == 1 && fake_tx.qlen == 1, "sent through the entry");
  fake_tx_clear();
  ticks += 29;
  arp_timer();
  CHECK(fake_tx.qlen == 0, "asked again before three quarters of its lifetime");
  ticks += 1;
  arp_timer();
  CHECK(fake_tx.qlen == 1, "%u frames at three quarters of its lifetime, want a request",
        fake_tx.qlen);
  struct arphdr *ah = fake_tx.head ? tx_arp(fake_tx.head) : 0;
  CHECK(ah && ntohs(ah->ar_op) == ARPOP_REQUEST && ah->ar_tip == PEER_IP, "a request for it");
  fake_tx_clear();
  CHECK(arp_entry(PEER_IP).state == ARP_STATE_VALID, "still valid while asked again");
  CHECK(udp_send(&so, PEER_IP, 7, "b", 1) == 1 && fake_tx.qlen == 1 && tx_arp(fake_tx.head) == 0,
        "a packet meanwhile goes at once, not behind a resolution");
  fake_tx_clear();
  ticks += 5;
  arp_timer();
  CHECK(fake_tx.qlen == 0, "asked twice for one confirmation");
  // The answer renews it: valid for a whole lifetime from now.
  rx(f, mk_arp(f, fake_dev.dev_addr, ARPOP_REPLY, peer_mac, PEER_IP, fake_dev.dev_addr, OUR_IP));
  fake_tx_clear();
  ticks += 39;
  arp_timer();
  CHECK(arp_entry(PEER_IP).state == ARP_STATE_VALID, "renewed by the answer");
  // The idle entry was never asked for, and is gone now.
  CHECK(arp_entry(idle).state == ARP_STATE_EXPIRED, "the unused entry expired");
  fake_tx_clear();
  fake_sock_close(&so);
  arp_set_timeout(0);
}

static void
test_arp(void)
{
  arp_reply_and_learn();
  arp_bad_packets();
  arp_resolve();
  arp_fail();
  arp_expire_and_capacity();
  arp_renew_in_use();
  check_balanced("arp");
}

// ---------------------------------------------------------------------------------------
// udp: binding, demux, connected filter, port unreachable, queue bound, checks, sending.

static void
udp_binding(void)
{
  struct socket a, b, c;
  struct sockaddr_in s;

  reset();
  udp_open(&a, 2000);
  fake_sock_init(&b, SOCK_DGRAM, IPPROTO_UDP);
  s = sin(INADDR_ANY, 2000);
  CHECK(udp_ops.bind(&b, &s) == -EADDRINUSE, "port taken");
  s = sin(OUR_IP, 2000);
  CHECK(udp_ops.bind(&b, &s) == -EADDRINUSE, "port taken by a wildcard bind");
  s = sin(IPV4_ADDR(10, 0, 2, 99), 2001);
  CHECK(udp_ops.bind(&b, &s) == -EADDRNOTAVAIL, "not our address");
  s = sin(OUR_IP, 2001);
  CHECK(udp_ops.bind(&b, &s) == 0, "bind our address");
  CHECK(udp_ops.bind(&b, &s) == -EINVAL, "bound twice");
  fake_sock_init(&c, SOCK_DGRAM, IPPROTO_UDP);
  s = sin(INADDR_ANY, 0);
  CHECK(udp_ops.bind(&c, &s) == 0, "bind port 0");
  CHECK(ntohs(c.lport) >= UDP_PORT_EPHEMERAL_LO, "ephemeral %u", ntohs(c.lport));
  fake_sock_close(&b);
  fake_sock_close(&a);
  fake_sock_close(&c);
  udp_open(&a, 2000);
  fake_sock_close(&a);
}

static void
udp_demux(void)
{
  struct socket a, b;
  struct sockaddr_in peer = sin(PEER_IP, 7000), from;
  uchar f[1600];
  char buf[16];
  uint n;

  reset();
  learn_peer(PEER_IP, peer_mac);
  udp_open(&a, 2000);
  udp_open(&b, 3000);
  CHECK(udp_ops.connect(&b, &peer) == 0, "connect");
  n = mk_udp(f, PEER_IP, OUR_IP, 5555, 2000, "hello", 5);
  rx(f, n);
  CHECK(a.rcvq.qlen == 1 && b.rcvq.qlen == 0, "to the socket of port 2000");
  CHECK(udp_ops.recvmsg(&a, (uint64)buf, 3, &from, 0) == 3, "truncated to 3");
  CHECK(memcmp(buf, "hel", 3) == 0 && a.rcvq.qlen == 0, "the rest is discarded");
  CHECK(from.sin_port == htons(5555) && from.sin_addr.s_addr == PEER_IP, "from");
  CHECK(udp_ops.recvmsg(&a, (uint64)buf, 3, &from, 0) == -EAGAIN, "empty");
  // The connected socket takes only its peer's datagrams.
  rx(f, mk_udp(f, PEER_IP, OUR_IP, 5555, 3000, "no", 2));
  CHECK(b.rcvq.qlen == 0, "stranger filtered");
  CHECK(fake_tx.qlen == 1, "... and answered with port unreachable");
  fake_tx_clear();
  rx(f, mk_udp(f, PEER_IP, OUR_IP, 7000, 3000, "yes", 3));
  CHECK(b.rcvq.qlen == 1, "peer accepted");
  fake_sock_close(&a);
  fake_sock_close(&b);
}

static void
udp_unreachable(void)
{
  struct net_proto_stats b = netstats;
  struct icmphdr *ic;
  struct iphdr *ip;
  uchar f[1600];
  uint n;

  reset();
  learn_peer(PEER_IP, peer_mac);
  n = mk_udp(f, PEER_IP, OUR_IP, 5555, 4444, "closed", 6);
  rx(f, n);
  CHECK(netstats.udp_rx_no_port == b.udp_rx_no_port + 1, "no port counted");
  CHECK(fake_tx.qlen == 1, "an ICMP error goes out");
  if (fake_tx.qlen == 1) {
    ip = tx_ip(fake_tx.head);
    CHECK(ip && tx_ip_valid(fake_tx.head), "valid ICMP/IP");
    CHECK(ip && ip->daddr == PEER_IP && ip->protocol == IPPROTO_ICMP, "to the sender");
    ic = (struct icmphdr *)((uchar *)ip + IP_HLEN);
    CHECK(ic->type == 3 && ic->code == 3, "port unreachable %d/%d", ic->type, ic->code);
    CHECK(ntohs(ip->tot_len) == IP_HLEN + ICMP_HLEN + IP_HLEN + 8, "quotes header + 8");
    CHECK(memcmp(ic + 1, f + ETH_HLEN, IP_HLEN + 8) == 0, "the quote is the original");
  }
  fake_tx_clear();
  n = mk_udp(f, PEER_IP, INADDR_BROADCAST, 5555, 4444, "closed", 6);
  rx(f, n);
  CHECK(fake_tx.qlen == 0, "never answer a broadcast");
  rx(f, mk_udp(f, INADDR_BROADCAST, OUR_IP, 5555, 4444, "closed", 6));
  rx(f, mk_udp(f, OUR_IP, OUR_IP, 5555, 4444, "closed", 6));
  rx(f, mk_udp(f, IPV4_ADDR(224, 0, 0, 1), OUR_IP, 5555, 4444, "closed", 6));
  CHECK(fake_tx.qlen == 0, "never answer a broadcast, multicast or our own source");
  CHECK(netstats.icmp_unreach_out == b.icmp_unreach_out + 1, "one unreachable sent");
}

static void
udp_queue_bound(void)
{
  struct socket a, c;
  uchar f[1600];

  reset();
  udp_open(&a, 2000);
  udp_open(&c, 2001);
  a.rcvq_max = 4;
  uint64 full = netstats.udp_rx_queue_full;
  for (int i = 0; i < 6; i++) {
    rx(f, mk_udp(f, PEER_IP, OUR_IP, 5555, 2000, "fill", 4));
    rx(f, mk_udp(f, PEER_IP, OUR_IP, 5555, 2001, "other", 5));
  }
  CHECK(a.rcvq.qlen == 4, "bounded at 4, got %u", a.rcvq.qlen);
  CHECK(netstats.udp_rx_queue_full == full + 2, "overflow counted");
  CHECK(a.rx_dropped == 2, "socket's rx_dropped");
  CHECK(c.rcvq.qlen == 6 && c.rx_dropped == 0, "the other socket unaffected");
  fake_sock_close(&a);
  fake_sock_close(&c);
}

static void
udp_bad(void)
{
  struct net_proto_stats b = netstats;
  struct socket a;
  struct udphdr *uh;
  uchar f[1600];
  uint n;

  reset();
  udp_open(&a, 2000);
  n = mk_udp(f, PEER_IP, OUR_IP, 5555, 2000, "hello", 5);
  uh = (struct udphdr *)(f + ETH_HLEN + IP_HLEN);
  uh->check ^= 0x0101;
  rx(f, n);
  CHECK(netstats.udp_rx_bad_csum == b.udp_rx_bad_csum + 1, "bad checksum counted");
  uh->check = 0;
  rx(f, n);
  CHECK(a.rcvq.qlen == 1, "checksum 0 means none: accepted");
  n = mk_udp(f, PEER_IP, OUR_IP, 5555, 2000, "hello", 5);
  uh->len = htons(UDP_HLEN + 6);
  udp_fix(f);
  rx(f, n);
  CHECK(netstats.udp_rx_bad_len == b.udp_rx_bad_len + 1, "UDP length beyond the packet");
  uh->len = htons(7);
  rx(f, n);
  CHECK(netstats.udp_rx_bad_len == b.udp_rx_bad_len + 2, "UDP length below 8");
  n = mk_udp(f, PEER_IP, OUR_IP, 5555, 2000, "hello", 5);
  uh->len = htons(UDP_HLEN + 3);
  udp_fix(f);
  rx(f, n);
  CHECK(a.rcvq.qlen == 2 && a.rcvq.tail->len == 3, "shorter UDP length trims");
  CHECK(fake_tx.qlen == 0, "nothing sent for bad datagrams");
  fake_sock_close(&a);
}

static void
udp_sending(void)
{
  static char big[UDP_MAX_PAYLOAD + 1];
  struct socket a;
  struct sockaddr_in s;
  struct iphdr *ip;
  uint16 id1 = 0;

  reset();
  learn_peer(PEER_IP, peer_mac);
  udp_open(&a, 0);
  CHECK(udp_send(&a, PEER_IP, 9, big, UDP_MAX_PAYLOAD + 1) == -EMSGSIZE, "EMSGSIZE");
  CHECK(udp_send(&a, PEER_IP, 9, big, UDP_MAX_PAYLOAD) == UDP_MAX_PAYLOAD, "1472 fits");
  CHECK(udp_send(&a, PEER_IP, 9, "", 0) == 0, "empty datagram");
  CHECK(fake_tx.qlen == 2, "two frames");
  for (struct sk_buff *skb = fake_tx.head; skb; skb = skb->next) {
    ip = tx_ip(skb);
    CHECK(tx_ip_valid(skb), "checksums valid");
    CHECK(ip && (ntohs(ip->frag_off) & IP_DF) == 0, "DF off");
    if (ip && skb == fake_tx.head)
      id1 = ntohs(ip->id);
    else if (ip)
      CHECK(ntohs(ip->id) == (uint16)(id1 + 1), "IP ids count up");
  }
  CHECK(fake_tx.head && fake_tx.head->len == ETH_HLEN + IP_HLEN + UDP_HLEN + UDP_MAX_PAYLOAD,
        "a full frame of 1514");
  CHECK(ntohs(a.lport) >= UDP_PORT_EPHEMERAL_LO, "autobound");
  fake_tx_clear();
  CHECK(udp_ops.sendmsg(&a, (uint64) "x", 1, 0, 0) == -EDESTADDRREQ, "no destination");
  CHECK(udp_send(&a, INADDR_BROADCAST, 9, "x", 1) == -EACCES, "broadcast needs SO_BROADCAST");
  a.broadcast = 1;
  CHECK(udp_send(&a, INADDR_BROADCAST, 9, "x", 1) == 1, "broadcast");
  CHECK(fake_tx.qlen == 1 && memcmp(fake_tx.head->data, eth_broadcast, 6) == 0, "to ff:ff..");
  uint64 nr = netstats.ip_tx_no_route;
  CHECK(udp_send(&a, htonl(INADDR_LOOPBACK), 9, "x", 1) == -ENETUNREACH, "no loopback");
  CHECK(netstats.ip_tx_no_route == nr + 1, "no route counted");
  fake_tx_full = 1;
  a.nonblock = 1;
  CHECK(udp_send(&a, PEER_IP, 9, "x", 1) == -EAGAIN, "back-pressure: EAGAIN");
  fake_tx_full = 0;
  s = sin(PEER_IP, 9);
  CHECK(udp_ops.sendmsg(&a, 0, 5, &s, 0) == -EFAULT, "EFAULT");
  fake_sock_close(&a);
}

// An ICMP error about a datagram from so reaches it only if it is connected.
static void
udp_icmp_error(void)
{
  struct socket a, b;
  struct sockaddr_in peer = sin(PEER_IP, 9);
  uchar f[1600], quote[64];
  struct sk_buff *skb;
  uint n;

  reset();
  learn_peer(PEER_IP, peer_mac);
  udp_open(&a, 0);
  udp_open(&b, 0);
  CHECK(udp_ops.connect(&a, &peer) == 0, "connect");
  for (struct socket *so = &a; so; so = so == &a ? &b : 0) {
    udp_send(so, PEER_IP, 9, "knock", 5);
    skb = fake_tx.head;
    if (skb == 0)
      break;
    memcpy(quote, skb->data + ETH_HLEN, IP_HLEN + 8);
    fake_tx_clear();
    n = mk_icmp(f, PEER_IP, OUR_IP, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, quote, IP_HLEN + 8);
    ((struct icmphdr *)(f + ETH_HLEN + IP_HLEN))->id = 0;
    ((struct icmphdr *)(f + ETH_HLEN + IP_HLEN))->sequence = 0;
    ((struct icmphdr *)(f + ETH_HLEN + IP_HLEN))->checksum = 0;
    ((struct icmphdr *)(f + ETH_HLEN + IP_HLEN))->checksum =
        inet_csum(f + ETH_HLEN + IP_HLEN, ICMP_HLEN + IP_HLEN + 8);
    rx(f, n);
  }
  CHECK(a.error == ECONNREFUSED, "connected socket: ECONNREFUSED (%d)", a.error);
  CHECK(b.error == 0, "unconnected socket: no error (%d)", b.error);
  fake_sock_close(&a);
  fake_sock_close(&b);
}

static void
test_udp(void)
{
  udp_binding();
  udp_demux();
  udp_unreachable();
  udp_queue_bound();
  udp_bad();
  udp_sending();
  udp_icmp_error();
  check_balanced("udp");
}

// ---------------------------------------------------------------------------------------
// icmp: echo replies, bad messages, raw sockets.

static void
test_icmp(void)
{
  struct net_proto_stats b = netstats;
  uchar f[1600], msg[64], buf[128];
  struct sockaddr_in to = sin(PEER_IP, 0), from;
  struct icmphdr *ic;
  struct iphdr *ip;
  struct socket raw;
  uint n;

  reset();
  learn_peer(PEER_IP, peer_mac);
  n = mk_icmp(f, PEER_IP, OUR_IP, ICMP_ECHO, 0, "abcdefgh", 8);
  rx(f, n);
  CHECK(fake_tx.qlen == 1, "an echo reply");
  if (fake_tx.qlen == 1) {
    ip = tx_ip(fake_tx.head);
    ic = (struct icmphdr *)((uchar *)ip + IP_HLEN);
    CHECK(tx_ip_valid(fake_tx.head), "valid");
    CHECK(ip->daddr == PEER_IP && ic->type == ICMP_ECHOREPLY && ic->code == 0, "a reply");
    CHECK(ic->id == htons(0x1234) && ic->sequence == htons(1), "same id and sequence");
    CHECK(memcmp(ic + 1, "abcdefgh", 8) == 0, "same data");
  }
  CHECK(netstats.icmp_echo_in == b.icmp_echo_in + 1, "echo in");
  CHECK(netstats.icmp_echo_out == b.icmp_echo_out + 1, "echo out");
  fake_tx_clear();
  f[ETH_HLEN + IP_HLEN + 9] ^= 1;  // corrupt the data: bad checksum
  rx(f, n);
  n = mk_icmp(f, PEER_IP, OUR_IP, ICMP_ECHO, 0, "", 0) - 4;  // 4 bytes of ICMP
  ((struct iphdr *)(f + ETH_HLEN))->tot_len = htons(IP_HLEN + 4);
  ip_fix(f);
  rx(f, n);
  CHECK(netstats.icmp_rx_bad == b.icmp_rx_bad + 2, "bad ICMP counted");
  n = mk_icmp(f, PEER_IP, INADDR_BROADCAST, ICMP_ECHO, 0, "x", 1);
  memcpy(f, eth_broadcast, 6);
  rx(f, n);
  rx(f, mk_icmp(f, IPV4_ADDR(10, 0, 2, 255), OUR_IP, ICMP_ECHO, 0, "x", 1));
  rx(f, mk_icmp(f, 0, OUR_IP, ICMP_ECHO, 0, "x", 1));
  CHECK(fake_tx.qlen == 0, "no reply to a broadcast ping, a bad one, or a broadcast source");
  // Raw socket: send a user-made echo request (checksum 0: the kernel computes it).
  fake_sock_init(&raw, SOCK_RAW, IPPROTO_ICMP);
  memset(msg, 0, sizeof(msg));
  msg[0] = ICMP_ECHO;
  memcpy(msg + 8, "payload", 7);
  CHECK(raw_ops.sendmsg(&raw, (uint64)msg, 15, &to, 0) == 15, "raw send");
  CHECK(fake_tx.qlen == 1 && tx_ip_valid(fake_tx.head), "checksum computed");
  fake_tx_clear();
  msg[2] = 0x12;  // a wrong checksum is refused
  CHECK(raw_ops.sendmsg(&raw, (uint64)msg, 15, &to, 0) == -EINVAL, "wrong checksum");
  CHECK(raw_ops.sendmsg(&raw, (uint64)msg, 4, &to, 0) == -EINVAL, "shorter than a header");
  // Every ICMP message received goes to the raw socket, IP header included.
  rx(f, mk_icmp(f, PEER_IP, OUR_IP, ICMP_ECHOREPLY, 0, "pong", 4));
  CHECK(raw.rcvq.qlen == 1, "raw socket got the reply");
  n = raw_ops.recvmsg(&raw, (uint64)buf, sizeof(buf), &from, 0);
  CHECK(n == IP_HLEN + ICMP_HLEN + 4, "whole IP packet, %d bytes", n);
  CHECK(buf[0] == 0x45 && buf[IP_HLEN] == ICMP_ECHOREPLY, "IP header first");
  CHECK(from.sin_addr.s_addr == PEER_IP, "from the peer");
  fake_sock_close(&raw);
  rx(f, mk_icmp(f, PEER_IP, OUR_IP, ICMP_ECHOREPLY, 0, "pong", 4));
  check_balanced("icmp");
}

// ---------------------------------------------------------------------------------------
// config: net_set_config checks what it is given, and the stack follows the new address.

static void
test_config(void)
{
  struct netconfig saved = netcfg, c = netcfg;
  struct socket a;
  uchar f[1600];

  reset();
  c.netmask = IPV4_ADDR(255, 0, 255, 0);
  CHECK(net_set_config(&c) == -EINVAL, "holes in the netmask");
  c = saved;
  c.addr = IPV4_ADDR(10, 0, 2, 255);
  CHECK(net_set_config(&c) == -EINVAL, "the broadcast address");
  c.addr = IPV4_ADDR(10, 0, 2, 0);
  CHECK(net_set_config(&c) == -EINVAL, "the subnet's address");
  c.addr = IPV4_ADDR(10, 0, 2, 16);
  c.gateway = IPV4_ADDR(10, 0, 3, 1);
  CHECK(net_set_config(&c) == -EINVAL, "gateway off the link");
  c.gateway = saved.gateway;
  learn_peer(PEER_IP, peer_mac);
  CHECK(net_set_config(&c) == 0, "10.0.2.16/24");
  CHECK(arp_entry(PEER_IP).state == ARP_STATE_FREE, "the cache is forgotten");
  udp_open(&a, 2000);
  rx(f, mk_udp(f, PEER_IP, OUR_IP, 5555, 2000, "old", 3));
  CHECK(a.rcvq.qlen == 0, "the old address is not ours any more");
  rx(f, mk_udp(f, PEER_IP, IPV4_ADDR(10, 0, 2, 16), 5555, 2000, "new", 3));
  CHECK(a.rcvq.qlen == 1, "the new one is");
  fake_sock_close(&a);
  CHECK(net_set_config(&saved) == 0, "back to the default");
  check_balanced("config");
}

// ---------------------------------------------------------------------------------------
// fuzz: random mutations of valid frames; no crash, every skb accounted for, every frame
// we send in answer well-formed.

static uint64 rng = 88172645463325252ULL;

static uint
rnd(uint n)
{
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (uint)(rng % n);
}

// Packets waiting in the ARP cache for a resolution.
static uint
arp_queued(void)
{
  struct netctl_arp t[NARP];
  int n = arp_dump(t, NARP);
  uint q = 0;

  for (int i = 0; i < n; i++)
    q += t[i].queued;
  return q;
}

// One valid frame of a random kind; returns its length.
static uint
fuzz_template(uchar *f)
{
  static const uchar zero[6];

  switch (rnd(6)) {
  case 0:
    return mk_udp(f, PEER_IP, OUR_IP, 5555, 2000, "fuzzing", 7);
  case 1:
    return mk_udp(f, PEER_IP, OUR_IP, 5555, 2999, "closed", 6);
  case 2:
    return mk_udp(f, PEER_IP, INADDR_BROADCAST, 5555, 2000, "bcast", 5);
  case 3:
    return mk_icmp(f, PEER_IP, OUR_IP, ICMP_ECHO, 0, "ping", 4);
  case 4:
    return mk_arp(f, eth_broadcast, ARPOP_REQUEST, peer_mac, PEER_IP, zero, OUR_IP);
  default:
    return mk_icmp(f, PEER_IP, OUR_IP, ICMP_DEST_UNREACH, 3, f + 100, 28);
  }
}

// Mutate the frame: flip bytes (mostly in the headers), cut, or extend it.
static uint
fuzz_mutate(uchar *f, uint n)
{
  int k = 1 + rnd(4);

  for (int i = 0; i < k; i++) {
    uint at = rnd(4) ? rnd(n < 64 ? n : 64) : rnd(n);
    f[at] = rnd(3) ? (uchar)rnd(256) : (rnd(2) ? 0 : 0xff);
  }
  if (rnd(8) == 0)
    n = rnd(n + 1);
  else if (rnd(8) == 0)
    n += rnd(64);
  if (n >= ETH_HLEN + IP_HLEN && rnd(2) && ((f[ETH_HLEN] & 0xf) >= 5))
    ip_fix(f);  // let half of them get past the IP checksum
  return n;
}

static void
test_fuzz(int iters)
{
  struct sockaddr_in peer = sin(PEER_IP, 0);
  struct socket a, raw;
  uchar f[1700];
  char buf[64];
  struct net_proto_stats b;
  int bad_tx = 0;

  reset();
  learn_peer(PEER_IP, peer_mac);
  b = netstats;
  udp_open(&a, 2000);
  fake_sock_init(&raw, SOCK_RAW, IPPROTO_ICMP);
  CHECK(raw_ops.connect(&raw, &peer) == 0, "raw socket attached");
  for (int i = 0; i < iters; i++) {
    uint n;

    memset(f, 0, sizeof(f));
    n = fuzz_mutate(f, fuzz_template(f));
    rx(f, n);
    if (rnd(50) == 0) {
      ticks += 100;
      arp_timer();
    }
    for (struct sk_buff *skb = fake_tx.head; skb; skb = skb->next)
      if (tx_ip(skb) && !tx_ip_valid(skb))
        bad_tx++;
    fake_tx_clear();
    while (a.rcvq.qlen > 8)
      udp_ops.recvmsg(&a, (uint64)buf, sizeof(buf), 0, 0);
    while (raw.rcvq.qlen > 8)
      raw_ops.recvmsg(&raw, (uint64)buf, sizeof(buf), 0, 0);
    CHECK(skb_inuse() == a.rcvq.qlen + raw.rcvq.qlen + arp_queued(),
          "iteration %d: %lu skbs in use, %u+%u queued", i, (unsigned long)skb_inuse(), a.rcvq.qlen,
          arp_queued());
    if (failures) {
      printf("the frame (%u bytes):", n);
      for (uint j = 0; j < n; j++)
        printf("%s%02x", j % 16 ? " " : "\n  ", f[j]);
      printf("\n");
      break;
    }
  }
  CHECK(bad_tx == 0, "%d malformed frames sent", bad_tx);
  CHECK(netstats.eth_rx == b.eth_rx + iters || failures, "every frame counted");
  printf("fuzz: %d frames: ip %lu, arp %lu, icmp %lu, udp %lu, delivered %lu, replies %lu\n", iters,
         (unsigned long)(netstats.ip_rx - b.ip_rx), (unsigned long)(netstats.arp_rx - b.arp_rx),
         (unsigned long)(netstats.icmp_rx - b.icmp_rx), (unsigned long)(netstats.udp_rx - b.udp_rx),
         (unsigned long)(a.rx_queued), (unsigned long)(netstats.ip_tx - b.ip_tx));
  CHECK(raw.rx_queued > 0, "the raw socket saw ICMP");
  fake_sock_close(&a);
  fake_sock_close(&raw);
  check_balanced("fuzz");
}

// ---------------------------------------------------------------------------------------

int
main(int argc, char **argv)
{
  const char *g = argc > 1 ? argv[1] : "all";
  int all = strcmp(g, "all") == 0;

  net_init();
  if (all || strcmp(g, "csum") == 0)
    test_csum();
  if (all || strcmp(g, "ether") == 0)
    test_ether();
  if (all || strcmp(g, "ip") == 0)
    test_ip();
  if (all || strcmp(g, "arp") == 0)
    test_arp();
  if (all || strcmp(g, "udp") == 0)
    test_udp();
  if (all || strcmp(g, "icmp") == 0)
    test_icmp();
  if (all || strcmp(g, "config") == 0)
    test_config();
  if (all || strcmp(g, "fuzz") == 0)
    test_fuzz(argc > 2 ? atoi(argv[2]) : 5000);
  if (failures) {
    printf("%d checks failed in %s\n", failures, g);
    return 1;
  }
  printf("ok %s\n", g);
  return 0;
}
