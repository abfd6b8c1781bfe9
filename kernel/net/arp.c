// ARP (RFC 826) for IPv4 over Ethernet, and the neighbour cache.
//
// The cache is a table of NARP entries, each FREE, RESOLVING (a request is out; packets
// wait on its pending queue), VALID (the MAC is known, for arp_timeout ticks) or EXPIRED
// (the MAC is stale; the next packet resolves it again). neigh_output looks the next hop
// up; arp_rcv learns from what it hears and answers requests for our address; arp_timer
// re-sends requests, gives up after ARP_RETRIES and ages valid entries. An entry that
// packets went through is asked for again a quarter of its lifetime before it ends, while
// it stays VALID, so that the answer renews it before a busy sender's packets would
// have to wait for a new resolution (at ARP_QMAX they fail with ENOBUFS): RFC 1122
// 2.3.2.1 lets a host revalidate an entry in use; Linux does it for a stale entry.
//
// Locking: arp_lock guards arp_table and arp_timeout. Frames are sent with arp_lock
// released; errors are reported to sockets (sock_set_error) with it held, so a socket
// cannot be freed meanwhile (udp/raw release call arp_forget_sock first).
#include "../types.h"
#include "../defs.h"
#include "../errno.h"
#include "../spinlock.h"
#include "skbuff.h"
#include "netdevice.h"
#include "sock.h"
#include "net.h"
#include "wire.h"
#include "ether.h"
#include "ip.h"
#include "arp.h"

struct arp_entry {
  uint32 ip;                    // network order
  uchar mac[ETH_ALEN];          // its Ethernet address (VALID, EXPIRED)
  int state;                    // ARP_STATE_* (netctl.h)
  uint64 stamp;                 // ticks: VALID when confirmed, RESOLVING when last asked
  int retries;                  // requests re-sent so far
  int used;                     // VALID: a packet went through since it was confirmed
  uint64 renewed;               // the stamp arp_timer last asked again for (once each)
  struct sk_buff_head pending;  // packets waiting for the reply
};

static struct spinlock arp_lock;
static struct arp_entry arp_table[NARP];          // guarded by arp_lock
static uint64 arp_timeout = ARP_TIMEOUT_DEFAULT;  // guarded by arp_lock

// Free the packets waiting on e and tell their sockets err (0: tell no one).
static void
arp_drop_pending(struct arp_entry *e, int err)
{
  struct sk_buff *skb;

  while ((skb = skb_dequeue(&e->pending)) != 0) {
    if (err && skb->sk)
      sock_set_error(skb->sk, err);
    NETSTAT_INC(arp_resolve_fail);
    kfree_skb(skb);
  }
}

// Make e free, failing its queued packets with EHOSTUNREACH.
static void
arp_entry_free(struct arp_entry *e)
{
  arp_drop_pending(e, EHOSTUNREACH);
  e->state = ARP_STATE_FREE;
  e->ip = 0;
  e->retries = 0;
  e->used = 0;
}

// Build an ARP packet (op, to target tha/tip) in a fresh skb; 0 if none is free.
static struct sk_buff *
arp_build(int op, const uchar *tha, uint32 tip)
{
  struct net_device *dev = netdev_get();
  struct sk_buff *skb;
  struct arphdr *ah;

  if (dev == 0 || (skb = alloc_skb()) == 0)
    return 0;
  skb->sk = 0;
  skb_reserve(skb, MAX_HEADER);
  ah = (struct arphdr *)skb_put(skb, sizeof(*ah));
  ah->ar_hrd = htons(ARPHRD_ETHER);
  ah->ar_pro = htons(ETH_P_IP);
  ah->ar_hln = ETH_ALEN;
  ah->ar_pln = 4;
  ah->ar_op = htons(op);
  memmove(ah->ar_sha, dev->dev_addr, ETH_ALEN);
  ah->ar_sip = netcfg.addr;
  memmove(ah->ar_tha, tha, ETH_ALEN);
  ah->ar_tip = tip;
  return skb;
}

// Broadcast a request for tip (RFC 826: target hardware address unknown, zero).
static void
arp_send_request(uint32 tip)
{
  static const uchar zero[ETH_ALEN];
  struct sk_buff *skb = arp_build(ARPOP_REQUEST, zero, tip);

  if (skb == 0)
    return;
  net_trace(skb, "arp_send_request");
  NETSTAT_INC(arp_requests_out);
  eth_output(skb, eth_broadcast, ETH_P_ARP);
}

// Answer the request ah, unicast to its sender.
static void
arp_send_reply(struct arphdr *ah)
{
  struct sk_buff *skb = arp_build(ARPOP_REPLY, ah->ar_sha, ah->ar_sip);

  if (skb == 0)
    return;
  net_trace(skb, "arp_send_reply");
  NETSTAT_INC(arp_replies_out);
  eth_output(skb, ah->ar_sha, ETH_P_ARP);
}

// Check an ARP packet (RFC 826 packet format, Ethernet/IPv4 only); -1 if bad.
static int
arp_check(struct sk_buff *skb)
{
  struct arphdr *ah = (struct arphdr *)skb->data;
  int op;

  if (skb->len < sizeof(*ah))
    return -1;
  op = ntohs(ah->ar_op);
  if (ntohs(ah->ar_hrd) != ARPHRD_ETHER || ntohs(ah->ar_pro) != ETH_P_IP)
    return -1;
  if (ah->ar_hln != ETH_ALEN || ah->ar_pln != 4)
    return -1;
  if (op != ARPOP_REQUEST && op != ARPOP_REPLY)
    return -1;
  if (ah->ar_sha[0] & 1)  // a group address is no station's address
    return -1;
  return 0;
}

// LAB arp BEGIN
// LAB-HINT: helpers for the cache, all called with arp_lock held: find the entry of an
// LAB-HINT: address; take an entry for a new address (a FREE one, else the stalest; free
// LAB-HINT: it with arp_entry_free); queue a packet on a RESOLVING entry; learn a MAC
// LAB-HINT: (entry VALID, stamp = ticks, then eth_output its pending packets unlocked).
// The entry for ip, or 0. Caller holds arp_lock.
static struct arp_entry *
arp_find(uint32 ip)
{
  for (int i = 0; i < NARP; i++)
    if (arp_table[i].state != ARP_STATE_FREE && arp_table[i].ip == ip)
      return &arp_table[i];
  return 0;
}

// How willingly an entry is given up: free first, then expired, valid, resolving.
static int
arp_rank(struct arp_entry *e)
{
  static const int rank[] = {
    [ARP_STATE_FREE] = 0,
    [ARP_STATE_EXPIRED] = 1,
    [ARP_STATE_VALID] = 2,
    [ARP_STATE_RESOLVING] = 3,
  };
  return rank[e->state];
}

// Take an entry for ip: the most willing one (arp_rank), the oldest among equals; its
// waiting packets fail. Caller holds arp_lock.
static struct arp_entry *
arp_alloc(uint32 ip)
{
  struct arp_entry *e, *victim = arp_table;

  for (e = arp_table + 1; e < arp_table + NARP; e++) {
    if (arp_rank(e) < arp_rank(victim) ||
        (arp_rank(e) == arp_rank(victim) && e->stamp < victim->stamp))
      victim = e;
  }
  arp_entry_free(victim);
  victim->ip = ip;
  victim->state = ARP_STATE_RESOLVING;
  victim->stamp = ticks;
  return victim;
}

// Queue skb on the entry for ip (making one if needed). Caller holds arp_lock.
// Returns 1 when a request must be sent, 0 when queued, -ENOBUFS when the queue is full.
static int
arp_enqueue(struct arp_entry *e, uint32 ip, struct sk_buff *skb)
{
  int ask = 0;

  if (e == 0) {
    e = arp_alloc(ip);
    ask = 1;
  } else if (e->state != ARP_STATE_RESOLVING) {  // expired: ask again
    e->state = ARP_STATE_RESOLVING;
    e->stamp = ticks;
    e->retries = 0;
    ask = 1;
  }
  if (e->pending.qlen >= ARP_QMAX) {
    NETSTAT_INC(arp_queue_full);
    kfree_skb(skb);
    return -ENOBUFS;
  }
  skb_queue_tail(&e->pending, skb);
  return ask;
}

// Learn that ip is at mac: update the entry (or make one when add is set), then send
// the packets that waited for it.
static void
arp_learn(uint32 ip, const uchar *mac, int add)
{
  struct sk_buff_head ready;
  struct arp_entry *e;
  struct sk_buff *skb;

  skb_queue_init(&ready);
  spin_lock(&arp_lock);
  e = arp_find(ip);
  if (e == 0 && add)
    e = arp_alloc(ip);
  if (e != 0) {
    memmove(e->mac, mac, ETH_ALEN);
    e->state = ARP_STATE_VALID;
    e->stamp = ticks;
    e->retries = 0;
    ready = e->pending;
    skb_queue_init(&e->pending);
  }
  spin_unlock(&arp_lock);
  while ((skb = skb_dequeue(&ready)) != 0)
    eth_output(skb, mac, ETH_P_IP);
}
// LAB arp END

// Send an IP packet to skb->nexthop: at once if its MAC is known, else after ARP.
// Consumes the skb; returns 0 (sent or queued) or -errno.
int
neigh_output(struct sk_buff *skb)
{
  net_trace(skb, "neigh_output");
  if (ip_is_broadcast(skb->nexthop))
    return eth_output(skb, eth_broadcast, ETH_P_IP);
  // LAB arp BEGIN
  // LAB-HINT: under arp_lock, look skb->nexthop up in arp_table. If it is VALID, set its
  // LAB-HINT: used (arp_timer renews entries in use), copy its MAC, release the lock and
  // LAB-HINT: eth_output(skb, mac, ETH_P_IP).
  // LAB-HINT: Otherwise queue skb on the entry's pending queue (make a RESOLVING entry if
  // LAB-HINT: there is none; at most ARP_QMAX, count arp_queue_full) and, for a new
  // LAB-HINT: resolution, arp_send_request(nexthop) after releasing the lock.
  // LAB-HINT: Until you write this part, the stub broadcasts every packet (QEMU takes
  // LAB-HINT: frames to ff:ff:ff:ff:ff:ff), so that parts tx and rx can be tested first.
  // LAB-STUB: return eth_output(skb, eth_broadcast, ETH_P_IP);
  uint32 ip = skb->nexthop;
  uchar mac[ETH_ALEN];
  struct arp_entry *e;
  int r;

  spin_lock(&arp_lock);
  e = arp_find(ip);
  if (e != 0 && e->state == ARP_STATE_VALID) {
    e->used = 1;
    memmove(mac, e->mac, ETH_ALEN);
    spin_unlock(&arp_lock);
    return eth_output(skb, mac, ETH_P_IP);
  }
  r = arp_enqueue(e, ip, skb);
  spin_unlock(&arp_lock);
  if (r == 1)
    arp_send_request(ip);
  return r < 0 ? r : 0;
  // LAB arp END
}

// Receive an ARP packet: learn the sender, answer requests for our address. Consumes.
void
arp_rcv(struct sk_buff *skb)
{
  struct arphdr *ah = (struct arphdr *)skb->data;
  int for_us;

  net_trace(skb, "arp_rcv");
  NETSTAT_INC(arp_rx);
  if (arp_check(skb) < 0) {
    NETSTAT_INC(arp_rx_bad);
    goto drop;
  }
  for_us = netcfg.addr != 0 && ah->ar_tip == netcfg.addr;
  if (ah->ar_sip != 0 && ah->ar_sip != netcfg.addr && !ip_is_broadcast(ah->ar_sip)) {
    // LAB arp BEGIN
    // LAB-HINT: RFC 826 "Packet Reception": if the sender's IP is in the cache, update its
    // LAB-HINT: MAC (merge); if we are the target, add it. A new VALID entry sends the
    // LAB-HINT: packets waiting on its pending queue.
    arp_learn(ah->ar_sip, ah->ar_sha, for_us);
    // LAB arp END
  }
  if (for_us && ntohs(ah->ar_op) == ARPOP_REQUEST) {
    NETSTAT_INC(arp_requests_in);
    arp_send_reply(ah);
  }
  net_rx_done(skb, 0);
  return;
drop:
  net_rx_done(skb, "(dropped)");
}

// Every 100 ms: re-send requests, fail entries that got no answer, age valid entries,
// and ask again for the ones in use before they expire (a lifetime under 40 ticks, set
// with `arp -t`, leaves a last quarter shorter than this period: it may be missed).
void
arp_timer(void)
{
  uint32 ask[NARP];
  int n = 0;

  spin_lock(&arp_lock);
  for (struct arp_entry *e = arp_table; e < arp_table + NARP; e++) {
    if (e->state == ARP_STATE_RESOLVING && ticks - e->stamp >= ARP_RETRY_TICKS) {
      if (e->retries >= ARP_RETRIES) {
        arp_entry_free(e);
        continue;
      }
      e->retries++;
      e->stamp = ticks;
      ask[n++] = e->ip;
    } else if (e->state == ARP_STATE_VALID && ticks - e->stamp >= arp_timeout) {
      e->state = ARP_STATE_EXPIRED;
      e->used = 0;
    } else if (e->state == ARP_STATE_VALID && e->used && e->renewed != e->stamp &&
               ticks - e->stamp >= arp_timeout - arp_timeout / 4) {
      e->renewed = e->stamp;  // once per confirmation; the reply sets a new stamp
      e->used = 0;
      ask[n++] = e->ip;
    }
  }
  spin_unlock(&arp_lock);
  for (int i = 0; i < n; i++)
    arp_send_request(ask[i]);
}

// Copy up to max cache entries (not the free ones) into out; returns the count.
int
arp_dump(struct netctl_arp *out, int max)
{
  int n = 0;

  spin_lock(&arp_lock);
  for (struct arp_entry *e = arp_table; e < arp_table + NARP && n < max; e++) {
    if (e->state == ARP_STATE_FREE)
      continue;
    memset(&out[n], 0, sizeof(out[n]));
    out[n].ip = e->ip;
    memmove(out[n].mac, e->mac, ETH_ALEN);
    out[n].state = e->state;
    out[n].age_ticks = ticks - e->stamp;
    out[n].queued = e->pending.qlen;
    out[n].retries = e->retries;
    n++;
  }
  spin_unlock(&arp_lock);
  return n;
}

// Forget every entry; packets still waiting fail with EHOSTUNREACH.
void
arp_flush(void)
{
  spin_lock(&arp_lock);
  for (int i = 0; i < NARP; i++)
    if (arp_table[i].state != ARP_STATE_FREE)
      arp_entry_free(&arp_table[i]);
  spin_unlock(&arp_lock);
}

// Set the lifetime of confirmed entries (0 = the default); returns the old one.
uint64
arp_set_timeout(uint64 t)
{
  uint64 old;

  spin_lock(&arp_lock);
  old = arp_timeout;
  arp_timeout = t ? t : ARP_TIMEOUT_DEFAULT;
  spin_unlock(&arp_lock);
  return old;
}

// Clear every reference to so from the packets waiting for resolution.
void
arp_forget_sock(struct socket *so)
{
  spin_lock(&arp_lock);
  for (int i = 0; i < NARP; i++)
    for (struct sk_buff *skb = arp_table[i].pending.head; skb != 0; skb = skb->next)
      if (skb->sk == so)
        skb->sk = 0;
  spin_unlock(&arp_lock);
}

// Start ARP: an empty cache, registered with the Ethernet demux.
void
arp_init(void)
{
  spin_init(&arp_lock, "arp");
  for (int i = 0; i < NARP; i++) {
    arp_table[i].state = ARP_STATE_FREE;
    skb_queue_init(&arp_table[i].pending);
  }
  arp_timeout = ARP_TIMEOUT_DEFAULT;
  eth_add_handler(ETH_P_ARP, arp_rcv);
}
