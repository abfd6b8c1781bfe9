// The device layer: the line between the protocols and the driver (netdevice.h).
//
// Transmit: dev_queue_xmit hands a frame to the driver's ndo_start_xmit; while the ring is
// full the frame waits in dev->txq, which netif_wake_queue drains when the TX interrupt
// reports free descriptors. It never sleeps; dev_tx_wait_room is where a socket sleeps.
// Doorbell batching: the doorbell (the driver's TDT write) is the dearest part of a send
// under QEMU, which transmits inside that register write. A frame that comes hard on the
// heels of the one before (TX_STREAM_US) waits in txq for up to TX_BATCH - 1 followers or
// TX_DEFER_US (timer_alarm: the hart's next trap after that, or its timer if it idles),
// and then they all go to the driver together, each but the last marked xmit_more: one
// doorbell for the batch. A lone frame goes at once.
// Lock order: txq_lock, then the driver's TX lock.
//
// Receive: the driver's interrupt masks RX interrupts and calls napi_schedule; the network
// thread "netd" then runs ndo_poll(dev, NAPI_BUDGET) and passes each frame up through
// netif_receive_skb to eth_rcv. It also runs net_timer every 100 ms.
//
// Trace: with net_trace_on set, each station of a packet's path is recorded in skb->path
// (net_trace) and the last one prints the line (net_trace_print).
#include "../types.h"
#include "../param.h"
#include "../spinlock.h"
#include "../defs.h"
#include "../errno.h"
#include "skbuff.h"
#include "netdevice.h"
#include "net.h"
#include "ether.h"

#define NAPI_BUDGET     64   // frames per poll pass
#define TX_BATCH        16   // frames per doorbell at most when a sender streams
#define TX_STREAM_US    100  // a send this soon after the previous one is part of a stream
#define TX_DEFER_US     200  // the longest a frame waits for the rest of its batch
#define NET_TIMER_TICKS 10   // net_timer period: 100 ms at 100 Hz

struct net_device *the_netdev;  // the one interface; set once by register_netdev

// netd sleeps on &netd_lock; napi_schedule sets dev->rx_scheduled under it.
static struct spinlock netd_lock = { 0, "netd", 0 };

int net_trace_on;

// Make dev the interface and start it (ndo_open). 0 or -1.
int
register_netdev(struct net_device *dev)
{
  if (the_netdev != 0)
    return -1;
  spin_init(&dev->txq_lock, "txq");
  skb_queue_init(&dev->txq);
  dev->queue_stopped = 0;
  dev->rx_scheduled = 0;
  dev->rx_tap = 0;
  the_netdev = dev;
  if (dev->netdev_ops->ndo_open && dev->netdev_ops->ndo_open(dev) < 0)
    return -1;
  return 0;
}

// Hand the frames in txq to the driver in order, each but the last with xmit_more, so
// that it rings the doorbell once. At a full ring the rest stay queued and the queue is
// stopped until netif_wake_queue. txq_lock held.
static void
dev_tx_drain(struct net_device *dev)
{
  struct sk_buff *skb;

  while ((skb = skb_dequeue(&dev->txq)) != 0) {
    skb->xmit_more = dev->txq.qlen > 0;
    if (dev->netdev_ops->ndo_start_xmit(skb, dev) != NETDEV_TX_OK) {
      skb_queue_head(&dev->txq, skb);  // the driver rang for the ones before it
      break;
    }
  }
  dev->queue_stopped = dev->txq.qlen > 0;
}

// Timer alarm (interrupts off): a batch waited TX_DEFER_US; send it.
static void
dev_tx_alarm(void)
{
  struct net_device *dev = the_netdev;

  spin_lock(&dev->txq_lock);
  if (!dev->queue_stopped)
    dev_tx_drain(dev);
  spin_unlock(&dev->txq_lock);
}

// Send a frame now, or hold it for a batch, or queue it behind the ones already waiting
// for the ring.
int
dev_queue_xmit(struct sk_buff *skb)
{
  struct net_device *dev = skb->dev ? skb->dev : the_netdev;
  uint64 now = time_us();

  if (dev == 0) {
    kfree_skb(skb);
    return -ENODEV;
  }
  skb->dev = dev;
  net_trace(skb, "dev_queue_xmit");
  spin_lock(&dev->txq_lock);
  if (dev->txq.qlen >= TXQ_MAX) {
    dev->stats.tx_queue_full++;
    dev->stats.tx_dropped++;
    spin_unlock(&dev->txq_lock);
    kfree_skb(skb);
    return -ENOBUFS;
  }
  // Frames already waiting go first, so a new one may not overtake them.
  skb_queue_tail(&dev->txq, skb);
  if (!dev->queue_stopped && now - dev->tx_last_us < TX_STREAM_US && dev->txq.qlen < TX_BATCH) {
    if (dev->txq.qlen == 1)
      timer_alarm(TX_DEFER_US, dev_tx_alarm);
    dev->stats.tx_batched++;
  } else if (!dev->queue_stopped) {
    dev_tx_drain(dev);
    now = time_us();  // the doorbell took a while: the gap to the next send starts now
  }
  if (dev->txq.qlen > 0 && dev->queue_stopped)
    dev->stats.tx_queued++;  // skb is the last in txq: it waits for the ring
  dev->tx_last_us = now;
  spin_unlock(&dev->txq_lock);
  return 0;
}

// Sleep until the software queue has room (process context). 0, -EAGAIN or -EINTR.
int
dev_tx_wait_room(struct net_device *dev, int nonblock)
{
  int r = 0;

  // Nearly always there is room: look without the lock first. (A sender that finds
  // room here may still find the queue full when it sends, as it could after taking
  // the lock: dev_queue_xmit then returns -ENOBUFS and counts it.)
  if (__atomic_load_n(&dev->txq.qlen, __ATOMIC_RELAXED) < TXQ_MAX)
    return 0;
  spin_lock(&dev->txq_lock);
  if (dev->txq.qlen >= TXQ_MAX)
    dev->stats.tx_queue_full++;
  while (dev->txq.qlen >= TXQ_MAX) {
    if (nonblock) {
      r = -EAGAIN;
      break;
    }
    if (current_killed()) {
      r = -EINTR;
      break;
    }
    sleep(&dev->txq, &dev->txq_lock);
  }
  spin_unlock(&dev->txq_lock);
  return r;
}

// The ring has room again: move waiting frames into it, wake senders waiting for room.
void
netif_wake_queue(struct net_device *dev)
{
  int was_full;

  spin_lock(&dev->txq_lock);
  was_full = dev->txq.qlen >= TXQ_MAX;
  dev_tx_drain(dev);
  // Senders sleep only while the queue is full (dev_tx_wait_room): no one to wake
  // otherwise, so skip the wakeup and its sleep-queue lock.
  was_full = was_full && dev->txq.qlen < TXQ_MAX;
  if (was_full)
    wakeup(&dev->txq);
  spin_unlock(&dev->txq_lock);
  if (was_full)
    poll_wakeup();
}

// A received frame (skb->data is the Ethernet header) goes up to the Ethernet layer.
void
netif_receive_skb(struct sk_buff *skb)
{
  struct net_device *dev = skb->dev;

  if (dev) {
    dev->stats.rx_packets++;
    dev->stats.rx_bytes += skb->len;
  }
  net_trace(skb, "netif_receive_skb");
  int (*tap)(struct net_device *, struct sk_buff *) =
      dev ? __atomic_load_n(&dev->rx_tap, __ATOMIC_ACQUIRE) : 0;
  if (tap != 0 && tap(dev, skb))
    return;  // a benchmark took it (net/devecho.c)
  eth_rcv(skb);
}

// Called by the driver's interrupt handler: run the receive poll in netd soon.
void
napi_schedule(struct net_device *dev)
{
  spin_lock(&netd_lock);
  dev->rx_scheduled = 1;
  wakeup(&netd_lock);
  spin_unlock(&netd_lock);
}

// One receive pass of at most NAPI_BUDGET frames. Returns 1 if more work is waiting.
static int
netd_poll(struct net_device *dev)
{
  int n;

  n = dev->netdev_ops->ndo_poll(dev, NAPI_BUDGET);
  if (n < NAPI_BUDGET) {
    dev->netdev_ops->ndo_irq_enable(dev);
    return 0;
  }
  dev->stats.rx_budget_exhausted++;
  return 1;
}

// The network thread: receive work when scheduled, net_timer every 100 ms.
static void
netd(void *arg)
{
  struct net_device *dev;
  uint64 next_timer = ticks + NET_TIMER_TICKS;
  int work;

  for (;;) {
    spin_lock(&netd_lock);
    dev = the_netdev;
    while ((dev == 0 || !dev->rx_scheduled) && ticks < next_timer) {
      sleep_deadline(&netd_lock, &netd_lock, next_timer);
      dev = the_netdev;
    }
    work = dev && dev->rx_scheduled;
    if (work)
      dev->rx_scheduled = 0;
    spin_unlock(&netd_lock);

    if (work && netd_poll(dev)) {
      spin_lock(&netd_lock);  // budget used up: go again, after others had a turn
      dev->rx_scheduled = 1;
      spin_unlock(&netd_lock);
      yield();
    }
    if (ticks >= next_timer) {
      net_timer();
      next_timer = ticks + NET_TIMER_TICKS;
    }
  }
}

// Start the network thread.
void
net_dev_init(void)
{
  if (kthread_create("netd", netd, 0) < 0)
    panic("net_dev_init: kthread_create");
}

// Record station as the next stop on skb's path ("a > b > c"); net_trace (skbuff.h)
// calls it while the trace is on.
void
net_trace_record(struct sk_buff *skb, const char *station)
{
  int n = strlen(skb->path);

  if (n > 0 && n + 3 < sizeof(skb->path)) {
    safestrcpy(skb->path + n, " > ", sizeof(skb->path) - n);
    n += 3;
  }
  if (n + 1 < sizeof(skb->path))
    safestrcpy(skb->path + n, station, sizeof(skb->path) - n);
}

// Print the recorded path on one line: "tx a > b > c [suffix]".
void
net_trace_print(struct sk_buff *skb, const char *dir, const char *suffix)
{
  if (!net_trace_on || skb == 0)
    return;
  if (suffix && suffix[0])
    printf("%s %s %s\n", dir, skb->path, suffix);
  else
    printf("%s %s\n", dir, skb->path);
}
