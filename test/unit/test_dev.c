// Host-side unit tests of the device layer (kernel/net/dev.c) and the skb pool
// (kernel/net/skbuff.c), against a fake driver whose ring can be made full on demand.
// Built and run by test/test_driver.py:
//   gcc ... kernel/net/dev.c kernel/net/skbuff.c test/unit/fake_kernel.c test/unit/test_dev.c
//   ./unit_dev GROUP        GROUP: pool, xmit, batch, rx, trace; prints "ok GROUP" on success
//
// No kernel/defs.h here (its printf-family prototypes differ from libc's); the few core
// services dev.c needs beyond fake_kernel.c are faked below with defs.h's signatures.
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include "kernel/types.h"
#include "kernel/errno.h"
#include "kernel/spinlock.h"
#include "kernel/net/skbuff.h"
#include "kernel/net/netdevice.h"

extern int fake_lock_depth;
// From <unistd.h>, which cannot be included: its sleep() is not the kernel's.
int fork(void);
void _exit(int status);

static int failures;
#define CHECK(cond, ...)                          \
  do {                                            \
    if (!(cond)) {                                \
      printf("FAIL %s:%d: ", __FILE__, __LINE__); \
      printf(__VA_ARGS__);                        \
      printf("\n");                               \
      failures++;                                 \
    }                                             \
  } while (0)

// ---- fakes of the core services dev.c uses (defs.h signatures)

struct proc;
static int wakeups, poll_wakeups;

void
sleep(void *chan, struct spinlock *lk)
{
  fprintf(stderr, "sleep called: a test would block\n");
  abort();
}

void
sleep_deadline(void *chan, struct spinlock *lk, uint64 deadline)
{
  sleep(chan, lk);
}

void
wakeup(void *chan)
{
  wakeups++;
}

void
poll_wakeup(void)
{
  poll_wakeups++;
}

int
current_killed(void)
{
  return 0;
}

void
yield(void)
{
}

int
kthread_create(const char *name, void (*fn)(void *), void *arg)
{
  return 1;
}

char *
safestrcpy(char *dst, const char *src, int n)
{
  if (n <= 0)
    return dst;
  strncpy(dst, src, n - 1);
  dst[n - 1] = 0;
  return dst;
}

void
net_timer(void)
{
}

// The clock: time_us() moves on by clock_step per call, so calls are far apart (each
// frame alone) unless a test makes the step small (a sender that streams).
static uint64 clock_now = 1000000, clock_step = 1000;

uint64
time_us(void)
{
  clock_now += clock_step;
  return clock_now;
}

// timer_alarm: remembered; a test fires it by calling alarm_fn.
static void (*alarm_fn)(void);
static uint64 alarm_us;
static int alarms;

void
timer_alarm(uint64 us, void (*fn)(void))
{
  alarm_us = us;
  alarm_fn = fn;
  alarms++;
}

// eth_rcv: the layer above; records what it got and frees it.
static int eth_frames;
static uint eth_last_len;

void
eth_rcv(struct sk_buff *skb)
{
  eth_frames++;
  eth_last_len = skb->len;
  kfree_skb(skb);
}

// ---- the fake driver: a "ring" of ring_room free slots; sent frames keep their order

static int ring_room;
static int sent_ids[4 * TXQ_MAX], sent_more[4 * TXQ_MAX], nsent;

static int
fake_xmit(struct sk_buff *skb, struct net_device *dev)
{
  if (ring_room == 0)
    return NETDEV_TX_BUSY;
  ring_room--;
  sent_more[nsent] = skb->xmit_more;
  sent_ids[nsent++] = skb->data[0] | (skb->data[1] << 8);
  kfree_skb(skb);
  return NETDEV_TX_OK;
}

static const struct net_device_ops fake_ops = {
  .ndo_start_xmit = fake_xmit,
};

static struct net_device dev = {
  .name = "fake0",
  .mtu = 1500,
  .netdev_ops = &fake_ops,
};

static uint64
inuse(void)
{
  struct skb_stats st;

  skb_get_stats(&st);
  return st.inuse;
}

// A frame whose first two bytes are its id.
static struct sk_buff *
frame(int id)
{
  struct sk_buff *skb = alloc_skb();
  uchar *p;

  if (skb == 0) {
    printf("FAIL: pool empty\n");
    exit(1);
  }
  skb_reserve(skb, MAX_HEADER);
  p = skb_put(skb, 60);
  memset(p, 0, 60);
  p[0] = id & 0xFF;
  p[1] = id >> 8;
  skb->dev = &dev;
  return skb;
}

// ---- groups

// Pool counters, the edges of a buffer, copies and queues.
static void
test_pool(void)
{
  static struct sk_buff *all[NSKB];
  struct sk_buff *skb, *c;
  struct sk_buff_head q;
  struct skb_stats st;
  uchar *p;
  int i;

  for (i = 0; i < NSKB; i++)
    CHECK((all[i] = alloc_skb()) != 0, "alloc %d of %d failed", i, NSKB);
  CHECK(alloc_skb() == 0, "alloc beyond NSKB succeeded");
  skb_get_stats(&st);
  CHECK(st.inuse == NSKB && st.free == 0 && st.alloc_fail == 1,
        "full pool: inuse %lu free %lu fail %lu", (unsigned long)st.inuse, (unsigned long)st.free,
        (unsigned long)st.alloc_fail);
  for (i = 0; i < NSKB; i++)
    kfree_skb(all[i]);
  kfree_skb(0);
  skb_get_stats(&st);
  CHECK(st.inuse == 0 && st.free == NSKB, "after freeing all: inuse %lu free %lu",
        (unsigned long)st.inuse, (unsigned long)st.free);

  skb = alloc_skb();
  CHECK(skb->data == skb->head && skb->len == 0, "a new skb is empty, data == head");
  CHECK(skb_tailroom(skb) == MAX_HEADER + SKB_BUF_SIZE, "tailroom %u", skb_tailroom(skb));
  skb_reserve(skb, MAX_HEADER);
  CHECK(skb_headroom(skb) == MAX_HEADER && skb_tailroom(skb) == SKB_BUF_SIZE,
        "after reserve: headroom %u tailroom %u", skb_headroom(skb), skb_tailroom(skb));
  memcpy(skb_put(skb, 10), "0123456789", 10);
  p = skb_push(skb, 4);
  memcpy(p, "hdr:", 4);
  CHECK(skb->len == 14 && memcmp(skb->data, "hdr:0123456789", 14) == 0, "push/put contents");
  CHECK(skb_pull(skb, 15) == 0 && skb->len == 14, "pull beyond len must fail and change nothing");
  CHECK(skb_pull(skb, 4) == skb->data && skb->len == 10 && skb->data[0] == '0', "pull 4");
  skb_trim(skb, 3);
  CHECK(skb->len == 3 && skb->tail == skb->data + 3, "trim to 3");
  skb_trim(skb, 30);
  CHECK(skb->len == 3, "trim to more than len changes nothing");

  skb->network_header = skb->data;
  c = skb_clone_copy(skb);
  CHECK(c && c != skb && c->len == 3 && memcmp(c->data, "012", 3) == 0, "clone_copy contents");
  CHECK(c->network_header == c->data && c->head != skb->head,
        "clone_copy header pointers are its own");
  c->data[0] = 'X';
  CHECK(skb->data[0] == '0', "clone_copy shares no data");

  skb_queue_init(&q);
  skb_queue_tail(&q, skb);
  skb_queue_tail(&q, c);
  CHECK(q.qlen == 2 && skb_dequeue(&q) == skb, "queue order");
  skb_queue_head(&q, skb);
  CHECK(q.qlen == 2 && skb_dequeue(&q) == skb && skb_dequeue(&q) == c && skb_dequeue(&q) == 0,
        "queue_head puts back at the front");
  skb_queue_tail(&q, skb);
  skb_queue_tail(&q, c);
  skb_queue_purge(&q);
  CHECK(q.qlen == 0 && inuse() == 0, "purge frees everything (inuse %lu)", (unsigned long)inuse());
}

// Free the same skb twice in a child: the pool must notice (panic aborts).
static void
test_double_free(void)
{
  int status;
  int pid = fork();

  if (pid == 0) {
    struct sk_buff *skb = alloc_skb();
    freopen("/dev/null", "w", stderr);
    kfree_skb(skb);
    kfree_skb(skb);
    _exit(0);
  }
  waitpid(pid, &status, 0);
  CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT, "double free was not caught");
}

// dev_queue_xmit: straight to the ring, the software queue while it is full, in order,
// bounded, drained by netif_wake_queue.
static void
test_xmit(void)
{
  int i, r, id = 0;

  ring_room = 3;
  for (i = 0; i < 3; i++)
    CHECK(dev_queue_xmit(frame(id++)) == 0, "xmit with room");
  CHECK(nsent == 3 && dev.txq.qlen == 0 && dev.stats.tx_queued == 0,
        "3 frames straight to the ring");

  // Ring full: frames wait in txq.
  for (i = 0; i < 5; i++)
    CHECK(dev_queue_xmit(frame(id++)) == 0, "xmit to the queue returns 0");
  CHECK(nsent == 3 && dev.txq.qlen == 5 && dev.stats.tx_queued == 5 && dev.queue_stopped,
        "5 frames queued (qlen %u, tx_queued %lu)", dev.txq.qlen,
        (unsigned long)dev.stats.tx_queued);

  // Room again, but frames are waiting: a new one must not overtake them.
  ring_room = 2;
  CHECK(dev_queue_xmit(frame(id++)) == 0, "xmit behind the queue");
  CHECK(nsent == 3 && dev.txq.qlen == 6, "a new frame went past the queue");

  // The TX interrupt: netif_wake_queue drains what fits, in order.
  netif_wake_queue(&dev);
  CHECK(nsent == 5 && dev.txq.qlen == 4, "wake with room 2: sent %d, qlen %u", nsent, dev.txq.qlen);
  ring_room = 100;
  netif_wake_queue(&dev);
  CHECK(nsent == 9 && dev.txq.qlen == 0 && !dev.queue_stopped, "wake drains the queue");
  for (i = 0; i < nsent; i++)
    CHECK(sent_ids[i] == i, "frame %d went out as %d: order lost", sent_ids[i], i);

  // The queue is bounded: TXQ_MAX waiting, the next is dropped and counted.
  ring_room = 0;
  for (i = 0; i < TXQ_MAX; i++)
    dev_queue_xmit(frame(id++));
  CHECK(dev.txq.qlen == TXQ_MAX, "qlen %u, want TXQ_MAX", dev.txq.qlen);
  CHECK(dev_tx_wait_room(&dev, 1) == -EAGAIN, "wait_room(nonblock) on a full queue");
  r = dev_queue_xmit(frame(id++));
  CHECK(r == -ENOBUFS && dev.stats.tx_dropped == 1 && dev.stats.tx_queue_full >= 1,
        "full queue: r %d, tx_dropped %lu", r, (unsigned long)dev.stats.tx_dropped);
  CHECK(inuse() == TXQ_MAX, "the dropped frame was freed (inuse %lu)", (unsigned long)inuse());
  poll_wakeups = 0;
  ring_room = 1;
  netif_wake_queue(&dev);
  CHECK(poll_wakeups == 1, "room after a full queue: poll_wakeup %d", poll_wakeups);
  CHECK(dev_tx_wait_room(&dev, 1) == 0, "wait_room with room");
  ring_room = 1000;
  netif_wake_queue(&dev);
  CHECK(dev.txq.qlen == 0 && inuse() == 0, "all sent and freed (qlen %u, inuse %lu)", dev.txq.qlen,
        (unsigned long)inuse());
}

// Doorbell batching: frames that follow each other closely wait in txq for a batch; the
// batch goes to the driver in order, each but the last with xmit_more (one doorbell),
// when it is full, when a frame comes alone, or when the timer alarm fires.
static void
test_batch(void)
{
  int i, id = 0, start;

  ring_room = 1000;
  CHECK(dev_queue_xmit(frame(id++)) == 0 && nsent == 1 && sent_more[0] == 0,
        "a lone frame goes at once, with its own doorbell");

  // A stream of 5: held back, counted, the alarm armed once.
  clock_step = 1;
  alarms = 0;
  for (i = 0; i < 5; i++)
    CHECK(dev_queue_xmit(frame(id++)) == 0, "xmit in a stream");
  CHECK(nsent == 1 && dev.txq.qlen == 5 && dev.stats.tx_batched == 5 && !dev.queue_stopped,
        "5 streamed frames wait (sent %d, qlen %u, batched %lu)", nsent, dev.txq.qlen,
        (unsigned long)dev.stats.tx_batched);
  CHECK(alarms == 1 && alarm_fn != 0 && alarm_us > 0 && alarm_us <= 1000,
        "one alarm, soon (alarms %d, in %lu us)", alarms, (unsigned long)alarm_us);
  // The alarm sends them: in order, one doorbell (xmit_more on all but the last).
  alarm_fn();
  CHECK(nsent == 6 && dev.txq.qlen == 0, "the alarm sent the batch (sent %d)", nsent);
  for (i = 1; i < 6; i++)
    CHECK(sent_more[i] == (i < 5), "frame %d: xmit_more %d", i, sent_more[i]);
  alarm_fn();  // a late alarm with nothing waiting does nothing
  CHECK(nsent == 6, "an empty alarm sent something");

  // A full batch goes without the alarm; the next frame starts a new one.
  start = nsent;
  for (i = 0; i < 64 && nsent == start; i++)
    dev_queue_xmit(frame(id++));
  CHECK(nsent - start == i && i > 1 && i <= 64 && dev.txq.qlen == 0, "a batch of %d went when full",
        nsent - start);
  CHECK(sent_more[nsent - 1] == 0, "the batch's last frame rings the doorbell");

  // Streamed frames waiting, then one alone: all go at once, in order.
  dev_queue_xmit(frame(id++));
  dev_queue_xmit(frame(id++));
  clock_step = 1000;
  start = nsent;
  dev_queue_xmit(frame(id++));
  CHECK(nsent - start == 3 && dev.txq.qlen == 0 && sent_more[nsent - 1] == 0,
        "a lone frame takes the waiting ones along (sent %d)", nsent - start);

  // A full ring in the middle of a batch: the rest waits for netif_wake_queue.
  clock_step = 1;
  for (i = 0; i < 4; i++)
    dev_queue_xmit(frame(id++));
  ring_room = 2;
  clock_step = 1000;
  start = nsent;
  dev_queue_xmit(frame(id++));
  CHECK(nsent - start == 2 && dev.txq.qlen == 3 && dev.queue_stopped, "ring of 2: sent %d, qlen %u",
        nsent - start, dev.txq.qlen);
  alarm_fn();  // the ring is full: the alarm must leave the queue to the TX interrupt
  CHECK(nsent - start == 2, "the alarm pushed at a stopped queue");
  ring_room = 1000;
  netif_wake_queue(&dev);
  CHECK(dev.txq.qlen == 0 && !dev.queue_stopped, "wake drains the rest");
  for (i = 0; i < nsent; i++)
    CHECK(sent_ids[i] == i, "frame %d went out as %d: order lost", sent_ids[i], i);
  CHECK(inuse() == 0, "all freed (inuse %lu)", (unsigned long)inuse());
}

// netif_receive_skb counts and hands the frame to eth_rcv.
static void
test_rx(void)
{
  struct sk_buff *skb = frame(7);
  uint64 pk = dev.stats.rx_packets, by = dev.stats.rx_bytes;

  netif_receive_skb(skb);
  CHECK(eth_frames == 1 && eth_last_len == 60, "eth_rcv got %d frames, len %u", eth_frames,
        eth_last_len);
  CHECK(dev.stats.rx_packets == pk + 1 && dev.stats.rx_bytes == by + 60, "rx counters");
  CHECK(inuse() == 0, "rx skb freed");
}

// The trace: nothing when off; "a > b" when on; never past the end of skb->path.
static void
test_trace(void)
{
  struct sk_buff *skb = frame(1);
  char longname[300];
  int i;

  net_trace_on = 0;
  net_trace(skb, "udp_sendmsg");
  CHECK(skb->path[0] == 0, "trace off recorded %s", skb->path);
  net_trace_on = 1;
  net_trace(skb, "udp_sendmsg");
  net_trace(skb, "ip_output");
  CHECK(strcmp(skb->path, "udp_sendmsg > ip_output") == 0, "path %s", skb->path);
  memset(longname, 'x', sizeof(longname) - 1);
  longname[sizeof(longname) - 1] = 0;
  for (i = 0; i < 5; i++)
    net_trace(skb, longname);
  CHECK(strlen(skb->path) < sizeof(skb->path), "path overflowed");
  net_trace_on = 0;
  kfree_skb(skb);
}

int
main(int argc, char **argv)
{
  const char *g = argc > 1 ? argv[1] : "";

  skb_init();
  register_netdev(&dev);
  if (strcmp(g, "pool") == 0) {
    test_pool();
    test_double_free();
  } else if (strcmp(g, "xmit") == 0) {
    test_xmit();
  } else if (strcmp(g, "batch") == 0) {
    test_batch();
  } else if (strcmp(g, "rx") == 0) {
    test_rx();
  } else if (strcmp(g, "trace") == 0) {
    test_trace();
  } else {
    printf("usage: unit_dev pool|xmit|batch|rx|trace\n");
    return 2;
  }
  CHECK(fake_lock_depth == 0, "%d locks still held", fake_lock_depth);
  if (failures)
    return 1;
  printf("ok %s\n", g);
  return 0;
}
