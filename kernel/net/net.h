// The network stack's entry points for the rest of the kernel, and its one
// configuration place (address, netmask, gateway, DNS server).
#pragma once
#include "../types.h"
#include "netctl.h"

struct netconfig {
  uint32 addr, netmask, gateway, dns;   // network order
};
// Defaults for QEMU user networking: 10.0.2.15/24, gateway 10.0.2.2, DNS 10.0.2.3.
extern struct netconfig netcfg;
extern struct net_proto_stats netstats;

void net_init(void);      // called once from main(): pool, protocols, device probe
void net_timer(void);     // called every 100 ms by the network thread (ARP ageing, retries)
int arp_dump(struct netctl_arp *out, int max);
void arp_flush(void);
uint64 arp_set_timeout(uint64 ticks);
int socket_dump(struct netctl_sock *out, int max);
void socket_init(void);
