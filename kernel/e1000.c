// Driver for the Intel 82540EM Ethernet controller (QEMU `-device e1000`).
//
// Interface: pci.c finds the device and calls e1000_init(regs, irq); from then on the stack
// sees it only through struct net_device and e1000_netdev_ops (netdevice.h):
//   transmit  dev_queue_xmit -> e1000_xmit_frame: one legacy descriptor per frame at the
//             ring's tail, then the TDT write (the doorbell), left to the next frame
//             when the stack says one follows at once (xmit_more); sent skbs are freed by the
//             transmit path itself. Only while the ring is full is the TX interrupt on:
//             it runs e1000_clean_tx_irq, which frees them and restarts the software queue.
//   receive   e1000_intr masks RX interrupts and calls napi_schedule; the network thread
//             calls e1000_clean_rx_irq (ndo_poll), which hands each frame to
//             netif_receive_skb and refills the slot, then ndo_irq_enable unmasks.
// Registers and descriptor layouts are in e1000_dev.h; citations are to Intel's 8254x
// Software Developer's Manual. Every register access is 32 bits wide.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "spinlock.h"
#include "defs.h"
#include "errno.h"
#include "pci.h"
#include "e1000_dev.h"
#include "net/skbuff.h"
#include "net/netdevice.h"

#define TX_RING_SIZE   128  // descriptors; a power of two (ring bytes: a multiple of 128)
#define RX_RING_SIZE   128
#define ETH_ZLEN       60       // shortest frame without CRC; QEMU does not pad short frames
#define BENCH_STALL_US 1000000  // the benchmark gives up after 1 s without progress

#define E1000_RX_INTRS (E1000_ICR_RXT0 | E1000_ICR_RXDMT0 | E1000_ICR_RXO)
// TXDW is not among them: e1000_xmit_frame reclaims sent descriptors itself and turns
// the TX interrupt on only while descriptors are in flight or frames wait for ring room
// (see e1000_xmit_frame). One interrupt per sent frame would cost a trap and three MMIO
// accesses per packet.
#define E1000_INTRS (E1000_RX_INTRS | E1000_ICR_LSC)

struct e1000 {
  volatile uint32 *regs;  // BAR0
  int irq;

  // tx_lock guards tx_ring, tx_skbs, tx_tail, tx_clean and the TDT write.
  struct spinlock tx_lock;
  struct e1000_tx_desc tx_ring[TX_RING_SIZE] __attribute__((aligned(128)));
  struct sk_buff *tx_skbs[TX_RING_SIZE];  // the skb each slot sends; freed when reclaimed
  uint tx_tail;                           // next slot to fill
  uint tx_rung;   // the value last written to TDT: slots tx_rung..tx_tail-1 wait for it
  uint tx_clean;  // oldest slot not reclaimed; the ring is empty when it equals tx_tail

  // rx_lock guards rx_ring, rx_skbs, rx_next and the RDT write.
  struct spinlock rx_lock;
  struct e1000_rx_desc rx_ring[RX_RING_SIZE] __attribute__((aligned(128)));
  struct sk_buff *rx_skbs[RX_RING_SIZE];  // the buffer each slot receives into
  uint rx_next;                           // next slot the NIC fills
};

static struct e1000 e1000;  // one device
static struct net_device e1000_netdev;

static uint32
e1000_rd(struct e1000 *e, int reg)
{
  return e->regs[reg / 4];
}

static void
e1000_wr(struct e1000 *e, int reg, uint32 val)
{
  e->regs[reg / 4] = val;
}

// Free the skbs of sent descriptors (DD set) from tx_clean on; returns how many.
static int
e1000_tx_reclaim(struct e1000 *e)
{
  if (!spin_held_here(&e->tx_lock))
    panic("e1000_tx_reclaim");
  // LAB tx BEGIN
  // LAB-HINT: walk from tx_clean towards tx_tail while the descriptor's status has DD:
  // LAB-HINT: kfree_skb the slot's skb (0 for benchmark frames), clear tx_skbs[slot], and
  // LAB-HINT: advance tx_clean (mod TX_RING_SIZE). Stop at the first slot without DD.
  // LAB-STUB: return 0;
  volatile struct e1000_tx_desc *d;
  int n = 0;

  while (e->tx_clean != e->tx_tail) {
    d = &e->tx_ring[e->tx_clean];
    if ((d->status & E1000_TXD_STAT_DD) == 0)
      break;
    kfree_skb(e->tx_skbs[e->tx_clean]);
    e->tx_skbs[e->tx_clean] = 0;
    e->tx_clean = (e->tx_clean + 1) % TX_RING_SIZE;
    n++;
  }
  return n;
  // LAB tx END
}

// ndo_start_xmit: put skb in the ring and ring the doorbell. NETDEV_TX_BUSY (skb not
// taken) when the ring is full; otherwise the skb is ours until its slot is reclaimed.
static int
e1000_xmit_frame(struct sk_buff *skb, struct net_device *dev)
{
  // LAB tx BEGIN
  // LAB-HINT: take e->tx_lock (e = dev->priv) and reclaim finished descriptors first.
  // LAB-HINT: the ring is full when the slot after tx_tail is tx_clean: ring the doorbell
  // LAB-HINT: for slots still waiting for it (tx_rung != tx_tail), turn the TX interrupt
  // LAB-HINT: on (IMS = TXDW) so the waiting frames move on, and return NETDEV_TX_BUSY.
  // LAB-HINT: pad frames shorter than ETH_ZLEN with zeros (skb_put): QEMU does not.
  // LAB-HINT: fill the descriptor at tx_tail (addr = skb->data, length, cmd EOP|IFCS|RS,
  // LAB-HINT: status 0), keep the skb in tx_skbs, advance tx_tail, count tx_packets and
  // LAB-HINT: tx_bytes. If skb->xmit_more, stop here: the next frame rings for this one.
  // LAB-HINT: Otherwise __sync_synchronize(), then write TDT = tx_tail: that write is the
  // LAB-HINT: doorbell (remember it in tx_rung). Reclaim once more after the doorbell; if
  // LAB-HINT: descriptors are still in flight, turn the TX interrupt on (IMS = TXDW) so
  // LAB-HINT: e1000_clean_tx_irq frees them when done.
  // LAB-STUB: kfree_skb(skb);
  // LAB-STUB: return NETDEV_TX_OK;
  struct e1000 *e = dev->priv;
  struct e1000_tx_desc *d;
  uint i, next, pad;
  char note[40];

  spin_lock(&e->tx_lock);
  e1000_tx_reclaim(e);
  i = e->tx_tail;
  next = (i + 1) % TX_RING_SIZE;
  if (next == e->tx_clean) {
    // Ring full: the caller queues skb. Frames before it that were told more would follow
    // get their doorbell now; interrupt us when a descriptor is done so that
    // e1000_clean_tx_irq can move the queue on. e1000_intr turns TXDW off again.
    if (e->tx_rung != e->tx_tail) {
      __sync_synchronize();
      e1000_wr(e, E1000_TDT, e->tx_tail);
      e->tx_rung = e->tx_tail;
      dev->stats.tx_doorbells++;
    }
    e1000_wr(e, E1000_IMS, E1000_ICR_TXDW);
    spin_unlock(&e->tx_lock);
    return NETDEV_TX_BUSY;  // the caller keeps skb
  }
  if (skb->len < ETH_ZLEN) {
    pad = ETH_ZLEN - skb->len;
    memset(skb_put(skb, pad), 0, pad);
  }
  d = &e->tx_ring[i];
  d->addr = (uint64)skb->data;
  d->length = skb->len;
  d->cmd = E1000_TXD_CMD_EOP | E1000_TXD_CMD_IFCS | E1000_TXD_CMD_RS;
  d->status = 0;
  e->tx_skbs[i] = skb;
  e->tx_tail = next;
  dev->stats.tx_packets++;
  dev->stats.tx_bytes += skb->len;
  if (net_trace_on) {
    net_trace(skb, "e1000_xmit_frame");
    if (skb->xmit_more)
      snprintf(note, sizeof(note), "[desc %d, TDT %d: doorbell follows]", i, e->tx_rung);
    else
      snprintf(note, sizeof(note), "[desc %d, TDT %d->%d]", i, e->tx_rung, next);
    net_trace_print(skb, "tx", note);
  }
  if (skb->xmit_more) {
    spin_unlock(&e->tx_lock);  // the next frame, coming at once, rings for this one too
    return NETDEV_TX_OK;
  }
  __sync_synchronize();          // the descriptors reach memory before the NIC looks
  e1000_wr(e, E1000_TDT, next);  // the doorbell: descriptors up to i belong to the NIC now
  e->tx_rung = next;
  dev->stats.tx_doorbells++;
  // Reclaim again: QEMU sends inside the TDT write, so this frees skb at once. A NIC that
  // sends later (real hardware) leaves descriptors in flight: then turn the TX interrupt
  // on, so e1000_clean_tx_irq frees them when they are done, not at the next send.
  e1000_tx_reclaim(e);
  if (e->tx_clean != e->tx_tail)
    e1000_wr(e, E1000_IMS, E1000_ICR_TXDW);
  spin_unlock(&e->tx_lock);
  return NETDEV_TX_OK;
  // LAB tx END
}

// TX interrupt: reclaim sent descriptors, then let the software queue into the ring.
static int
e1000_clean_tx_irq(struct net_device *dev)
{
  // LAB tx BEGIN
  // LAB-HINT: reclaim under e->tx_lock, release it, then call netif_wake_queue(dev): it
  // LAB-HINT: calls e1000_xmit_frame for the waiting frames, which takes tx_lock itself.
  // LAB-STUB: return 0;
  struct e1000 *e = dev->priv;
  int n;

  spin_lock(&e->tx_lock);
  n = e1000_tx_reclaim(e);
  spin_unlock(&e->tx_lock);
  netif_wake_queue(dev);
  return n;
  // LAB tx END
}

// A receive buffer: an skb with MAX_HEADER of headroom and SKB_BUF_SIZE behind data.
static struct sk_buff *
e1000_rx_buf(void)
{
  struct sk_buff *skb;

  if ((skb = alloc_skb()) != 0)
    skb_reserve(skb, MAX_HEADER);
  return skb;
}

// ndo_poll: pass up to budget received frames to the stack; returns the slots used.
static int
e1000_clean_rx_irq(struct net_device *dev, int budget)
{
  // LAB rx BEGIN
  // LAB-HINT: under e->rx_lock, loop (not once!) while the slot at rx_next has DD and
  // LAB-HINT: fewer than budget slots were used. A slot without EOP or with errors:
  // LAB-HINT: count rx_errors and reuse its buffer. Otherwise take its skb, skb_put the
  // LAB-HINT: length, set skb->dev, and give the slot a fresh e1000_rx_buf() (none left:
  // LAB-HINT: count rx_dropped, reuse the buffer). Clear status, advance rx_next, and
  // LAB-HINT: call netif_receive_skb with rx_lock released. After the loop, if any slot
  // LAB-HINT: was used, write RDT once = the last slot given back: the doorbell.
  // LAB-STUB: return 0;
  struct e1000 *e = dev->priv;
  volatile struct e1000_rx_desc *d;
  struct sk_buff *skb, *fresh;
  int i = 0, done = 0;

  spin_lock(&e->rx_lock);
  while (done < budget && (e->rx_ring[e->rx_next].status & E1000_RXD_STAT_DD)) {
    i = e->rx_next;
    d = &e->rx_ring[i];
    __sync_synchronize();  // read the rest of the descriptor after its DD
    skb = 0;
    if (!(d->status & E1000_RXD_STAT_EOP) || (d->errors & E1000_RXD_ERR_BAD) ||
        d->length > SKB_BUF_SIZE) {
      dev->stats.rx_errors++;  // bad frame: drop it, the slot keeps its buffer
    } else if ((fresh = e1000_rx_buf()) == 0) {
      dev->stats.rx_dropped++;  // pool empty: drop the frame, reuse its buffer
    } else {
      skb = e->rx_skbs[i];
      skb_put(skb, d->length);
      skb->dev = dev;
      net_trace(skb, "e1000_clean_rx_irq");
      e->rx_skbs[i] = fresh;
      d->addr = (uint64)fresh->data;
    }
    d->status = 0;
    e->rx_next = (i + 1) % RX_RING_SIZE;
    done++;
    if (skb) {
      spin_unlock(&e->rx_lock);  // the stack may reply, and take other locks
      netif_receive_skb(skb);
      spin_lock(&e->rx_lock);
    }
  }
  if (done > 0) {
    // One tail write for the whole pass (each is a slow trip into the device model):
    // the NIC may fill every slot before i again; slot i is the one kept back, as
    // after e1000_rx_init.
    __sync_synchronize();
    e1000_wr(e, E1000_RDT, i);  // the doorbell
  }
  spin_unlock(&e->rx_lock);
  return done;
  // LAB rx END
}

// ndo_irq_enable: receive interrupts back on after a poll that emptied the ring.
static void
e1000_irq_enable(struct net_device *dev)
{
  e1000_wr(dev->priv, E1000_IMS, E1000_RX_INTRS);
}

// The interrupt handler. Reading ICR clears the causes and lowers the (level) line.
static void
e1000_intr(void *arg)
{
  struct net_device *dev = arg;
  struct e1000 *e = dev->priv;
  uint32 icr = e1000_rd(e, E1000_ICR);

  if (icr & E1000_ICR_LSC) {
    dev->link_up = (e1000_rd(e, E1000_STATUS) & E1000_STATUS_LU) != 0;
    printf("e1000: link %s\n", dev->link_up ? "up" : "down");
  }
  // TXDW is in ICR after every sent frame, but interrupts only when e1000_xmit_frame
  // found the ring full and unmasked it: mask it again, then move the queue on (which
  // unmasks it once more if the ring fills up again).
  if (icr & E1000_ICR_TXDW) {
    dev->stats.tx_irqs++;
    e1000_wr(e, E1000_IMC, E1000_ICR_TXDW);
    e1000_clean_tx_irq(dev);
  }
  // Also when RX interrupts are masked: this ICR read has just cleared their cause.
  if (icr & E1000_RX_INTRS) {
    dev->stats.rx_irqs++;
    e1000_wr(e, E1000_IMC, E1000_RX_INTRS);  // quiet until netd has polled the ring
    napi_schedule(dev);
  }
}

// Fill up to max free slots with frame and ring the doorbell once; returns how many.
static int
e1000_bench_fill(struct e1000 *e, struct sk_buff *frame, int max)
{
  if (!spin_held_here(&e->tx_lock))
    panic("e1000_bench_fill");
  // LAB tx BEGIN
  // LAB-HINT: the ring benchmark: like e1000_xmit_frame, but the same frame in every free
  // LAB-HINT: slot (up to max), tx_skbs 0 (nothing to free), and one TDT write per batch.
  // LAB-STUB: return 0;
  struct e1000_tx_desc *d;
  uint i = e->tx_tail;
  int n = 0;

  while (n < max && (i + 1) % TX_RING_SIZE != e->tx_clean) {
    d = &e->tx_ring[i];
    d->addr = (uint64)frame->data;
    d->length = frame->len;
    d->cmd = E1000_TXD_CMD_EOP | E1000_TXD_CMD_IFCS | E1000_TXD_CMD_RS;
    d->status = 0;
    e->tx_skbs[i] = 0;
    i = (i + 1) % TX_RING_SIZE;
    n++;
  }
  if (n > 0) {
    e->tx_tail = i;
    __sync_synchronize();
    e1000_wr(e, E1000_TDT, i);  // the doorbell, once for the whole batch
    e->tx_rung = i;
  }
  return n;
  // LAB tx END
}

// ndo_bench_xmit: send skb's frame `frames` times through the ring as fast as the NIC
// takes it, wait until the ring is empty, free skb. Elapsed microseconds, -EIO if the
// NIC stopped taking frames for BENCH_STALL_US, or -EINTR if the caller was killed.
static int64
e1000_bench_xmit(struct net_device *dev, struct sk_buff *skb, int frames)
{
  struct e1000 *e = dev->priv;
  uint64 t0 = time_us(), progress = t0, us;
  int sent = 0, done, filled, busy = 1;
  uint pad;

  if (skb->len < ETH_ZLEN) {
    pad = ETH_ZLEN - skb->len;
    memset(skb_put(skb, pad), 0, pad);
  }
  while (sent < frames || busy) {
    if (sent < frames && current_killed())
      frames = sent;  // killed: send no more, but let the ring drain before skb is freed
    spin_lock(&e->tx_lock);
    done = e1000_tx_reclaim(e);
    filled = sent < frames ? e1000_bench_fill(e, skb, frames - sent) : 0;
    busy = e->tx_clean != e->tx_tail;
    spin_unlock(&e->tx_lock);
    sent += filled;
    if (done + filled > 0)
      progress = time_us();
    else if (time_us() - progress > BENCH_STALL_US)
      break;
  }
  us = time_us() - t0;
  if (busy)
    return -EIO;  // the NIC stopped: slots still point at skb, so it is not freed
  kfree_skb(skb);
  if (current_killed())
    return -EINTR;
  return sent >= frames ? us : -EIO;
}

// Reset the controller; every interrupt stays masked [8254x 14.2, 14.3].
static void
e1000_reset(struct e1000 *e)
{
  int i;

  e1000_wr(e, E1000_IMC, 0xFFFFFFFF);
  e1000_wr(e, E1000_CTRL, e1000_rd(e, E1000_CTRL) | E1000_CTRL_RST);
  for (i = 0; i < 1000000 && (e1000_rd(e, E1000_CTRL) & E1000_CTRL_RST); i++)
    ;
  e1000_wr(e, E1000_IMC, 0xFFFFFFFF);
  e1000_rd(e, E1000_ICR);  // drop causes left from before the reset
  e1000_wr(e, E1000_CTRL, e1000_rd(e, E1000_CTRL) | E1000_CTRL_SLU);
}

// One 16-bit EEPROM word through EERD [8254x 13.4.4]; 0 if the read never finishes.
static uint16
e1000_eeprom_read(struct e1000 *e, int addr)
{
  uint32 v;
  int i;

  e1000_wr(e, E1000_EERD, E1000_EERD_START | (addr << E1000_EERD_ADDR_SHIFT));
  for (i = 0; i < 100000; i++) {
    v = e1000_rd(e, E1000_EERD);
    if (v & E1000_EERD_DONE)
      return v >> E1000_EERD_DATA_SHIFT;
  }
  return 0;
}

// The MAC address: receive address 0 if valid (QEMU preloads it), else EEPROM words 0-2.
static void
e1000_read_mac(struct e1000 *e, uchar *mac)
{
  uint32 lo = e1000_rd(e, E1000_RAL0), hi = e1000_rd(e, E1000_RAH0);
  uint16 w;
  int i;

  for (i = 0; i < 3; i++) {
    w = (hi & E1000_RAH_AV) ? (i < 2 ? lo >> (16 * i) : hi) : e1000_eeprom_read(e, i);
    mac[2 * i] = w & 0xFF;
    mac[2 * i + 1] = w >> 8;
  }
}

// Accept unicast to mac (RAL0/RAH0 with AV) and broadcast; no multicast (MTA clear).
static void
e1000_set_filters(struct e1000 *e, uchar *mac)
{
  int i;

  e1000_wr(e, E1000_RAL0, mac[0] | (mac[1] << 8) | (mac[2] << 16) | ((uint32)mac[3] << 24));
  e1000_wr(e, E1000_RAH0, mac[4] | (mac[5] << 8) | E1000_RAH_AV);
  for (i = 0; i < E1000_MTA_WORDS; i++)
    e1000_wr(e, E1000_MTA + 4 * i, 0);
}

// Transmit setup [8254x 14.5]: an empty ring, then the transmitter on.
static void
e1000_tx_init(struct e1000 *e)
{
  uint64 base = (uint64)e->tx_ring;

  memset(e->tx_ring, 0, sizeof(e->tx_ring));
  e->tx_tail = e->tx_clean = e->tx_rung = 0;
  e1000_wr(e, E1000_TDBAL, (uint32)base);
  e1000_wr(e, E1000_TDBAH, base >> 32);
  e1000_wr(e, E1000_TDLEN, sizeof(e->tx_ring));
  e1000_wr(e, E1000_TDH, 0);
  e1000_wr(e, E1000_TDT, 0);
  e1000_wr(e, E1000_TIPG, E1000_TIPG_VALUE);
  e1000_wr(e, E1000_TCTL,
           E1000_TCTL_EN | E1000_TCTL_PSP | (E1000_TCTL_CT << E1000_TCTL_CT_SHIFT) |
               (E1000_TCTL_COLD_FD << E1000_TCTL_COLD_SHIFT));
}

// Receive setup [8254x 14.4]: a buffer in every slot, RDT = N-1 (RDH == RDT means the
// NIC has no free slot). The receiver itself is switched on by e1000_open.
static int
e1000_rx_init(struct e1000 *e)
{
  uint64 base = (uint64)e->rx_ring;
  int i;

  memset(e->rx_ring, 0, sizeof(e->rx_ring));
  for (i = 0; i < RX_RING_SIZE; i++) {
    if ((e->rx_skbs[i] = e1000_rx_buf()) == 0)
      goto nomem;
    e->rx_ring[i].addr = (uint64)e->rx_skbs[i]->data;
  }
  e->rx_next = 0;
  e1000_wr(e, E1000_RDBAL, (uint32)base);
  e1000_wr(e, E1000_RDBAH, base >> 32);
  e1000_wr(e, E1000_RDLEN, sizeof(e->rx_ring));
  e1000_wr(e, E1000_RDH, 0);
  e1000_wr(e, E1000_RDT, RX_RING_SIZE - 1);
  e1000_wr(e, E1000_RDTR, 0);
  e1000_wr(e, E1000_RADV, 0);
  return 0;

nomem:
  while (--i >= 0) {
    kfree_skb(e->rx_skbs[i]);
    e->rx_skbs[i] = 0;
  }
  return -1;
}

// ndo_open: receiver on, interrupts on.
static int
e1000_open(struct net_device *dev)
{
  struct e1000 *e = dev->priv;

  // One RCTL write only: QEMU pauses reception for about a second after each.
  e1000_wr(e, E1000_RCTL,
           E1000_RCTL_EN | E1000_RCTL_BAM | E1000_RCTL_BSIZE_2048 | E1000_RCTL_SECRC);
  e1000_wr(e, E1000_IMS, E1000_INTRS);
  return 0;
}

const struct net_device_ops e1000_netdev_ops = {
  .ndo_open = e1000_open,
  .ndo_start_xmit = e1000_xmit_frame,
  .ndo_poll = e1000_clean_rx_irq,
  .ndo_irq_enable = e1000_irq_enable,
  .ndo_bench_xmit = e1000_bench_xmit,
};

// "52:54:00:12:34:56" into buf (18 bytes).
static void
mac_string(char *buf, uchar *mac)
{
  static const char hex[] = "0123456789abcdef";
  int i;

  for (i = 0; i < 6; i++) {
    buf[3 * i] = hex[mac[i] >> 4];
    buf[3 * i + 1] = hex[mac[i] & 0xF];
    buf[3 * i + 2] = i < 5 ? ':' : 0;
  }
}

// Called by pci.c with BAR0 mapped at regs: set the device up and register it.
int
e1000_init(uint64 regs, int irq)
{
  struct e1000 *e = &e1000;
  struct net_device *dev = &e1000_netdev;
  char mac[18];

  if (e->regs != 0) {
    printf("e1000: a second device at 0x%x is not supported\n", (uint)regs);
    return -1;
  }
  e->regs = (volatile uint32 *)regs;
  e->irq = irq;
  spin_init(&e->tx_lock, "e1000_tx");
  spin_init(&e->rx_lock, "e1000_rx");
  e1000_reset(e);
  e1000_read_mac(e, dev->dev_addr);
  e1000_set_filters(e, dev->dev_addr);
  e1000_tx_init(e);
  if (e1000_rx_init(e) < 0)
    return -1;
  safestrcpy(dev->name, "eth0", sizeof(dev->name));
  dev->mtu = 1500;
  dev->link_up = (e1000_rd(e, E1000_STATUS) & E1000_STATUS_LU) != 0;
  dev->netdev_ops = &e1000_netdev_ops;
  dev->priv = e;
  irq_register(irq, e1000_intr, dev);
  mac_string(mac, dev->dev_addr);
  printf("e1000: %s at 0x%x irq %d, link %s\n", mac, (uint)regs, irq, dev->link_up ? "up" : "down");
  return register_netdev(dev);
}
