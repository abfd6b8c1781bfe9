// The round-trip floor (netctl NETCTL_BENCH_ECHO, `netbench echo`): UDP datagrams to one
// port are sent straight back from the device layer, with nothing of the stack above it.
// netif_receive_skb offers every received frame to dev->rx_tap first; while an echo is
// armed that is devecho_tap, which swaps the Ethernet addresses, the IPv4 addresses and
// the UDP ports of a datagram for the armed port and hands the same skb to
// dev_queue_xmit. A swap leaves both checksums valid (a ones' complement sum does not
// depend on the order of its words; RFC 1071 2(A)), so nothing is recomputed.
//
// What a round trip through the floor costs is what the device, QEMU's back end, the
// host and the receive interrupt and netd cost; what `udpsink -e` costs beyond that is
// the stack, the socket and the process: make bench prints both (test/bench.py).
#include "../types.h"
#include "../param.h"
#include "../spinlock.h"
#include "../defs.h"
#include "../errno.h"
#include "skbuff.h"
#include "netdevice.h"
#include "net.h"
#include "in.h"
#include "wire.h"

#define ECHO_IDLE_TICKS 1000  // 10 s with no datagram ends an echo

static struct {
  struct spinlock lock;  // guards busy, and left against the waiter's sleep
  int busy;              // a process is in devecho_run
  uint16 port;           // network order; read by the tap without the lock
  int left;              // datagrams still to echo
  int echoed;
} echo = { { 0, "devecho", 0 }, 0, 0, 0, 0 };

// The IPv4/UDP header of a datagram to the armed port in an Ethernet frame for us, or 0.
// The checks are the few that make the swap safe, not the stack's full validation.
static struct udphdr *
echo_match(struct net_device *dev, struct sk_buff *skb, struct iphdr **iph)
{
  struct ethhdr *eth = (struct ethhdr *)skb->data;
  struct iphdr *ip = (struct iphdr *)(skb->data + ETH_HLEN);
  struct udphdr *uh;
  uint hlen;

  if (skb->len < ETH_HLEN + IP_HLEN + UDP_HLEN || eth->h_proto != htons(ETH_P_IP) ||
      memcmp(eth->h_dest, dev->dev_addr, ETH_ALEN) != 0)
    return 0;
  hlen = IP_HL(ip);
  if (IP_VER(ip) != 4 || hlen < IP_HLEN || ip->protocol != IPPROTO_UDP ||
      (ntohs(ip->frag_off) & (IP_MF | IP_OFFMASK)) != 0 || skb->len < ETH_HLEN + hlen + UDP_HLEN)
    return 0;
  uh = (struct udphdr *)(skb->data + ETH_HLEN + hlen);
  if (uh->dest != __atomic_load_n(&echo.port, __ATOMIC_RELAXED))
    return 0;
  *iph = ip;
  return uh;
}

// dev->rx_tap while an echo is armed (netd, from netif_receive_skb): 1 if it took skb.
static int
devecho_tap(struct net_device *dev, struct sk_buff *skb)
{
  struct ethhdr *eth = (struct ethhdr *)skb->data;
  struct iphdr *ip;
  struct udphdr *uh = echo_match(dev, skb, &ip);
  uint32 addr;
  uint16 port;
  int last;

  if (uh == 0)
    return 0;
  spin_lock(&echo.lock);
  if (echo.left <= 0) {  // the count is done: the stack has it (port unreachable)
    spin_unlock(&echo.lock);
    return 0;
  }
  last = --echo.left == 0;
  echo.echoed++;
  spin_unlock(&echo.lock);
  memmove(eth->h_dest, eth->h_source, ETH_ALEN);
  memmove(eth->h_source, dev->dev_addr, ETH_ALEN);
  addr = ip->saddr;
  ip->saddr = ip->daddr;
  ip->daddr = addr;
  port = uh->source;
  uh->source = uh->dest;
  uh->dest = port;
  net_trace(skb, "devecho_tap");
  dev_queue_xmit(skb);  // consumes it; a full queue counts the drop
  if (last)
    wakeup(&echo);
  return 1;
}

// Echo up to count datagrams to UDP port `port` (host order) from the device layer;
// return how many were echoed when count are done, or after ECHO_IDLE_TICKS without one,
// or -EINTR when the caller is killed. -EBUSY while another echo runs.
int64
devecho_run(uint64 port, int count)
{
  struct net_device *dev = netdev_get();
  int seen = 0, r;
  uint64 deadline;

  if (port == 0 || port > 0xffff || count <= 0)
    return -EINVAL;
  if (dev == 0)
    return -ENODEV;
  spin_lock(&echo.lock);
  if (echo.busy) {
    spin_unlock(&echo.lock);
    return -EBUSY;
  }
  echo.busy = 1;
  echo.port = htons(port);
  echo.left = count;
  echo.echoed = 0;
  __atomic_store_n(&dev->rx_tap, devecho_tap, __ATOMIC_RELEASE);
  deadline = ticks + ECHO_IDLE_TICKS;
  while (echo.left > 0 && !current_killed()) {
    if (ticks >= deadline) {
      if (echo.echoed == seen)
        break;  // idle for ECHO_IDLE_TICKS
      seen = echo.echoed;
      deadline = ticks + ECHO_IDLE_TICKS;
    }
    sleep_deadline(&echo, &echo.lock, deadline);
  }
  __atomic_store_n(&dev->rx_tap, 0, __ATOMIC_RELEASE);
  echo.left = 0;  // a tap still running on netd sees the count done
  r = current_killed() ? -EINTR : echo.echoed;
  echo.busy = 0;
  spin_unlock(&echo.lock);
  return r;
}
