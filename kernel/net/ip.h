// IPv4 (ip.c), ICMP (icmp.c) and the Internet checksum (inet_csum.c).
//
// Interface: transports send with ip_queue_xmit(skb, saddr, daddr, proto), which builds
// the IP header, routes (on-link or via the gateway) and hands the packet to ip_output
// and then neigh_output; it consumes the skb and returns 0 or -errno. The Ethernet layer
// delivers IP packets to ip_rcv, which validates them and passes them up through the IP
// protocol demux table (transports register with inet_add_protocol).
#pragma once
#include "../types.h"
#include "../errno.h"
#include "skbuff.h"
#include "wire.h"
#include "in.h"
#include "net.h"

struct socket;

// One entry of the IP protocol demux table.
struct net_protocol {
  // A packet for this protocol: skb->data is the transport header, skb->network_header
  // the IP header. Consumes the skb.
  void (*handler)(struct sk_buff *skb);
  // An ICMP error about a packet we sent: quoted is the IP header we sent, followed by
  // at least 8 bytes of its payload (len bytes in all); err is an errno. May be 0.
  void (*err_handler)(const struct iphdr *quoted, uint len, int err);
};

// ip.c
void ip_init(void);
void ip_rcv(struct sk_buff *skb);  // consumes
int ip_queue_xmit(struct sk_buff *skb, uint32 saddr, uint32 daddr, uint8 proto);
int ip_output(struct sk_buff *skb);  // skb->data is a complete IP packet
int inet_add_protocol(uint8 proto, const struct net_protocol *p);  // 0 or -1
const struct net_protocol *inet_get_protocol(uint8 proto);         // or 0

// icmp.c
void icmp_init(void);
void icmp_rcv(struct sk_buff *skb);  // consumes; reached through the IP demux
// Send a destination unreachable (RFC 792) about the received packet in skb (its
// network_header must be set). Does not consume skb. Never answers a broadcast.
void icmp_send_unreach(struct sk_buff *skb, int code);

// inet_csum.c: the Internet checksum (RFC 1071).
uint32 csum_partial(const void *buf, uint len, uint32 sum);             // add 16-bit words
int csum_copy_from_user(void *dst, uint64 src, uint len, uint32 *sum);  // and copy

// Is addr (network order) the limited broadcast or our subnet's directed broadcast?
// Inline: every send asks it (UDP, routing, ARP), and under QEMU a call costs a lookup.
static inline int
ip_is_broadcast(uint32 addr)
{
  if (addr == INADDR_BROADCAST)
    return 1;
  return netcfg.netmask != INADDR_BROADCAST && netcfg.netmask != 0 &&
         addr == (netcfg.addr | ~netcfg.netmask);
}

// Fold a sum to 16 bits with the end-around carry, in straight-line steps (no loop:
// fewer translated blocks): < 2^33, then < 2^17 + 2^16, then <= 0x10001, then <= 0xffff.
static inline uint64
fold16(uint64 acc)
{
  acc = (acc & 0xffffffff) + (acc >> 32);
  acc = (acc & 0xffff) + (acc >> 16);
  acc = (acc & 0xffff) + (acc >> 16);
  return (acc & 0xffff) + (acc >> 16);
}

// Fold the carries into 16 bits and complement: the value to store in a header
// (network order). Inline, like inet_csum: every packet sent is summed twice.
static inline uint16
csum_fold(uint32 sum)
{
  return htons((uint16)~fold16(sum));
}

// The checksum of one buffer: csum_fold(csum_partial()).
static inline uint16
inet_csum(const void *buf, uint len)
{
  return csum_fold(csum_partial(buf, len, 0));
}

// An IPv4 header's checksum, as inet_csum gives it (the value for the field; 0 when a
// received header, field included, is intact), for hl bytes at hdr (2-aligned, as every
// header here is). Summed straight as 16-bit words in the CPU's byte order, without
// csum_partial's call and loop setup: every packet sent and received has one. In that
// byte order the complement of the folded sum is the field's value as the CPU reads it
// from memory [RFC 1071 2(B)], so nothing needs swapping.
static inline uint16
ip_hdr_csum(const void *hdr, uint hl)
{
  const uint16 *w = hdr;
  uint32 acc = 0;

#pragma GCC unroll 10  // a 20-byte header in one block
  for (uint i = 0; i < hl / 2; i++)
    acc += w[i];
  return (uint16)~fold16(acc);
}

// Sum of the 12-byte pseudo-header (RFC 768): source, destination, zero, protocol,
// length. Addresses in network order, len in host order.
// Its six big-endian words are the halves of each address, 0:proto, and len; summed
// here directly rather than laid out in memory for csum_partial. Inline: every UDP
// packet, both ways, needs one.
static inline uint32
csum_pseudo(uint32 saddr, uint32 daddr, uint8 proto, uint16 len)
{
  uint32 s = ntohl(saddr), d = ntohl(daddr);

  return (uint32)fold16((s >> 16) + (s & 0xffff) + (d >> 16) + (d & 0xffff) + proto + len);
}

// Pick the next hop for daddr: itself when on-link, else the gateway. 0, or
// -ENETUNREACH. (Inline: every send routes.)
static inline int
ip_route(uint32 daddr, uint32 *nexthop)
{
  uchar first = ((uchar *)&daddr)[0];

  if (daddr == 0 || first == 127 || netcfg.addr == 0)
    return -ENETUNREACH;  // no loopback device
  if (ip_is_broadcast(daddr) || (daddr & netcfg.netmask) == (netcfg.addr & netcfg.netmask)) {
    *nexthop = daddr;
    return 0;
  }
  if (netcfg.gateway == 0)
    return -ENETUNREACH;
  *nexthop = netcfg.gateway;
  return 0;
}
