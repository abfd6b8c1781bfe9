// The network stack's entry points for the rest of the kernel, and its one
// configuration place (address, netmask, gateway, DNS server).
#pragma once
#include "../types.h"
#include "netctl.h"

struct sk_buff;

// An IPv4 address a.b.c.d in network byte order (this CPU is little-endian).
#define IPV4_ADDR(a, b, c, d) \
  ((uint32)(a) | (uint32)(b) << 8 | (uint32)(c) << 16 | (uint32)(d) << 24)

struct netconfig {
  uint32 addr, netmask, gateway, dns;  // network order
};
// Defaults for QEMU user networking: 10.0.2.15/24, gateway 10.0.2.2, DNS 10.0.2.3.
extern struct netconfig netcfg;
extern struct net_proto_stats netstats;
// Count one event in netstats (atomic: senders on several harts update it at once).
#define NETSTAT_INC(field) __atomic_fetch_add(&netstats.field, 1, __ATOMIC_RELAXED)

void net_init(void);   // called once from main(): pool, protocols, device probe
void net_timer(void);  // called every 100 ms by the network thread (ARP ageing, retries)
// Change the configuration (ifconfig; a second guest on one wire needs its own address).
// Checks it (a contiguous netmask, an address that is one host of its subnet, a gateway
// on the link or 0) and forgets the ARP cache. 0 or -EINVAL.
int net_set_config(const struct netconfig *c);
// The end of a received packet's path: print its trace ("rx a > b > c note") and free it.
void net_rx_done(struct sk_buff *skb, const char *note);
int arp_dump(struct netctl_arp *out, int max);
void arp_flush(void);
uint64 arp_set_timeout(uint64 ticks);
int socket_dump(struct netctl_sock *out, int max);
void socket_init(void);
