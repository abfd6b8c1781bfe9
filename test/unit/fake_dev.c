// Host-side fake of the device layer (kernel/net/dev.c): one interface whose transmit
// queue is a list the tests read (fake_tx), and the packet-path trace as no-ops.
#include "kernel/types.h"
#include "kernel/net/skbuff.h"
#include "kernel/net/netdevice.h"
#include "fake.h"

struct net_device fake_dev = {
  .name = "fake0",
  .dev_addr = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 },
  .mtu = 1500,
  .link_up = 1,
};
struct net_device *the_netdev = &fake_dev;  // 0: netdev_get() finds no interface
int fake_tx_full;                           // 1: dev_tx_wait_room says there is no room
struct sk_buff_head fake_tx;                // frames "sent", oldest first
int net_trace_on;

int
dev_queue_xmit(struct sk_buff *skb)
{
  skb_queue_tail(&fake_tx, skb);
  fake_dev.stats.tx_packets++;
  return 0;
}

int
dev_tx_wait_room(struct net_device *dev, int nonblock)
{
  return fake_tx_full ? -11 : 0;  // EAGAIN
}

void
net_dev_init(void)
{
  skb_queue_init(&fake_tx);
}

void
net_trace_record(struct sk_buff *skb, const char *station)
{
}

void
net_trace_print(struct sk_buff *skb, const char *dir, const char *suffix)
{
}

// Free every captured frame; returns how many there were.
int
fake_tx_clear(void)
{
  struct sk_buff *skb;
  int n = 0;

  while ((skb = skb_dequeue(&fake_tx)) != 0) {
    kfree_skb(skb);
    n++;
  }
  return n;
}
