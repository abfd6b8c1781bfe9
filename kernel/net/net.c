// The network stack's top: its configuration, its counters, start-up and the timer.
//
// net_init starts every layer bottom-up (buffers, sockets, ARP, IP, ICMP, UDP), then the
// network thread and the device probe. net_timer runs every 100 ms in that thread.
#include "../types.h"
#include "../defs.h"
#include "skbuff.h"
#include "netdevice.h"
#include "in.h"
#include "net.h"
#include "arp.h"
#include "ip.h"
#include "udp.h"

// QEMU user networking (slirp): guest 10.0.2.15/24, gateway 10.0.2.2, DNS 10.0.2.3.
struct netconfig netcfg = {
    .addr = IPV4_ADDR(10, 0, 2, 15),
    .netmask = IPV4_ADDR(255, 255, 255, 0),
    .gateway = IPV4_ADDR(10, 0, 2, 2),
    .dns = IPV4_ADDR(10, 0, 2, 3),
};

// Every drop and every protocol event, counted (netctl NETCTL_IFINFO reads it).
struct net_proto_stats netstats;

// Start the network stack. Called once from main().
void
net_init(void)
{
  skb_init();
  socket_init();
  arp_init();
  ip_init();
  icmp_init();
  udp_init();
  net_dev_init();
  pci_init();
}

// A received packet ends here (consumed by its protocol, or dropped): print its trace
// when tracing is on, then free it.
void
net_rx_done(struct sk_buff *skb, const char *note)
{
  net_trace_print(skb, "rx", note);
  kfree_skb(skb);
}

// Periodic protocol work, every 100 ms in the network thread.
void
net_timer(void)
{
  arp_timer();
}
