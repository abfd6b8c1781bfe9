// Ethernet II (IEEE 802.3 clause 3): receive checks and demux, transmit framing.
//
// eth_rcv drops and counts runts, oversize frames, frames for another station and
// unknown EtherTypes; everything else goes up through eth_handlers, the EtherType demux
// table that arp.c and ip.c fill in at init. eth_output prepends the header.
#include "../types.h"
#include "../defs.h"
#include "../errno.h"
#include "skbuff.h"
#include "netdevice.h"
#include "in.h"
#include "net.h"
#include "wire.h"
#include "ether.h"

#define NETH_HANDLERS 4

const uchar eth_broadcast[ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

// The EtherType demux table: written only at init, read by eth_rcv.
static struct eth_handler {
  uint16 type;  // host order; 0 = free slot
  void (*rcv)(struct sk_buff *skb);
} eth_handlers[NETH_HANDLERS];

// Register rcv as the handler of EtherType type.
int
eth_add_handler(uint16 type, void (*rcv)(struct sk_buff *skb))
{
  for (int i = 0; i < NETH_HANDLERS; i++) {
    if (eth_handlers[i].type == 0 || eth_handlers[i].type == type) {
      eth_handlers[i].rcv = rcv;
      eth_handlers[i].type = type;
      return 0;
    }
  }
  return -1;
}

// Is the frame addressed to this station (its MAC or broadcast)?
static int
eth_for_us(struct ethhdr *eh, struct net_device *dev)
{
  if (memcmp(eh->h_dest, eth_broadcast, ETH_ALEN) == 0)
    return 1;
  if (dev == 0)
    dev = netdev_get();
  return dev != 0 && memcmp(eh->h_dest, dev->dev_addr, ETH_ALEN) == 0;
}

// Receive one frame (skb->data is the Ethernet header). Consumes the skb.
void
eth_rcv(struct sk_buff *skb)
{
  struct ethhdr *eh;

  net_trace(skb, "eth_rcv");
  NETSTAT_INC(eth_rx);
  if (skb->len < ETH_HLEN) {
    NETSTAT_INC(eth_rx_runt);
    goto drop;
  }
  if (skb->len > ETH_FRAME_LEN) {
    NETSTAT_INC(eth_rx_oversize);
    goto drop;
  }
  eh = (struct ethhdr *)skb->data;
  if (!eth_for_us(eh, skb->dev)) {
    NETSTAT_INC(eth_rx_not_for_us);
    goto drop;
  }
  skb->mac_header = skb->data;
  skb->protocol = ntohs(eh->h_proto);
  skb_pull(skb, ETH_HLEN);
  for (int i = 0; i < NETH_HANDLERS; i++) {
    if (eth_handlers[i].type != 0 && eth_handlers[i].type == skb->protocol) {
      eth_handlers[i].rcv(skb);
      return;
    }
  }
  NETSTAT_INC(eth_rx_unknown_type);
drop:
  net_rx_done(skb, "(dropped)");
}

// Prepend the Ethernet header (to dst, EtherType type) and send. Consumes the skb.
int
eth_output(struct sk_buff *skb, const uchar *dst, uint16 type)
{
  struct net_device *dev = netdev_get();
  struct ethhdr *eh;

  if (dev == 0 || skb_headroom(skb) < ETH_HLEN) {
    kfree_skb(skb);
    return -ENETUNREACH;
  }
  eh = (struct ethhdr *)skb_push(skb, ETH_HLEN);
  for (int i = 0; i < ETH_ALEN; i++) {  // not memmove: six bytes, on every frame sent
    eh->h_dest[i] = dst[i];
    eh->h_source[i] = dev->dev_addr[i];
  }
  eh->h_proto = htons(type);
  if (skb->len < ETH_ZLEN && skb_tailroom(skb) >= ETH_ZLEN - skb->len)
    memset(skb_put(skb, ETH_ZLEN - skb->len), 0, ETH_ZLEN - skb->len);  // pad short frames
  skb->mac_header = skb->data;
  skb->dev = dev;
  skb->protocol = type;
  return dev_queue_xmit(skb);
}
