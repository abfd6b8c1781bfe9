// The network stack's top: its configuration, its counters, start-up and the timer.
//
// net_init starts every layer bottom-up (buffers, sockets, ARP, IP, ICMP, UDP), then the
// network thread and the device probe. net_timer runs every 100 ms in that thread.
#include "../types.h"
#include "../defs.h"
#include "../errno.h"
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

// Is m (network order) a netmask: ones, then zeros?
static int
netmask_ok(uint32 m)
{
  uint32 h = ntohl(m);

  return h != 0 && (~h & (~h + 1)) == 0;
}

// Change the address, netmask, gateway and DNS server. 0 or -EINVAL.
int
net_set_config(const struct netconfig *c)
{
  uint32 host = c->addr & ~c->netmask;

  if (!netmask_ok(c->netmask) || c->netmask == INADDR_BROADCAST)
    return -EINVAL;
  if (host == 0 || host == ~c->netmask || ((uchar *)&c->addr)[0] >= 224 ||
      ((uchar *)&c->addr)[0] == 127 || ((uchar *)&c->addr)[0] == 0)
    return -EINVAL;  // not one host: the subnet's own or broadcast address, class D/E
  if (c->gateway != 0 &&
      ((c->gateway & c->netmask) != (c->addr & c->netmask) || c->gateway == c->addr))
    return -EINVAL;  // the gateway must be another host on the link
  netcfg = *c;
  arp_flush();
  return 0;
}

// Periodic protocol work, every 100 ms in the network thread.
void
net_timer(void)
{
  arp_timer();
}
