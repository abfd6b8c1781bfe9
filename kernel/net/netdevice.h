// struct net_device: what the stack knows of a network interface, and the only thing a
// driver knows of the stack. The driver fills in dev_addr and netdev_ops and calls
// register_netdev; the stack calls the ops; the driver calls netif_receive_skb,
// netif_wake_queue and napi_schedule. Nothing else crosses the line.
#pragma once
#include "../types.h"
#include "../spinlock.h"
#include "skbuff.h"

struct net_device;

#define NETDEV_TX_OK   0  // the driver took the skb (it now owns it)
#define NETDEV_TX_BUSY 1  // ring full: the skb was NOT taken; the caller still owns it

struct net_device_ops {
  int (*ndo_open)(struct net_device *dev);
  int (*ndo_start_xmit)(struct sk_buff *skb, struct net_device *dev);
  // Receive work: handle up to budget frames, return how many were handled.
  int (*ndo_poll)(struct net_device *dev, int budget);
  // Re-enable receive interrupts after ndo_poll found less than its budget.
  void (*ndo_irq_enable)(struct net_device *dev);
  // netctl(NETCTL_BENCH_TX): put the frame in skb through the TX ring `frames` times,
  // with no stack and no software queue, and wait for the last completion. Consumes skb.
  // Returns the elapsed microseconds, or -E... . May be 0 (sysnet.c: -EOPNOTSUPP).
  int64 (*ndo_bench_xmit)(struct net_device *dev, struct sk_buff *skb, int frames);
};

struct net_device_stats {
  uint64 rx_packets, rx_bytes, rx_dropped, rx_errors;
  uint64 tx_packets, tx_bytes, tx_dropped, tx_errors;
  uint64 tx_queued;            // packets that waited in the software queue (ring was full)
  uint64 tx_queue_full;        // times the software queue was full too (sender waited / EAGAIN)
  uint64 tx_batched;           // packets held back to share a doorbell with the next ones
  uint64 tx_doorbells;         // TDT writes (the driver counts them)
  uint64 rx_budget_exhausted;  // poll passes that used the whole budget
  uint64 rx_irqs, tx_irqs;
};

#define TXQ_MAX 256  // software queue in front of the TX ring

struct net_device {
  char name[8];
  uchar dev_addr[6];
  uint mtu;
  int link_up;
  const struct net_device_ops *netdev_ops;
  struct net_device_stats stats;
  void *priv;  // the driver's state

  struct spinlock txq_lock;  // guards txq and queue_stopped
  struct sk_buff_head txq;   // packets waiting for room in the ring, or for a batch
  int queue_stopped;         // the driver said the ring is full
  uint64 tx_last_us;         // when dev_queue_xmit last returned (time_us)
  int rx_scheduled;          // napi_schedule was called and the poll has not finished
  // A benchmark's receive tap (net/devecho.c) or 0: netif_receive_skb offers it every
  // frame before the protocols; it returns 1 if it took (consumed) the frame.
  int (*rx_tap)(struct net_device *dev, struct sk_buff *skb);
};

int register_netdev(struct net_device *dev);
// The (single) interface, or 0 before register_netdev. Inline: two calls per send.
extern struct net_device *the_netdev;
static inline struct net_device *
netdev_get(void)
{
  return the_netdev;
}
// Send a frame (skb->data is the Ethernet header). Consumes the skb. Never sleeps.
// Returns 0, or -ENOBUFS when the ring and the software queue are both full (counted).
int dev_queue_xmit(struct sk_buff *skb);
// Sleep until the software queue has room (process context only). 0 or -EAGAIN if nonblock.
int dev_tx_wait_room(struct net_device *dev, int nonblock);
void netif_receive_skb(struct sk_buff *skb);    // consumes the skb
void netif_wake_queue(struct net_device *dev);  // driver: ring has room again, drain txq
void napi_schedule(struct net_device *dev);     // driver (interrupt): run ndo_poll soon
void net_dev_init(void);                        // start the network kernel thread
// netctl(NETCTL_BENCH_ECHO): echo datagrams to a UDP port from the device layer.
int64 devecho_run(uint64 port, int count);
