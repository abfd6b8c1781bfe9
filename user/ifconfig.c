// ifconfig: show the network interface: addresses, MAC, MTU, link, the device's
// counters, the software TX queue, the packet-buffer pool and every protocol counter
// that is not zero (drops marked). Read with netctl(NETCTL_IFINFO).
//   ifconfig                                   show eth0
//   ifconfig eth0 ADDR [netmask M] [gateway G] [dns D]
//                                              set the address (and the others; a gateway
//                                              of 0.0.0.0 means none), e.g. the second
//                                              guest of two on one link (docs/lab-net.md)
#include "user/user.h"
#include "kernel/net/netctl.h"

// The names of struct net_proto_stats's fields, in order; a '!' marks a drop counter.
static const char *const proto_names[] = {
  "eth_rx",
  "!eth_rx_runt",
  "!eth_rx_oversize",
  "!eth_rx_not_for_us",
  "!eth_rx_unknown_type",
  "arp_rx",
  "!arp_rx_bad",
  "arp_requests_in",
  "arp_replies_out",
  "arp_requests_out",
  "!arp_resolve_fail",
  "!arp_queue_full",
  "ip_rx",
  "!ip_rx_bad_version",
  "!ip_rx_bad_hlen",
  "!ip_rx_bad_len",
  "!ip_rx_bad_csum",
  "!ip_rx_ttl0",
  "!ip_rx_frag_dropped",
  "!ip_rx_not_for_us",
  "!ip_rx_unknown_proto",
  "ip_tx",
  "!ip_tx_no_route",
  "icmp_rx",
  "!icmp_rx_bad",
  "icmp_echo_in",
  "icmp_echo_out",
  "icmp_unreach_in",
  "icmp_unreach_out",
  "udp_rx",
  "!udp_rx_bad_len",
  "!udp_rx_bad_csum",
  "!udp_rx_no_port",
  "!udp_rx_queue_full",
  "udp_tx",
};

// The build fails here if netctl.h gains a counter this table does not name.
typedef char proto_names_match[sizeof(struct net_proto_stats) / sizeof(uint64) ==
                                       sizeof(proto_names) / sizeof(proto_names[0])
                                   ? 1
                                   : -1];

// Print the non-zero protocol counters: traffic (drops == 0) or drops (drops == 1).
static void
print_proto(struct net_proto_stats *ps, int drops)
{
  uint64 *v = (uint64 *)ps;
  int n = 0;

  for (int i = 0; i < sizeof(proto_names) / sizeof(proto_names[0]); i++) {
    if (v[i] == 0 || (proto_names[i][0] == '!') != drops)
      continue;
    if (n % 4 == 0)
      printf(n == 0 ? (drops ? "        drops:" : "        proto:") : "\n              ");
    printf(" %s %lu", proto_names[i] + drops, v[i]);
    n++;
  }
  if (n > 0)
    printf("\n");
}

// Print addr as a dotted quad (network order in).
static char *
ip(uint32 addr)
{
  struct in_addr a;

  a.s_addr = addr;
  return inet_ntoa(a);
}

// Print usage and exit.
static void
usage(void)
{
  fprintf(2, "usage: ifconfig [eth0 ADDR [netmask M] [gateway G] [dns D]]\n");
  exit(2);
}

// ifconfig eth0 ADDR ...: start from the current configuration, change what is given.
static void
configure(int argc, char **argv, struct netctl_ifinfo *in)
{
  struct netctl_conf c = { in->addr, in->netmask, in->gateway, in->dns };
  struct in_addr a;
  uint32 *field;

  if (strcmp(argv[1], in->name) != 0) {
    fprintf(2, "ifconfig: no interface %s (there is %s)\n", argv[1], in->name);
    exit(1);
  }
  if (inet_aton(argv[2], &a) == 0)
    usage();
  c.addr = a.s_addr;
  for (int i = 3; i < argc; i += 2) {
    if (strcmp(argv[i], "netmask") == 0)
      field = &c.netmask;
    else if (strcmp(argv[i], "gateway") == 0)
      field = &c.gateway;
    else if (strcmp(argv[i], "dns") == 0)
      field = &c.dns;
    else
      usage();
    if (i + 1 >= argc || inet_aton(argv[i + 1], &a) == 0)
      usage();
    *field = a.s_addr;
  }
  if (netctl(NETCTL_SETCONF, &c, sizeof(c)) < 0) {
    fprintf(2, "ifconfig: %s: %s\n", argv[2], strerror(errno));
    exit(1);
  }
}

int
main(int argc, char **argv)
{
  struct netctl_ifinfo in;

  if (argc != 1 && (argc < 3 || argc % 2 == 0))
    usage();
  if (netctl(NETCTL_IFINFO, &in, sizeof(in)) < 0) {
    fprintf(2, "ifconfig: netctl: %s\n", strerror(errno));
    exit(1);
  }
  if (argc > 1) {
    configure(argc, argv, &in);
    exit(0);
  }
  printf("%s: link %s  mtu %d\n", in.name, in.link_up ? "up" : "down", in.mtu);
  printf("        inet %s", ip(in.addr));
  printf("  netmask %s", ip(in.netmask));
  printf("  gateway %s", ip(in.gateway));
  printf("  dns %s\n", ip(in.dns));
  printf("        ether %s\n", mac_ntoa(in.mac));
  printf("        RX packets %lu  bytes %lu  dropped %lu  errors %lu\n", in.rx_packets, in.rx_bytes,
         in.rx_dropped, in.rx_errors);
  printf("        TX packets %lu  bytes %lu  dropped %lu  errors %lu\n", in.tx_packets, in.tx_bytes,
         in.tx_dropped, in.tx_errors);
  printf("        TX queue: waited %lu  full %lu   irqs: rx %lu  tx %lu   rx budget used up %lu\n",
         in.tx_queued, in.tx_queue_full, in.rx_irqs, in.tx_irqs, in.rx_budget_exhausted);
  printf("        TX doorbells %lu  packets batched %lu\n", in.tx_doorbells, in.tx_batched);
  printf("        skb pool: %lu in use  %lu free  %lu allocation failures\n", in.skb_inuse,
         in.skb_free, in.skb_alloc_fail);
  print_proto(&in.proto, 0);
  print_proto(&in.proto, 1);
  exit(0);
}
