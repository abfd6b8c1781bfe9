// IPv4 (RFC 791): receive validation and protocol demux, header building and routing.
//
// Receive: ip_rcv checks every header field, drops (and counts) what is bad, not for us
// or fragmented, trims link-layer padding and passes the packet up through inet_protos,
// the IP protocol demux table. Transmit: ip_queue_xmit builds the header and picks the
// next hop (on-link, or the gateway); ip_output hands the packet to neigh_output (ARP).
// We do not fragment or reassemble: senders keep under the MTU, fragments are dropped.
#include "../types.h"
#include "../defs.h"
#include "../errno.h"
#include "skbuff.h"
#include "in.h"
#include "net.h"
#include "wire.h"
#include "ether.h"
#include "ip.h"
#include "arp.h"

// The IP protocol demux table, indexed by the protocol number; written only at init.
static const struct net_protocol *inet_protos[256];

static uint32 ip_id_next;  // the identification counter (RFC 791 3.1), atomic

// Register the handlers of IP protocol proto.
int
inet_add_protocol(uint8 proto, const struct net_protocol *p)
{
  if (inet_protos[proto] != 0 && inet_protos[proto] != p)
    return -1;
  inet_protos[proto] = p;
  return 0;
}

// The handlers of IP protocol proto, or 0.
const struct net_protocol *
inet_get_protocol(uint8 proto)
{
  return inet_protos[proto];
}

// Is a packet to daddr (network order) ours to receive?
static int
ip_for_us(uint32 daddr)
{
  return daddr == netcfg.addr || ip_is_broadcast(daddr);
}

// Check the IP header at skb->data; count and return -1 if it is bad.
static int
ip_check(struct sk_buff *skb)
{
  struct iphdr *ip = (struct iphdr *)skb->data;
  uint hl, tot;

  if (skb->len < IP_HLEN) {
    NETSTAT_INC(ip_rx_bad_len);
    return -1;
  }
  if (IP_VER(ip) != IP_VERSION) {
    NETSTAT_INC(ip_rx_bad_version);
    return -1;
  }
  hl = IP_HL(ip);
  if (hl < IP_HLEN || hl > skb->len) {
    NETSTAT_INC(ip_rx_bad_hlen);
    return -1;
  }
  tot = ntohs(ip->tot_len);
  if (tot < hl || tot > skb->len) {
    NETSTAT_INC(ip_rx_bad_len);
    return -1;
  }
  if (ip_hdr_csum(ip, hl) != 0) {
    NETSTAT_INC(ip_rx_bad_csum);
    return -1;
  }
  if (ip->ttl == 0) {
    NETSTAT_INC(ip_rx_ttl0);
    return -1;
  }
  return 0;
}

// Receive one IP packet (skb->data is the IP header). Consumes the skb.
void
ip_rcv(struct sk_buff *skb)
{
  const struct net_protocol *p;
  struct iphdr *ip;

  net_trace(skb, "ip_rcv");
  NETSTAT_INC(ip_rx);
  if (ip_check(skb) < 0)
    goto drop;
  ip = (struct iphdr *)skb->data;
  skb_trim(skb, ntohs(ip->tot_len));  // cut Ethernet padding
  if (ntohs(ip->frag_off) & (IP_MF | IP_OFFMASK)) {
    NETSTAT_INC(ip_rx_frag_dropped);
    goto drop;
  }
  if (!ip_for_us(ip->daddr)) {
    NETSTAT_INC(ip_rx_not_for_us);
    goto drop;
  }
  p = inet_protos[ip->protocol];
  if (p == 0 || p->handler == 0) {
    NETSTAT_INC(ip_rx_unknown_proto);
    goto drop;
  }
  skb->network_header = skb->data;
  skb_pull(skb, IP_HL(ip));
  skb->transport_header = skb->data;
  p->handler(skb);
  return;

drop:
  net_rx_done(skb, "(dropped)");
}

// Prepend the IP header (skb->data is the transport header), route, and send.
// saddr 0 means our address. Consumes the skb; returns 0 or -errno.
int
ip_queue_xmit(struct sk_buff *skb, uint32 saddr, uint32 daddr, uint8 proto)
{
  struct iphdr *ip;
  uint32 nexthop;

  net_trace(skb, "ip_queue_xmit");
  if (ip_route(daddr, &nexthop) < 0) {
    NETSTAT_INC(ip_tx_no_route);
    kfree_skb(skb);
    return -ENETUNREACH;
  }
  if (skb->len + IP_HLEN > ETH_DATA_LEN || skb_headroom(skb) < IP_HLEN + ETH_HLEN) {
    kfree_skb(skb);
    return -EMSGSIZE;
  }
  skb->transport_header = skb->data;
  ip = (struct iphdr *)skb_push(skb, IP_HLEN);
  ip->ver_ihl = (IP_VERSION << 4) | (IP_HLEN / 4);
  ip->tos = 0;
  ip->tot_len = htons(skb->len);
  ip->id = htons((uint16)__atomic_fetch_add(&ip_id_next, 1, __ATOMIC_RELAXED));
  ip->frag_off = 0;  // DF off: we never send more than the MTU
  ip->ttl = IP_TTL_DEFAULT;
  ip->protocol = proto;
  ip->saddr = saddr ? saddr : netcfg.addr;
  ip->daddr = daddr;
  ip->check = 0;
  ip->check = ip_hdr_csum(ip, IP_HLEN);
  skb->network_header = skb->data;
  skb->nexthop = nexthop;
  return ip_output(skb);
}

// Hand a complete IP packet to the neighbour layer. Consumes the skb.
int
ip_output(struct sk_buff *skb)
{
  net_trace(skb, "ip_output");
  NETSTAT_INC(ip_tx);
  skb->protocol = ETH_P_IP;
  return neigh_output(skb);
}

// Start the IP layer: register with the Ethernet demux.
void
ip_init(void)
{
  ip_id_next = (uint32)ticks * 2654435761U;  // do not start at 0 after every boot
  eth_add_handler(ETH_P_IP, ip_rcv);
}
