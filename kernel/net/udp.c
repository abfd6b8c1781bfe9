// UDP (RFC 768): the port table, datagram sockets (udp_ops) and receive demux.
//
// Send: udp_sendmsg copies the user's payload once into a fresh skb (headroom reserved
// for every header below), prepends the UDP header with its checksum and calls
// ip_queue_xmit. Receive: udp_rcv checks length and checksum, finds the socket bound to
// the destination port (connected sockets only take their peer's datagrams) and queues
// the packet with sock_queue_rcv; for no socket it answers ICMP port unreachable.
//
// Locking: udp_lock guards udp_hash; the address fields of a socket in it (laddr, lport,
// faddr, fport, connected) change only under udp_lock and so->lock both, so udp_rcv can
// demux holding udp_lock alone. udp_lock is taken before a socket's lock, never after.
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
#include "udp.h"

static struct spinlock udp_lock;
static struct socket *udp_hash[UDP_HASH];  // bound sockets by port; guarded by udp_lock
static uint udp_next_port;                 // next ephemeral port to try; udp_lock

// The chain of sockets bound to port (network order).
static struct socket **
udp_chain(uint16 port)
{
  return &udp_hash[ntohs(port) % UDP_HASH];
}

// Is port taken for laddr (a socket on it with the same or a wildcard address)?
// Caller holds udp_lock.
static int
udp_port_used(uint32 laddr, uint16 port)
{
  for (struct socket *so = *udp_chain(port); so != 0; so = so->hash_next)
    if (so->lport == port && (so->laddr == 0 || laddr == 0 || so->laddr == laddr))
      return 1;
  return 0;
}

// A free ephemeral port (network order) for laddr, or 0. Caller holds udp_lock.
static uint16
udp_ephemeral(uint32 laddr)
{
  uint n = UDP_PORT_EPHEMERAL_HI - UDP_PORT_EPHEMERAL_LO + 1;

  for (uint i = 0; i < n; i++) {
    uint16 port = htons(UDP_PORT_EPHEMERAL_LO + udp_next_port % n);
    udp_next_port++;
    if (!udp_port_used(laddr, port))
      return port;
  }
  return 0;
}

// Bind so to laddr:port (port 0: an ephemeral one) and enter it in the port table.
// Caller holds udp_lock.
static int
udp_hash_insert(struct socket *so, uint32 laddr, uint16 port)
{
  if (so->lport != 0)
    return -EINVAL;  // bound already
  if (port == 0 && (port = udp_ephemeral(laddr)) == 0)
    return -EADDRINUSE;
  if (udp_port_used(laddr, port))
    return -EADDRINUSE;
  spin_lock(&so->lock);
  so->laddr = laddr;
  so->lport = port;
  spin_unlock(&so->lock);
  so->hash_next = *udp_chain(port);
  *udp_chain(port) = so;
  return 0;
}

// bind(2): the local address must be ours (or any, or a broadcast address).
static int
udp_bind(struct socket *so, struct sockaddr_in *addr)
{
  uint32 a = addr->sin_addr.s_addr;
  int r;

  if (a != INADDR_ANY && a != netcfg.addr && !ip_is_broadcast(a))
    return -EADDRNOTAVAIL;
  spin_lock(&udp_lock);
  r = udp_hash_insert(so, a, addr->sin_port);
  spin_unlock(&udp_lock);
  return r;
}

// Give an unbound socket an ephemeral port (sending or connecting binds implicitly).
static inline int
udp_autobind(struct socket *so)
{
  int r = 0;

  if (__atomic_load_n(&so->lport, __ATOMIC_ACQUIRE) != 0)
    return 0;  // bound already (a bound port never changes): no lock on every send
  spin_lock(&udp_lock);
  if (so->lport == 0)
    r = udp_hash_insert(so, INADDR_ANY, 0);
  spin_unlock(&udp_lock);
  return r;
}

// connect(2): fix the peer; afterwards only its datagrams are received.
// AF_UNSPEC (family 0) dissolves the association.
static int
udp_connect(struct socket *so, struct sockaddr_in *addr)
{
  uint32 nexthop;
  int r;

  if (addr->sin_family == 0) {
    spin_lock(&udp_lock);  // udp_lookup reads the peer under udp_lock alone
    spin_lock(&so->lock);
    so->faddr = 0;
    so->fport = 0;
    so->connected = 0;
    spin_unlock(&so->lock);
    spin_unlock(&udp_lock);
    return 0;
  }
  if (addr->sin_port == 0)
    return -EINVAL;
  if (ip_route(addr->sin_addr.s_addr, &nexthop) < 0)
    return -ENETUNREACH;
  if (ip_is_broadcast(addr->sin_addr.s_addr) && !so->broadcast)
    return -EACCES;
  if ((r = udp_autobind(so)) < 0)
    return r;
  spin_lock(&udp_lock);
  spin_lock(&so->lock);
  so->faddr = addr->sin_addr.s_addr;
  so->fport = addr->sin_port;
  so->connected = 1;
  spin_unlock(&so->lock);
  spin_unlock(&udp_lock);
  return 0;
}

// The addresses of a send: from the socket, and to `to` or the connected peer.
static int
udp_dest(struct socket *so, struct sockaddr_in *to, uint32 *saddr, uint32 *daddr, uint16 *dport)
{
  int r = 0;

  *daddr = 0;
  *dport = 0;
  spin_lock(&so->lock);
  if (to != 0) {
    *daddr = to->sin_addr.s_addr;
    *dport = to->sin_port;
  } else if (so->connected) {
    *daddr = so->faddr;
    *dport = so->fport;
  } else {
    r = -EDESTADDRREQ;
  }
  *saddr = (so->laddr == 0 || ip_is_broadcast(so->laddr)) ? netcfg.addr : so->laddr;
  if (r == 0 && *dport == 0)
    r = -EINVAL;
  if (r == 0 && ip_is_broadcast(*daddr) && !so->broadcast)
    r = -EACCES;  // SO_BROADCAST first, as on Linux
  spin_unlock(&so->lock);
  return r;
}

// Prepend the UDP header (skb->data is the payload, whose csum_partial is payload_sum)
// with its checksum (RFC 768): pseudo-header, header and payload. The header's own words
// are the two ports and the length (the checksum field counts as 0), added here directly.
static void
udp_push_header(struct sk_buff *skb, uint32 saddr, uint16 sport, uint32 daddr, uint16 dport,
                uint32 payload_sum)
{
  struct udphdr *uh = (struct udphdr *)skb_push(skb, UDP_HLEN);
  uint32 sum;

  uh->source = sport;
  uh->dest = dport;
  uh->len = htons(skb->len);
  sum = csum_pseudo(saddr, daddr, IPPROTO_UDP, skb->len) + payload_sum;
  sum += ntohs(sport) + ntohs(dport) + skb->len;
  uh->check = csum_fold(sum);
  if (uh->check == 0)
    uh->check = 0xffff;  // RFC 768: 0 would mean "no checksum"
}

// Send one datagram of len bytes from user memory to `to` (or the connected peer).
static int
udp_sendmsg(struct socket *so, uint64 ubuf, int len, struct sockaddr_in *to, int flags)
{
  struct net_device *dev = netdev_get();
  uint32 saddr, daddr, sum = 0;
  struct sk_buff *skb;
  uint16 dport;
  int r;

  if (len < 0)
    return -EINVAL;
  if (len > UDP_MAX_PAYLOAD)
    return -EMSGSIZE;  // we do not fragment
  if ((r = udp_dest(so, to, &saddr, &daddr, &dport)) < 0 || (r = udp_autobind(so)) < 0)
    return r;
  if (dev == 0)
    return -ENETUNREACH;
  if ((r = dev_tx_wait_room(dev, so->nonblock || (flags & MSG_DONTWAIT))) < 0)
    return r;  // back-pressure: wait for the TX queue
  if ((skb = alloc_skb()) == 0)
    return -ENOBUFS;
  sock_trace_tx(skb, flags);
  net_trace(skb, "udp_sendmsg");
  skb_reserve(skb, MAX_HEADER);
  // Copied in and summed for the checksum in one pass over the payload.
  if (csum_copy_from_user(skb_put(skb, len), ubuf, len, &sum) < 0) {
    kfree_skb(skb);
    return -EFAULT;
  }
  udp_push_header(skb, saddr, so->lport, daddr, dport, sum);
  skb->sk = so;
  if ((r = ip_queue_xmit(skb, saddr, daddr, IPPROTO_UDP)) < 0)
    return r;
  NETSTAT_INC(udp_tx);  // socket.c counts so->tx_packets
  return len;
}

// Take one datagram off the queue: copy at most len bytes of it (the rest is lost, as
// on Linux) and say where it came from.
static int
udp_recvmsg(struct socket *so, uint64 ubuf, int len, struct sockaddr_in *from, int flags)
{
  struct sk_buff *skb;
  struct iphdr *ip;
  struct udphdr *uh;
  int r;

  if ((skb = skb_recv_datagram(so, flags, &r)) == 0)
    return r;
  ip = (struct iphdr *)skb->network_header;
  uh = (struct udphdr *)skb->transport_header;
  if (from != 0) {
    memset(from, 0, sizeof(*from));
    from->sin_family = AF_INET;
    from->sin_port = uh->source;
    from->sin_addr.s_addr = ip->saddr;
  }
  r = len < skb->len ? len : skb->len;
  if (r > 0 && copy_to_user(ubuf, skb->data, r) < 0)
    r = -EFAULT;
  kfree_skb(skb);
  return r;
}

// Close: leave the port table, forget queued packets.
static void
udp_release(struct socket *so)
{
  struct socket **pp;

  spin_lock(&udp_lock);
  if (so->lport != 0) {
    for (pp = udp_chain(so->lport); *pp != 0; pp = &(*pp)->hash_next) {
      if (*pp == so) {
        *pp = so->hash_next;
        break;
      }
    }
  }
  spin_unlock(&udp_lock);
  arp_forget_sock(so);
  spin_lock(&so->lock);
  so->lport = 0;
  skb_queue_purge(&so->rcvq);
  spin_unlock(&so->lock);
}

// Check the UDP header at skb->data (length, checksum) and trim the packet to the UDP
// length. Counts and returns -1 if bad.
static int
udp_check(struct sk_buff *skb)
{
  struct iphdr *ip = (struct iphdr *)skb->network_header;
  struct udphdr *uh = (struct udphdr *)skb->data;
  uint ulen;
  uint32 sum;

  if (skb->len < UDP_HLEN || (ulen = ntohs(uh->len)) < UDP_HLEN || ulen > skb->len) {
    NETSTAT_INC(udp_rx_bad_len);
    return -1;
  }
  skb_trim(skb, ulen);
  if (uh->check != 0) {  // RFC 768: 0 = the sender computed none
    sum = csum_pseudo(ip->saddr, ip->daddr, IPPROTO_UDP, ulen);
    if (csum_fold(csum_partial(uh, ulen, sum)) != 0) {
      NETSTAT_INC(udp_rx_bad_csum);
      return -1;
    }
  }
  return 0;
}

// LAB udprx BEGIN
// LAB-HINT: a lookup helper (udp_lock held): walk the chain *udp_chain(dport), linked by
// LAB-HINT: hash_next, for the socket that takes a datagram saddr:sport -> daddr:dport.
// The socket for a datagram saddr:sport -> daddr:dport, or 0. Caller holds udp_lock.
static struct socket *
udp_lookup(uint32 saddr, uint16 sport, uint32 daddr, uint16 dport)
{
  for (struct socket *so = *udp_chain(dport); so != 0; so = so->hash_next) {
    if (so->lport != dport || (so->laddr != 0 && so->laddr != daddr))
      continue;
    if (so->connected && (so->faddr != saddr || so->fport != sport))
      continue;
    return so;
  }
  return 0;
}
// LAB udprx END

// Receive a UDP packet (skb->data is the UDP header): queue it on its socket.
// Consumes the skb.
void
udp_rcv(struct sk_buff *skb)
{
  net_trace(skb, "udp_rcv");
  NETSTAT_INC(udp_rx);
  if (udp_check(skb) < 0) {
    net_rx_done(skb, "(dropped)");
    return;
  }
  // LAB udprx BEGIN
  // LAB-HINT: under udp_lock, find the socket bound to the destination port (and address,
  // LAB-HINT: unless it is bound to any); a connected socket only takes datagrams from its
  // LAB-HINT: peer (faddr:fport). None: count udp_rx_no_port and icmp_send_unreach(skb,
  // LAB-HINT: ICMP_PORT_UNREACH). Found: skb_pull the UDP header and sock_queue_rcv; when
  // LAB-HINT: it refuses (-ENOBUFS) count udp_rx_queue_full. Keep udp_lock until it is queued.
  // LAB-HINT: For the trace, a path ends with net_rx_done(skb, note) (it frees skb) or,
  // LAB-HINT: for a queued skb, net_trace(skb, "sock_queue_rcv") and net_trace_print first.
  // LAB-STUB: net_rx_done(skb, "(no socket)");
  struct iphdr *ip = (struct iphdr *)skb->network_header;
  struct udphdr *uh = (struct udphdr *)skb->data;
  struct socket *so;

  spin_lock(&udp_lock);
  so = udp_lookup(ip->saddr, uh->source, ip->daddr, uh->dest);
  if (so == 0) {
    spin_unlock(&udp_lock);
    NETSTAT_INC(udp_rx_no_port);
    icmp_send_unreach(skb, ICMP_PORT_UNREACH);
    net_rx_done(skb, "(no socket)");
    return;
  }
  skb_pull(skb, UDP_HLEN);
  net_trace(skb, "sock_queue_rcv");
  net_trace_print(skb, "rx", 0);  // the socket owns it from here
  if (sock_queue_rcv(so, skb) < 0)
    NETSTAT_INC(udp_rx_queue_full);
  spin_unlock(&udp_lock);
  // LAB udprx END
}

// ICMP said a datagram we sent was not wanted: tell its socket, if it is connected to
// that peer (an unconnected socket could not tell which send failed).
static void
udp_err(const struct iphdr *quoted, uint len, int err)
{
  const struct udphdr *uh = (const struct udphdr *)((const uchar *)quoted + IP_HL(quoted));
  struct socket *so;

  if (quoted->protocol != IPPROTO_UDP || len < IP_HL(quoted) + UDP_HLEN)
    return;
  spin_lock(&udp_lock);
  for (so = *udp_chain(uh->source); so != 0; so = so->hash_next) {
    if (so->lport != uh->source || (so->laddr != 0 && so->laddr != quoted->saddr))
      continue;
    if (so->connected && so->faddr == quoted->daddr && so->fport == uh->dest)
      sock_set_error(so, err);
  }
  spin_unlock(&udp_lock);
}

const struct proto_ops udp_ops = {
  .bind = udp_bind,
  .connect = udp_connect,
  .sendmsg = udp_sendmsg,
  .recvmsg = udp_recvmsg,
  .release = udp_release,
};

static const struct net_protocol udp_protocol = {
  .handler = udp_rcv,
  .err_handler = udp_err,
};

// Start UDP: an empty port table, registered with the IP demux.
void
udp_init(void)
{
  spin_init(&udp_lock, "udp");
  for (int i = 0; i < UDP_HASH; i++)
    udp_hash[i] = 0;
  udp_next_port = 0;
  inet_add_protocol(IPPROTO_UDP, &udp_protocol);
}
