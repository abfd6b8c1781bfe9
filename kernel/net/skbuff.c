// The packet buffer pool: NSKB fixed buffers, each a struct sk_buff plus a data area of
// MAX_HEADER + SKB_BUF_SIZE bytes, so a received frame (up to SKB_BUF_SIZE, the e1000 RX
// buffer size) still has MAX_HEADER of headroom in front of it.
//
// Interface: skb_init() once; alloc_skb() / kfree_skb(); skb_reserve, skb_push, skb_pull,
// skb_put, skb_trim move the packet's edges inside its buffer; skb_queue_* link buffers
// into a queue guarded by the owner's lock; skb_get_stats reads the counters.
// Using an skb after kfree_skb, freeing it twice, or pushing or putting past the buffer
// are kernel bugs and panic; pulling more than the packet holds (a short frame from the
// wire) returns 0.
#include "../types.h"
#include "../param.h"
#include "../spinlock.h"
#include "../defs.h"
#include "skbuff.h"

#define SKB_AREA (MAX_HEADER + SKB_BUF_SIZE)

// The data areas: 128-byte aligned, and SKB_AREA is a multiple of 128, so every buffer
// and every RX DMA address (head + MAX_HEADER) is 128-byte aligned too.
static uchar skb_area[NSKB][SKB_AREA] __attribute__((aligned(128)));

static struct {
  struct spinlock lock;  // guards everything below
  struct sk_buff bufs[NSKB];
  char busy[NSKB];       // 1 while allocated: catches double frees
  struct sk_buff *free;  // free list, linked through next
  struct skb_stats st;
} pool;

// Put every buffer on the free list.
void
skb_init(void)
{
  int i;

  spin_init(&pool.lock, "skbpool");
  pool.free = 0;
  for (i = NSKB - 1; i >= 0; i--) {
    pool.bufs[i].head = skb_area[i];
    pool.bufs[i].next = pool.free;
    pool.free = &pool.bufs[i];
  }
  pool.st.free = NSKB;
}

// An empty buffer (data == tail == head), or 0 when the pool is empty (counted).
struct sk_buff *
alloc_skb(void)
{
  struct sk_buff *skb;
  uchar *head;

  spin_lock(&pool.lock);
  skb = pool.free;
  if (skb == 0) {
    pool.st.alloc_fail++;
    spin_unlock(&pool.lock);
    return 0;
  }
  pool.free = skb->next;
  pool.busy[skb - pool.bufs] = 1;
  pool.st.inuse++;
  pool.st.free--;
  pool.st.allocs++;
  spin_unlock(&pool.lock);

  head = skb->head;
  // Every field but the trace path, which only has to be an empty string: this runs
  // for every packet, and path[] is most of the struct.
  memset(skb, 0, __builtin_offsetof(struct sk_buff, path));
  skb->path[0] = 0;
  skb->head = skb->data = skb->tail = head;
  skb->end = head + SKB_AREA;
  skb->trace = net_trace_on;
  return skb;
}

// Return skb to the pool. kfree_skb(0) does nothing.
void
kfree_skb(struct sk_buff *skb)
{
  int i;

  if (skb == 0)
    return;
  i = skb - pool.bufs;
  if (i < 0 || i >= NSKB || skb != &pool.bufs[i])
    panic("kfree_skb: not a pool buffer");
  spin_lock(&pool.lock);
  if (!pool.busy[i])
    panic("kfree_skb: double free");
  pool.busy[i] = 0;
  skb->next = pool.free;
  pool.free = skb;
  pool.st.inuse--;
  pool.st.free++;
  pool.st.frees++;
  spin_unlock(&pool.lock);
}

// Strip len bytes from the front (a parsed header); returns the new data pointer, or 0
// (and changes nothing) when the packet is shorter than len.
uchar *
skb_pull(struct sk_buff *skb, uint len)
{
  if (len > skb->len)
    return 0;
  skb->data += len;
  skb->len -= len;
  return skb->data;
}

// Cut the packet to len bytes (drops trailing padding); longer len changes nothing.
void
skb_trim(struct sk_buff *skb, uint len)
{
  if (len < skb->len) {
    skb->len = len;
    skb->tail = skb->data + len;
  }
}

// Where p points in skb, the same place in the copy n (0 stays 0).
static uchar *
skb_rebase(struct sk_buff *n, struct sk_buff *skb, uchar *p)
{
  return p ? n->head + (p - skb->head) : 0;
}

// A full copy of skb (data, offsets, header pointers, metadata), or 0 if the pool is empty.
struct sk_buff *
skb_clone_copy(struct sk_buff *skb)
{
  struct sk_buff *n;
  uchar *head;

  if ((n = alloc_skb()) == 0)
    return 0;
  head = n->head;
  *n = *skb;  // every field, then the pointers into the buffer are moved to n's
  n->next = 0;
  n->head = head;
  n->end = head + SKB_AREA;
  memmove(n->head, skb->head, SKB_AREA);
  n->data = skb_rebase(n, skb, skb->data);
  n->tail = skb_rebase(n, skb, skb->tail);
  n->mac_header = skb_rebase(n, skb, skb->mac_header);
  n->network_header = skb_rebase(n, skb, skb->network_header);
  n->transport_header = skb_rebase(n, skb, skb->transport_header);
  return n;
}

// A snapshot of the pool counters.
void
skb_get_stats(struct skb_stats *st)
{
  spin_lock(&pool.lock);
  *st = pool.st;
  spin_unlock(&pool.lock);
}

void
skb_queue_init(struct sk_buff_head *q)
{
  q->head = q->tail = 0;
  q->qlen = 0;
}

// Put skb back at the front of q (a packet that could not be sent after all).
void
skb_queue_head(struct sk_buff_head *q, struct sk_buff *skb)
{
  skb->next = q->head;
  q->head = skb;
  if (q->tail == 0)
    q->tail = skb;
  q->qlen++;
}

// Free everything on q.
void
skb_queue_purge(struct sk_buff_head *q)
{
  struct sk_buff *skb;

  while ((skb = skb_dequeue(q)) != 0)
    kfree_skb(skb);
}
