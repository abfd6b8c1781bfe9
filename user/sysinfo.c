// sysinfo: print the kernel's resource counters, one `name value` pair a line, so that
// tests can prove nothing leaked (free pages and packet buffers back where they were).
//
//   sysinfo      free pages, processes, packet buffers, uptime (sysinfo(2))
//   sysinfo -n   every interface, protocol and pool counter (netctl NETCTL_IFINFO)
//   sysinfo -s   the socket table (netctl NETCTL_SOCKS), one socket a line
#include "user/user.h"
#include "kernel/net/netctl.h"

// Print the sysinfo(2) counters.
static int
show_sysinfo(void)
{
  struct sysinfo si;

  if (sysinfo(&si) < 0) {
    perror("sysinfo");
    return 1;
  }
  printf("freepages %lu\nnproc %lu\nskb_inuse %lu\nskb_free %lu\nuptime_us %lu\n", si.freepages,
         si.nproc, si.skb_inuse, si.skb_free, si.uptime_us);
  return 0;
}

// Names of struct netctl_ifinfo's uint64 counters, in their order from rx_packets on.
static const char *ifnames[] = {
  "rx_packets",
  "rx_bytes",
  "rx_dropped",
  "rx_errors",
  "tx_packets",
  "tx_bytes",
  "tx_dropped",
  "tx_errors",
  "tx_queued",
  "tx_queue_full",
  "rx_budget_exhausted",
  "rx_irqs",
  "tx_irqs",
  "tx_batched",
  "tx_doorbells",
  "eth_rx",
  "eth_rx_runt",
  "eth_rx_oversize",
  "eth_rx_not_for_us",
  "eth_rx_unknown_type",
  "arp_rx",
  "arp_rx_bad",
  "arp_requests_in",
  "arp_replies_out",
  "arp_requests_out",
  "arp_resolve_fail",
  "arp_queue_full",
  "ip_rx",
  "ip_rx_bad_version",
  "ip_rx_bad_hlen",
  "ip_rx_bad_len",
  "ip_rx_bad_csum",
  "ip_rx_ttl0",
  "ip_rx_frag_dropped",
  "ip_rx_not_for_us",
  "ip_rx_unknown_proto",
  "ip_tx",
  "ip_tx_no_route",
  "icmp_rx",
  "icmp_rx_bad",
  "icmp_echo_in",
  "icmp_echo_out",
  "icmp_unreach_in",
  "icmp_unreach_out",
  "udp_rx",
  "udp_rx_bad_len",
  "udp_rx_bad_csum",
  "udp_rx_no_port",
  "udp_rx_queue_full",
  "udp_tx",
  "skb_inuse",
  "skb_free",
  "skb_alloc_fail",
};

// Print every counter of the interface, the protocols and the packet pool.
static int
show_net(void)
{
  static struct netctl_ifinfo in;
  uint64 *v = &in.rx_packets;
  int i, n = sizeof(ifnames) / sizeof(ifnames[0]);

  if (netctl(NETCTL_IFINFO, &in, sizeof(in)) < 0) {
    perror("netctl");
    return 1;
  }
  // The counters are consecutive uint64s from rx_packets to skb_alloc_fail.
  if ((uint64 *)(&in.skb_alloc_fail + 1) - v != n) {
    fprintf(2, "sysinfo: struct netctl_ifinfo changed; update ifnames\n");
    return 1;
  }
  printf("name %s\nlink_up %d\nmtu %d\n", in.name, in.link_up, in.mtu);
  for (i = 0; i < n; i++)
    printf("%s %lu\n", ifnames[i], v[i]);
  return 0;
}

// Print the socket table.
static int
show_socks(void)
{
  static struct netctl_sock s[64];
  struct in_addr a;
  int i, n;

  if ((n = netctl(NETCTL_SOCKS, s, sizeof(s))) < 0) {
    perror("netctl");
    return 1;
  }
  for (i = 0; i < n; i++) {
    a.s_addr = s[i].laddr;
    printf("sock type %d proto %d local %s:%d", s[i].type, s[i].protocol, inet_ntoa(a),
           ntohs(s[i].lport));
    a.s_addr = s[i].faddr;
    printf(" foreign %s:%d rcvq %d/%d queued %lu dropped %lu sent %lu pid %d\n", inet_ntoa(a),
           ntohs(s[i].fport), s[i].rcvq_len, s[i].rcvq_max, s[i].rx_queued, s[i].rx_dropped,
           s[i].tx_packets, s[i].pid);
  }
  printf("sockets %d\n", n);
  return 0;
}

int
main(int argc, char *argv[])
{
  if (argc == 1)
    exit(show_sysinfo());
  if (argc == 2 && strcmp(argv[1], "-n") == 0)
    exit(show_net());
  if (argc == 2 && strcmp(argv[1], "-s") == 0)
    exit(show_socks());
  fprintf(2, "usage: sysinfo [-n | -s]\n");
  exit(2);
}
