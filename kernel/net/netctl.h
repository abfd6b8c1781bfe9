// netctl(2): the one system call behind ifconfig, arp, netstat, the packet-path trace
// switch and the benchmarks (TX ring, echo floor). Shared by the kernel and user programs.
#pragma once
#include "../types.h"

enum {
  NETCTL_TRACE = 1,    // len = 0 off, 1 on; returns the previous setting
  NETCTL_IFINFO,       // buf = struct netctl_ifinfo
  NETCTL_ARP,          // buf = struct netctl_arp[len / sizeof]; returns the count
  NETCTL_SOCKS,        // buf = struct netctl_sock[len / sizeof]; returns the count
  NETCTL_ARP_FLUSH,    // forget every cache entry
  NETCTL_ARP_TIMEOUT,  // len = new entry lifetime in ticks (0 = default); returns the old one
  NETCTL_BENCH_TX,     // len = frames; push one prebuilt frame through the TX ring with no
                       // stack above the driver; buf = struct netctl_bench
  NETCTL_SETCONF,      // buf = struct netctl_conf: set address, netmask, gateway, DNS
  NETCTL_BENCH_ECHO,   // buf = UDP port, len = count: send datagrams to that port back
                       // from the device layer, no stack above it; returns how many
                       // after count, or 10 s without one (net/devecho.c)
};

// Protocol counters: every bad or unwanted frame is dropped and counted in one of these.
struct net_proto_stats {
  uint64 eth_rx, eth_rx_runt, eth_rx_oversize, eth_rx_not_for_us, eth_rx_unknown_type;
  uint64 arp_rx, arp_rx_bad, arp_requests_in, arp_replies_out, arp_requests_out;
  uint64 arp_resolve_fail, arp_queue_full;
  uint64 ip_rx, ip_rx_bad_version, ip_rx_bad_hlen, ip_rx_bad_len, ip_rx_bad_csum;
  uint64 ip_rx_ttl0, ip_rx_frag_dropped, ip_rx_not_for_us, ip_rx_unknown_proto;
  uint64 ip_tx, ip_tx_no_route;
  uint64 icmp_rx, icmp_rx_bad, icmp_echo_in, icmp_echo_out, icmp_unreach_in, icmp_unreach_out;
  uint64 udp_rx, udp_rx_bad_len, udp_rx_bad_csum, udp_rx_no_port, udp_rx_queue_full, udp_tx;
};

struct netctl_ifinfo {
  char name[8];
  uchar mac[6];
  int link_up;
  uint mtu;
  uint32 addr, netmask, gateway, dns;  // network order
  // struct net_device_stats, copied field by field
  uint64 rx_packets, rx_bytes, rx_dropped, rx_errors;
  uint64 tx_packets, tx_bytes, tx_dropped, tx_errors;
  uint64 tx_queued, tx_queue_full, rx_budget_exhausted, rx_irqs, tx_irqs;
  uint64 tx_batched, tx_doorbells;
  struct net_proto_stats proto;
  uint64 skb_inuse, skb_free, skb_alloc_fail;
};

// NETCTL_SETCONF: the interface configuration (network order). The address must be one
// host of its subnet and the gateway (0 = none) another host on the link; -EINVAL if not.
struct netctl_conf {
  uint32 addr, netmask, gateway, dns;
};

#define ARP_STATE_FREE      0
#define ARP_STATE_RESOLVING 1
#define ARP_STATE_VALID     2
#define ARP_STATE_EXPIRED   3

// NETCTL_BENCH_TX: the frame to push (Ethernet header on, no FCS; framelen 0 = the
// kernel's own 60-byte broadcast frame) and, back, the microseconds the ring took.
#define NETCTL_BENCH_FRAME_MAX 1514  // ETH_FRAME_LEN (net/wire.h)
struct netctl_bench {
  uint64 us;      // out
  uint framelen;  // in: 0, or 14..NETCTL_BENCH_FRAME_MAX
  uchar frame[NETCTL_BENCH_FRAME_MAX];
};

struct netctl_arp {
  uint32 ip;  // network order
  uchar mac[6];
  int state;
  uint64 age_ticks;  // since it was last confirmed
  int queued;        // packets waiting for resolution
  int retries;
};

struct netctl_sock {
  int type, protocol;
  uint32 laddr, faddr;  // network order
  uint16 lport, fport;  // network order
  int rcvq_len, rcvq_max;
  uint64 rx_queued, rx_dropped, tx_packets;
  int pid;  // a process holding it, when known (0 otherwise)
};
