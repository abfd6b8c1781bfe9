// ICMP (RFC 792): echo replies, destination unreachable (sent and received), and raw
// ICMP sockets for the user's ping.
//
// icmp_rcv checks the message, gives a copy of the whole IP packet to every raw socket
// (as Linux raw sockets do), answers echo requests and passes destination unreachable
// up to the transport that sent the quoted packet (through the IP protocol table's
// err_handler). icmp_send_unreach answers a packet nobody wanted.
// Raw sockets (raw_ops): sendmsg sends the user's ICMP message in an IP packet; recvmsg
// returns one received IP packet, IP header included.
//
// Locking: raw_lock guards raw_socks (the list of raw sockets, linked by hash_next); a
// raw socket's laddr, faddr and connected change under raw_lock and so->lock both, so
// raw_deliver can match holding raw_lock alone.
#include "../types.h"
#include "../defs.h"
#include "../errno.h"
#include "../spinlock.h"
#include "skbuff.h"
#include "netdevice.h"
#include "sock.h"
#include "in.h"
#include "net.h"
#include "wire.h"
#include "ip.h"
#include "arp.h"

static struct spinlock raw_lock;
static struct socket *raw_socks;  // guarded by raw_lock

// A fresh skb holding a copy of len bytes at src, with headroom for the headers.
static struct sk_buff *
icmp_copy(const void *src, uint len)
{
  struct sk_buff *skb;

  if (len > SKB_BUF_SIZE - MAX_HEADER || (skb = alloc_skb()) == 0)
    return 0;
  skb->sk = 0;
  skb_reserve(skb, MAX_HEADER);
  memmove(skb_put(skb, len), src, len);
  return skb;
}

// Answer an echo request (skb->data is its ICMP header) with the same id, sequence and
// data (RFC 792 "Echo or Echo Reply Message").
static void
icmp_echo_reply(struct sk_buff *skb)
{
  struct iphdr *ip = (struct iphdr *)skb->network_header;
  struct sk_buff *r = icmp_copy(skb->data, skb->len);
  struct icmphdr *ic;

  if (r == 0)
    return;
  net_trace(r, "icmp_echo_reply");
  ic = (struct icmphdr *)r->data;
  ic->type = ICMP_ECHOREPLY;
  ic->code = 0;
  ic->checksum = 0;
  ic->checksum = inet_csum(ic, r->len);
  NETSTAT_INC(icmp_echo_out);
  ip_queue_xmit(r, ip->daddr, ip->saddr, IPPROTO_ICMP);
}

// Does saddr name one other host we could answer? Not 0, a broadcast, multicast (224/4),
// reserved (240/4), loopback, or ourselves (RFC 1122 3.2.2, 3.2.2.6).
static int
icmp_source_ok(uint32 saddr)
{
  uchar first = ((uchar *)&saddr)[0];

  if (saddr == 0 || saddr == netcfg.addr || ip_is_broadcast(saddr))
    return 0;
  return first < 224 && first != 127;
}

// Send destination unreachable (code) about the received packet in skb, quoting its IP
// header and the first 8 bytes of its data. Does not consume skb.
void
icmp_send_unreach(struct sk_buff *skb, int code)
{
  struct iphdr *ip = (struct iphdr *)skb->network_header;
  uint qlen = IP_HL(ip) + 8;
  struct sk_buff *r;
  struct icmphdr *ic;

  if (ip_is_broadcast(ip->daddr) || !icmp_source_ok(ip->saddr))
    return;  // never about a broadcast (RFC 1122 3.2.2)
  if (qlen > ntohs(ip->tot_len))
    qlen = ntohs(ip->tot_len);
  if ((r = icmp_copy(ip, qlen)) == 0)
    return;
  ic = (struct icmphdr *)skb_push(r, ICMP_HLEN);
  memset(ic, 0, ICMP_HLEN);  // id and sequence are "unused" here
  ic->type = ICMP_DEST_UNREACH;
  ic->code = code;
  ic->checksum = inet_csum(ic, r->len);
  net_trace(r, "icmp_send_unreach");
  NETSTAT_INC(icmp_unreach_out);
  ip_queue_xmit(r, 0, ip->saddr, IPPROTO_ICMP);
}

// A destination unreachable arrived: tell the transport that sent the quoted packet.
static void
icmp_unreach(struct sk_buff *skb)
{
  struct icmphdr *ic = (struct icmphdr *)skb->data;
  struct iphdr *quoted = (struct iphdr *)(skb->data + ICMP_HLEN);
  uint len = skb->len - ICMP_HLEN;
  const struct net_protocol *p;
  int err;

  NETSTAT_INC(icmp_unreach_in);
  if (len < IP_HLEN || IP_VER(quoted) != IP_VERSION || IP_HL(quoted) < IP_HLEN ||
      len < IP_HL(quoted) + 8)
    return;  // RFC 792: the header and 64 bits of data
  if (quoted->saddr != netcfg.addr)
    return;  // not about a packet of ours
  err = EHOSTUNREACH;
  if (ic->code == ICMP_PORT_UNREACH || ic->code == ICMP_PROT_UNREACH)
    err = ECONNREFUSED;
  else if (ic->code == ICMP_NET_UNREACH)
    err = ENETUNREACH;
  p = inet_get_protocol(quoted->protocol);
  if (p != 0 && p->err_handler != 0)
    p->err_handler(quoted, len, err);
}

// Would the raw socket so take this packet? Caller holds raw_lock.
static int
raw_match(struct socket *so, struct iphdr *ip)
{
  if (so->laddr != 0 && so->laddr != ip->daddr)
    return 0;
  return !so->connected || so->faddr == ip->saddr;
}

// Give a copy of the IP packet around skb to every raw socket that wants it.
static void
raw_deliver(struct sk_buff *skb)
{
  struct iphdr *ip = (struct iphdr *)skb->network_header;
  struct sk_buff *copy;

  spin_lock(&raw_lock);
  for (struct socket *so = raw_socks; so != 0; so = so->hash_next) {
    if (!raw_match(so, ip))
      continue;
    if ((copy = icmp_copy(ip, ntohs(ip->tot_len))) == 0)
      break;
    copy->network_header = copy->data;
    copy->transport_header = copy->data + IP_HL(ip);
    sock_queue_rcv(so, copy);
  }
  spin_unlock(&raw_lock);
}

// Receive an ICMP message (skb->data is the ICMP header). Consumes the skb.
void
icmp_rcv(struct sk_buff *skb)
{
  struct iphdr *ip = (struct iphdr *)skb->network_header;
  struct icmphdr *ic = (struct icmphdr *)skb->data;

  net_trace(skb, "icmp_rcv");
  NETSTAT_INC(icmp_rx);
  if (skb->len < ICMP_HLEN || inet_csum(skb->data, skb->len) != 0) {
    NETSTAT_INC(icmp_rx_bad);
    goto drop;
  }
  raw_deliver(skb);
  if (ic->type == ICMP_ECHO && ic->code == 0) {
    NETSTAT_INC(icmp_echo_in);
    if (!ip_is_broadcast(ip->daddr) && icmp_source_ok(ip->saddr))
      icmp_echo_reply(skb);  // like Linux, broadcast pings are not answered
  } else if (ic->type == ICMP_DEST_UNREACH) {
    icmp_unreach(skb);
  }
  net_rx_done(skb, 0);
  return;
drop:
  net_rx_done(skb, "(dropped)");
}

// Put so on the raw socket list if it is not there yet (done at its first use, since
// proto_ops has no creation hook).
static void
raw_attach(struct socket *so)
{
  struct socket *s;

  spin_lock(&raw_lock);
  for (s = raw_socks; s != 0 && s != so; s = s->hash_next)
    ;
  if (s == 0) {
    so->hash_next = raw_socks;
    raw_socks = so;
  }
  spin_unlock(&raw_lock);
}

// bind: only our address (or any) can be the local address.
static int
raw_bind(struct socket *so, struct sockaddr_in *addr)
{
  uint32 a = addr->sin_addr.s_addr;

  if (a != INADDR_ANY && a != netcfg.addr)
    return -EADDRNOTAVAIL;
  raw_attach(so);
  spin_lock(&raw_lock);  // raw_match reads the addresses under raw_lock alone
  spin_lock(&so->lock);
  so->laddr = a;
  spin_unlock(&so->lock);
  spin_unlock(&raw_lock);
  return 0;
}

// connect: the default destination, and receive only from it.
static int
raw_connect(struct socket *so, struct sockaddr_in *addr)
{
  raw_attach(so);
  spin_lock(&raw_lock);
  spin_lock(&so->lock);
  so->faddr = addr->sin_addr.s_addr;
  so->connected = so->faddr != 0;
  spin_unlock(&so->lock);
  spin_unlock(&raw_lock);
  return 0;
}

// Check the user's ICMP message in skb: compute a zero checksum, refuse a wrong one.
static int
raw_check_icmp(struct sk_buff *skb)
{
  struct icmphdr *ic = (struct icmphdr *)skb->data;

  if (ic->checksum == 0) {
    ic->checksum = inet_csum(ic, skb->len);
    return 0;
  }
  return inet_csum(ic, skb->len) == 0 ? 0 : -EINVAL;
}

// The destination of a send: to, else the connected address.
static int
raw_dest(struct socket *so, struct sockaddr_in *to, uint32 *daddr)
{
  int r = 0;

  spin_lock(&so->lock);
  if (to != 0)
    *daddr = to->sin_addr.s_addr;
  else if (so->connected)
    *daddr = so->faddr;
  else
    r = -EDESTADDRREQ;
  if (r == 0 && ip_is_broadcast(*daddr) && !so->broadcast)
    r = -EACCES;
  spin_unlock(&so->lock);
  return r;
}

// Send the user's ICMP message (header and data, len bytes) to its destination.
static int
raw_sendmsg(struct socket *so, uint64 ubuf, int len, struct sockaddr_in *to, int flags)
{
  struct net_device *dev = netdev_get();
  struct sk_buff *skb;
  uint32 daddr = 0;  // set by raw_dest when it returns 0
  int r;

  raw_attach(so);
  if (len < ICMP_HLEN)
    return -EINVAL;
  if (len > ETH_DATA_LEN - IP_HLEN)
    return -EMSGSIZE;
  if ((r = raw_dest(so, to, &daddr)) < 0)
    return r;
  if (dev == 0)
    return -ENETUNREACH;
  if ((r = dev_tx_wait_room(dev, so->nonblock || (flags & MSG_DONTWAIT))) < 0)
    return r;
  if ((skb = alloc_skb()) == 0)
    return -ENOBUFS;
  sock_trace_tx(skb, flags);
  net_trace(skb, "raw_sendmsg");
  skb_reserve(skb, MAX_HEADER);
  r = copy_from_user(skb_put(skb, len), ubuf, len);
  if (r == 0)
    r = raw_check_icmp(skb);
  if (r < 0) {
    kfree_skb(skb);
    return r;
  }
  skb->sk = so;
  if ((r = ip_queue_xmit(skb, so->laddr, daddr, IPPROTO_ICMP)) < 0)
    return r;
  return len;
}

// Receive one IP packet (IP header included), truncated to len; from = its source.
static int
raw_recvmsg(struct socket *so, uint64 ubuf, int len, struct sockaddr_in *from, int flags)
{
  struct sk_buff *skb;
  struct iphdr *ip;
  int r;

  raw_attach(so);
  if ((skb = skb_recv_datagram(so, flags, &r)) == 0)
    return r;
  ip = (struct iphdr *)skb->data;
  if (from != 0) {
    memset(from, 0, sizeof(*from));
    from->sin_family = AF_INET;
    from->sin_addr.s_addr = ip->saddr;
  }
  r = len < skb->len ? len : skb->len;
  if (copy_to_user(ubuf, skb->data, r) < 0)
    r = -EFAULT;
  kfree_skb(skb);
  return r;
}

// Close: leave the raw list, forget queued packets.
static void
raw_release(struct socket *so)
{
  struct socket **pp;

  spin_lock(&raw_lock);
  for (pp = &raw_socks; *pp != 0; pp = &(*pp)->hash_next) {
    if (*pp == so) {
      *pp = so->hash_next;
      break;
    }
  }
  spin_unlock(&raw_lock);
  arp_forget_sock(so);
  spin_lock(&so->lock);
  skb_queue_purge(&so->rcvq);
  spin_unlock(&so->lock);
}

const struct proto_ops raw_ops = {
  .bind = raw_bind,
  .connect = raw_connect,
  .sendmsg = raw_sendmsg,
  .recvmsg = raw_recvmsg,
  .release = raw_release,
};

static const struct net_protocol icmp_protocol = {
  .handler = icmp_rcv,
};

// Start ICMP: register with the IP demux.
void
icmp_init(void)
{
  spin_init(&raw_lock, "raw");
  raw_socks = 0;
  inet_add_protocol(IPPROTO_ICMP, &icmp_protocol);
}
