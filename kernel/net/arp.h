// ARP (RFC 826) and the neighbour cache: IPv4 next hop -> Ethernet address.
//
// Interface: ip_output sends through neigh_output(skb), with skb->nexthop set. A cache
// hit sends at once; a miss queues the skb on the entry (at most ARP_QMAX) and
// broadcasts a request, re-sent every second up to ARP_RETRIES times; then the queued
// packets are freed and their sockets get EHOSTUNREACH. arp_rcv answers requests for our
// address and learns from requests and replies. net_timer calls arp_timer every 100 ms.
// arp_dump, arp_flush and arp_set_timeout (net.h) serve netctl.
#pragma once
#include "../types.h"
#include "skbuff.h"

struct socket;

#define NARP                32    // cache entries
#define ARP_QMAX            8     // packets queued per resolving entry
#define ARP_RETRIES         3     // requests re-sent before giving up
#define ARP_RETRY_TICKS     100   // 1 s between requests (100 Hz ticks)
#define ARP_TIMEOUT_DEFAULT 6000  // 60 s lifetime of a confirmed entry

void arp_init(void);
void arp_rcv(struct sk_buff *skb);      // consumes
int neigh_output(struct sk_buff *skb);  // consumes; 0 (sent or queued) or -errno
void arp_timer(void);                   // retries and ageing
// A socket is closing: its packets still waiting for ARP must no longer point at it.
void arp_forget_sock(struct socket *so);
