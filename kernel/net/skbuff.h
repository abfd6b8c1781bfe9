// struct sk_buff: the one packet buffer type of the network stack.
//
// A buffer is one contiguous area [head, end). The packet is [data, tail). On transmit a
// layer reserves headroom first and then each layer below prepends its header with
// skb_push, so no layer copies the payload:
//
//   head          data                      tail           end
//    |  headroom   | eth | ip | udp | payload |   tailroom   |
//                  <------------ len ------------>
//
// On receive the driver skb_put()s the frame and each layer skb_pull()s its header.
//
// Ownership (the rule every layer follows): an skb has exactly one owner. Every function
// that takes an skb to send or deliver it (*_output, *_xmit, *_rcv, dev_queue_xmit,
// netif_receive_skb, ndo_start_xmit when it returns NETDEV_TX_OK) consumes it, on success
// and on error. The pool counters (skb_stats) make a leak visible.
#pragma once
#include "../types.h"

#define SKB_BUF_SIZE 2048  // data area; the e1000 RX buffer size (RCTL.BSIZE = 2048)
#define MAX_HEADER   128   // headroom callers reserve for eth + ip + transport headers
#define NSKB         1024  // buffers in the pool

struct net_device;
struct socket;

struct sk_buff {
  struct sk_buff *next;  // link in one sk_buff_head at a time
  uchar *head, *data, *tail, *end;
  uint len;  // tail - data
  struct net_device *dev;
  uint16 protocol;    // EtherType, host order (set by eth layer)
  uchar *mac_header;  // set as layers parse or build
  uchar *network_header;
  uchar *transport_header;
  uint32 nexthop;     // IPv4 next hop (network order) for neigh_output
  struct socket *sk;  // the sending socket, for errors found later (ARP failure),
                      // or 0; set by the protocol that allocates a TX skb
  int xmit_more;      // TX: another frame follows at once, so the driver may leave the
                      // doorbell to that one (dev.c sets it; Linux's netdev_xmit_more)
  int trace;          // packet-path trace on for this packet
  char path[200];     // the stations this packet passed, for the trace
};

struct sk_buff_head {
  struct sk_buff *head, *tail;
  uint qlen;
};

struct skb_stats {
  uint64 inuse, free, alloc_fail, allocs, frees;
};

void skb_init(void);
struct sk_buff *alloc_skb(void);  // empty buffer, data == head; 0 when the pool is empty
void kfree_skb(struct sk_buff *skb);
uchar *skb_pull(struct sk_buff *skb, uint len);       // strip: data += len; 0 if len > skb->len
void skb_trim(struct sk_buff *skb, uint len);         // cut the packet to len bytes
struct sk_buff *skb_clone_copy(struct sk_buff *skb);  // a full copy, 0 if the pool is empty
void skb_get_stats(struct skb_stats *st);

// The pointer moves every layer makes on every packet, static inline: under QEMU a call
// and its return each cost a lookup of the next block of translated code, about as much
// as the few instructions here.
void panic(const char *msg) __attribute__((noreturn));  // defs.h

static inline uint
skb_headroom(struct sk_buff *skb)
{
  return skb->data - skb->head;
}

static inline uint
skb_tailroom(struct sk_buff *skb)
{
  return skb->end - skb->tail;
}

// Make room for headers in an empty skb: data and tail move len bytes forward.
static inline void
skb_reserve(struct sk_buff *skb, uint len)
{
  if (skb->len != 0 || len > skb_tailroom(skb))
    panic("skb_reserve");
  skb->data += len;
  skb->tail += len;
}

// Prepend len bytes (a header); returns the new data pointer.
static inline uchar *
skb_push(struct sk_buff *skb, uint len)
{
  if (len > skb_headroom(skb))
    panic("skb_push: no headroom");
  skb->data -= len;
  skb->len += len;
  return skb->data;
}

// Append len bytes; returns a pointer to them (the old tail).
static inline uchar *
skb_put(struct sk_buff *skb, uint len)
{
  uchar *p = skb->tail;

  if (len > skb_tailroom(skb))
    panic("skb_put: no tailroom");
  skb->tail += len;
  skb->len += len;
  return p;
}

// Queues (not locked: the caller holds the lock of the structure the queue lives in).
void skb_queue_init(struct sk_buff_head *q);
void skb_queue_head(struct sk_buff_head *q, struct sk_buff *skb);  // put back at the front
void skb_queue_purge(struct sk_buff_head *q);                      // free everything queued

// Append skb at the tail of q. (Inline, as the dequeue: each sent frame passes txq.)
static inline void
skb_queue_tail(struct sk_buff_head *q, struct sk_buff *skb)
{
  skb->next = 0;
  if (q->tail)
    q->tail->next = skb;
  else
    q->head = skb;
  q->tail = skb;
  q->qlen++;
}

// Remove and return the first skb of q, or 0 if q is empty.
static inline struct sk_buff *
skb_dequeue(struct sk_buff_head *q)
{
  struct sk_buff *skb = q->head;

  if (skb == 0)
    return 0;
  q->head = skb->next;
  if (q->head == 0)
    q->tail = 0;
  q->qlen--;
  skb->next = 0;
  return skb;
}

// Packet-path trace (net/dev.c): net_trace(skb, "ip_output") records a station; the last
// station prints the whole line on the console when the trace is switched on. Every
// station calls it, so the test of the switch is inline and costs no call while it is off.
extern int net_trace_on;
void net_trace_record(struct sk_buff *skb, const char *station);

static inline void
net_trace(struct sk_buff *skb, const char *station)
{
  if (net_trace_on && skb != 0)
    net_trace_record(skb, station);
}
void net_trace_print(struct sk_buff *skb, const char *dir, const char *suffix);
