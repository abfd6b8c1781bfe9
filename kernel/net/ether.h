// Ethernet II: the link layer between the device (dev.c) and the protocols above.
//
// Interface: the device layer hands every received frame to eth_rcv(skb), which checks
// it, strips the Ethernet header and passes it up through the EtherType demux table
// (protocols register with eth_add_handler). Protocols send with eth_output(skb, dst,
// type), which prepends the header and calls dev_queue_xmit. Both consume the skb.
#pragma once
#include "../types.h"
#include "skbuff.h"
#include "wire.h"

extern const uchar eth_broadcast[ETH_ALEN];  // ff:ff:ff:ff:ff:ff

void eth_rcv(struct sk_buff *skb);
int eth_output(struct sk_buff *skb, const uchar *dst, uint16 type);
// Register the receive function for one EtherType (host order). 0 or -1 (table full).
int eth_add_handler(uint16 type, void (*rcv)(struct sk_buff *skb));
