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
void skb_reserve(struct sk_buff *skb, uint len);  // grow headroom of an empty skb
uchar *skb_push(struct sk_buff *skb, uint len);   // prepend: data -= len
uchar *skb_pull(struct sk_buff *skb, uint len);   // strip: data += len; 0 if len > skb->len
uchar *skb_put(struct sk_buff *skb, uint len);    // append: tail += len
void skb_trim(struct sk_buff *skb, uint len);     // cut the packet to len bytes
uint skb_headroom(struct sk_buff *skb);
uint skb_tailroom(struct sk_buff *skb);
struct sk_buff *skb_clone_copy(struct sk_buff *skb);  // a full copy, 0 if the pool is empty
void skb_get_stats(struct skb_stats *st);

// Queues (not locked: the caller holds the lock of the structure the queue lives in).
void skb_queue_init(struct sk_buff_head *q);
void skb_queue_tail(struct sk_buff_head *q, struct sk_buff *skb);
void skb_queue_head(struct sk_buff_head *q, struct sk_buff *skb);  // put back at the front
struct sk_buff *skb_dequeue(struct sk_buff_head *q);
void skb_queue_purge(struct sk_buff_head *q);  // free everything queued

// Packet-path trace (net/dev.c): net_trace(skb, "ip_output") records a station; the last
// station prints the whole line on the console when the trace is switched on.
extern int net_trace_on;
void net_trace(struct sk_buff *skb, const char *station);
void net_trace_print(struct sk_buff *skb, const char *dir, const char *suffix);
