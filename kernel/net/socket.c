// The socket layer: the generic half of every socket, between the system calls
// (sysnet.c, and file.c for read/write/close/poll on a socket descriptor) and the
// protocols (udp.c's udp_ops, icmp.c's raw_ops), which it reaches only through so->ops.
//
// Interface:
//   sock_create() makes a socket; sysnet.c wraps it in a struct file (FD_SOCKET).
//   sock_bind/connect/sendmsg/recvmsg/getname/setsockopt/getsockopt: the system calls.
//   sock_read/write/poll/close: the file glue.
//   Protocols deliver with sock_queue_rcv(), report ICMP errors with sock_set_error(),
//   and wait for data inside their recvmsg with sock_wait_rcv().
//   socket_dump() lists the live sockets for netstat.
//
// Every socket lives in one fixed table (socktab), so netstat can list them and a leak
// shows up there. A reader sleeps on the socket itself (chan = so).
#include "../types.h"
#include "../param.h"
#include "../defs.h"
#include "../errno.h"
#include "../poll.h"
#include "../proc.h"
#include "skbuff.h"
#include "netdevice.h"
#include "sock.h"
#include "net.h"

#define SOCK_TIMEO_MAX_S 1000000000L  // a longer SO_RCVTIMEO means forever (no overflow)

static struct {
  struct spinlock lock;  // guards used[]; taken before any so->lock
  char used[NSOCKET];
  struct socket socks[NSOCKET];
} socktab;

// Called once by net_init.
void
socket_init(void)
{
  spin_init(&socktab.lock, "socktab");
  for (int i = 0; i < NSOCKET; i++)
    spin_init(&socktab.socks[i].lock, "socket");
}

// Pick the protocol for (type, protocol); 0 if this kernel has none.
static const struct proto_ops *
sock_pick_ops(int type, int *protocol)
{
  if (type == SOCK_DGRAM && (*protocol == 0 || *protocol == IPPROTO_UDP)) {
    *protocol = IPPROTO_UDP;
    return &udp_ops;
  }
  if (type == SOCK_RAW && *protocol == IPPROTO_ICMP)
    return &raw_ops;
  return 0;
}

// Take a free slot of the table and set it up; 0 if none. The slot is filled in
// before it is marked used, so socket_dump never sees a half-made socket.
static struct socket *
sock_alloc(int type, int protocol, const struct proto_ops *ops, int nonblock)
{
  struct socket *so;
  struct spinlock lk;

  spin_lock(&socktab.lock);
  for (int i = 0; i < NSOCKET; i++) {
    if (socktab.used[i])
      continue;
    so = &socktab.socks[i];
    lk = so->lock;  // a free slot's lock is never held: keep it, zero the rest
    memset(so, 0, sizeof(*so));
    so->lock = lk;
    so->type = type;
    so->protocol = protocol;
    so->ops = ops;
    so->nonblock = nonblock;
    so->rcvq_max = SOCK_RCVQ_MAX;
    skb_queue_init(&so->rcvq);
    so->pid = myproc() ? myproc()->pid : 0;
    socktab.used[i] = 1;
    spin_unlock(&socktab.lock);
    return so;
  }
  spin_unlock(&socktab.lock);
  return 0;
}

// Give a slot back to the table.
static void
sock_free(struct socket *so)
{
  spin_lock(&socktab.lock);
  socktab.used[so - socktab.socks] = 0;
  spin_unlock(&socktab.lock);
}

// socket(2): make an unbound socket. *out is set on success.
int
sock_create(int domain, int type, int protocol, struct socket **out)
{
  int nonblock = (type & SOCK_NONBLOCK) != 0;
  const struct proto_ops *ops;
  struct socket *so;

  type &= ~SOCK_NONBLOCK;
  if (domain != AF_INET)
    return -EAFNOSUPPORT;
  if (type != SOCK_DGRAM && type != SOCK_RAW && type != SOCK_STREAM)
    return -EINVAL;
  if ((ops = sock_pick_ops(type, &protocol)) == 0)
    return -EPROTONOSUPPORT;
  if ((so = sock_alloc(type, protocol, ops, nonblock)) == 0)
    return -ENFILE;
  *out = so;
  return 0;
}

// Last close of the descriptor: unhook from the protocol, drop what is queued, free.
void
sock_close(struct socket *so)
{
  spin_lock(&so->lock);
  so->closing = 1;  // sock_queue_rcv refuses from now on
  spin_unlock(&so->lock);
  so->ops->release(so);
  spin_lock(&so->lock);
  skb_queue_purge(&so->rcvq);
  spin_unlock(&so->lock);
  sock_free(so);
}

// Protocol side: append a received packet to the socket's queue and wake readers.
// Consumes skb. -ENOBUFS (counted in rx_dropped) when the queue is full or closing.
int
sock_queue_rcv(struct socket *so, struct sk_buff *skb)
{
  int first;

  spin_lock(&so->lock);
  if (so->closing || so->rcvq.qlen >= so->rcvq_max) {
    so->rx_dropped++;
    spin_unlock(&so->lock);
    kfree_skb(skb);
    return -ENOBUFS;
  }
  skb_queue_tail(&so->rcvq, skb);
  so->rx_queued++;
  // Readers and pollers wait only for an empty queue to become non-empty; a packet
  // behind others wakes no one, so it skips the wakeups and their sleep-queue locks.
  first = so->rcvq.qlen == 1;
  if (first)
    wakeup(so);
  spin_unlock(&so->lock);
  if (first)
    poll_wakeup();
  return 0;
}

// Protocol side: remember an error (ECONNREFUSED ...) for the next call; wake readers.
void
sock_set_error(struct socket *so, int err)
{
  spin_lock(&so->lock);
  so->error = err;
  wakeup(so);
  spin_unlock(&so->lock);
  poll_wakeup();
}

// Take the pending error, if any (so->lock held): -error once, else 0.
static int
sock_take_error(struct socket *so)
{
  int err = so->error;

  so->error = 0;
  return -err;
}

// Wait (so->lock held, and held again on return) until a packet is queued; see sock.h.
int
sock_wait_rcv(struct socket *so, int flags)
{
  // LAB udprx BEGIN
  // LAB-HINT: loop while so->rcvq is empty. In the loop, in this order: a pending
  // LAB-HINT: so->error is returned once (as -error, then cleared); a nonblocking socket
  // LAB-HINT: or MSG_DONTWAIT returns -EAGAIN; a killed process returns -EINTR; a passed
  // LAB-HINT: deadline (so->rcvtimeo_us, converted to 100 Hz ticks) returns -EAGAIN;
  // LAB-HINT: otherwise sleep_deadline(so, &so->lock, deadline). Return 0 with the lock held.
  // LAB-STUB: return -EAGAIN;
  uint64 deadline = 0;

  if (so->rcvtimeo_us)
    deadline = ticks + (so->rcvtimeo_us + 9999) / 10000;  // ticks are 10 ms
  while (so->rcvq.qlen == 0) {
    if (so->error)
      return sock_take_error(so);
    if (so->nonblock || (flags & MSG_DONTWAIT))
      return -EAGAIN;
    if (killed(myproc()))
      return -EINTR;
    if (deadline && ticks >= deadline)
      return -EAGAIN;  // SO_RCVTIMEO expired: EAGAIN, as on Linux
    sleep_deadline(so, &so->lock, deadline);
  }
  return 0;
  // LAB udprx END
}

// Record the system call and the socket layer as the first stations of a send's trace
// (sock_trace_tx in sock.h calls it while the trace is on).
void
sock_trace_tx_record(struct sk_buff *skb, int flags)
{
  if (flags & MSG_SYS_SENDTO)
    net_trace(skb, "sys_sendto");
  else if (flags & MSG_SYS_SEND)
    net_trace(skb, "sys_send");
  else if (flags & MSG_SYS_WRITE)
    net_trace(skb, "sys_write");
  net_trace(skb, "sock_sendmsg");
}

// bind(2).
int
sock_bind(struct socket *so, struct sockaddr_in *addr)
{
  if (so->ops->bind == 0)
    return -EOPNOTSUPP;
  return so->ops->bind(so, addr);
}

// connect(2).
int
sock_connect(struct socket *so, struct sockaddr_in *addr)
{
  if (so->ops->connect == 0)
    return -EOPNOTSUPP;
  return so->ops->connect(so, addr);
}

// send/sendto/write: check what every protocol would check, then hand over to the
// protocol (which waits for room in the device queue: dev_tx_wait_room). Bytes or -E... .
int
sock_sendmsg(struct socket *so, uint64 ubuf, int len, struct sockaddr_in *to, int flags)
{
  int r;

  if (len < 0)
    return -EINVAL;
  if (len > SOCK_MAX_MSG)
    return -EMSGSIZE;
  spin_lock(&so->lock);
  if (so->error) {  // a pending error is reported once, as on Linux
    r = sock_take_error(so);
    spin_unlock(&so->lock);
    return r;
  }
  r = (to == 0 && !so->connected) ? -EDESTADDRREQ : 0;
  spin_unlock(&so->lock);
  if (r < 0)
    return r;
  r = so->ops->sendmsg(so, ubuf, len, to, flags);
  if (r >= 0)
    __atomic_fetch_add(&so->tx_packets, 1, __ATOMIC_RELAXED);  // a counter: no lock
  return r;
}

// recv/recvfrom/read: the protocol dequeues (and waits through sock_wait_rcv).
int
sock_recvmsg(struct socket *so, uint64 ubuf, int len, struct sockaddr_in *from, int flags)
{
  if (len < 0)
    return -EINVAL;
  return so->ops->recvmsg(so, ubuf, len, from, flags & MSG_DONTWAIT);
}

// getsockname(2): the local address and port (0.0.0.0:0 when unbound).
void
sock_getname(struct socket *so, struct sockaddr_in *addr)
{
  memset(addr, 0, sizeof(*addr));
  addr->sin_family = AF_INET;
  spin_lock(&so->lock);
  addr->sin_addr.s_addr = so->laddr;
  addr->sin_port = so->lport;
  spin_unlock(&so->lock);
}

// Copy an int option value from user memory.
static int
sock_get_int(uint64 uval, int len, int *v)
{
  if (len < (int)sizeof(int))
    return -EINVAL;
  return copy_from_user(v, uval, sizeof(int));
}

// setsockopt(2), SOL_SOCKET only: SO_RCVTIMEO, SO_BROADCAST, SO_RCVBUF (in packets).
int
sock_setsockopt(struct socket *so, int level, int name, uint64 uval, int len)
{
  struct timeval tv;
  int v = 0, r;

  if (level != SOL_SOCKET)
    return -ENOPROTOOPT;
  if (name == SO_RCVTIMEO) {
    if (len < (int)sizeof(tv))
      return -EINVAL;
    if (copy_from_user(&tv, uval, sizeof(tv)) < 0)
      return -EFAULT;
    if (tv.tv_sec < 0 || tv.tv_usec < 0 || tv.tv_usec >= 1000000)
      return -EINVAL;
  } else if (name == SO_BROADCAST || name == SO_RCVBUF) {
    if ((r = sock_get_int(uval, len, &v)) < 0)
      return r;
  } else {
    return -ENOPROTOOPT;
  }
  spin_lock(&so->lock);
  if (name == SO_RCVTIMEO)
    so->rcvtimeo_us = tv.tv_sec > SOCK_TIMEO_MAX_S ? 0 : (uint64)tv.tv_sec * 1000000 + tv.tv_usec;
  else if (name == SO_BROADCAST)
    so->broadcast = v != 0;
  else
    so->rcvq_max = v < 1 ? 1 : (v > 1024 ? 1024 : v);  // clamp to 1..1024 packets
  spin_unlock(&so->lock);
  return 0;
}

// getsockopt(2): SO_ERROR (clears it), SO_RCVTIMEO, SO_BROADCAST, SO_RCVBUF.
// ulen points at the caller's buffer size; the option's size is written back.
int
sock_getsockopt(struct socket *so, int level, int name, uint64 uval, uint64 ulen)
{
  struct timeval tv;
  int v = 0, len, size = sizeof(int);
  void *src = &v;

  if (copy_from_user(&len, ulen, sizeof(len)) < 0)
    return -EFAULT;
  if (len < 0)
    return -EINVAL;
  if (level != SOL_SOCKET)
    return -ENOPROTOOPT;
  spin_lock(&so->lock);
  if (name == SO_ERROR) {
    v = -sock_take_error(so);
  } else if (name == SO_RCVTIMEO) {
    tv.tv_sec = so->rcvtimeo_us / 1000000;
    tv.tv_usec = so->rcvtimeo_us % 1000000;
    src = &tv;
    size = sizeof(tv);
  } else if (name == SO_BROADCAST) {
    v = so->broadcast;
  } else if (name == SO_RCVBUF) {
    v = so->rcvq_max;
  } else {
    size = -1;
  }
  spin_unlock(&so->lock);
  if (size < 0)
    return -ENOPROTOOPT;
  if (copy_to_user(uval, src, len < size ? len : size) < 0 ||
      copy_to_user(ulen, &size, sizeof(size)) < 0)
    return -EFAULT;
  return 0;
}

// read(2) on a socket descriptor: recv without an address.
int
sock_read(struct socket *so, uint64 uaddr, int n)
{
  return sock_recvmsg(so, uaddr, n, 0, 0);
}

// write(2) on a socket descriptor: send on a connected socket.
int
sock_write(struct socket *so, uint64 uaddr, int n)
{
  return sock_sendmsg(so, uaddr, n, 0, MSG_SYS_WRITE);
}

// poll(2): POLLIN with data or a pending error, POLLOUT while the device queue has room.
int
sock_poll(struct socket *so, int events)
{
  struct net_device *dev;
  int r = 0;

  spin_lock(&so->lock);
  if (so->rcvq.qlen > 0 || so->error)
    r |= POLLIN;
  if (so->error)
    r |= POLLERR;
  spin_unlock(&so->lock);
  if ((dev = netdev_get()) != 0) {
    spin_lock(&dev->txq_lock);
    if (dev->txq.qlen < TXQ_MAX)
      r |= POLLOUT;
    spin_unlock(&dev->txq_lock);
  }
  return r & (events | POLLERR | POLLHUP);
}

// Copy one live socket into its netctl form (so->lock held).
static void
sock_fill_info(struct socket *so, struct netctl_sock *o)
{
  memset(o, 0, sizeof(*o));
  o->type = so->type;
  o->protocol = so->protocol;
  o->laddr = so->laddr;
  o->faddr = so->faddr;
  o->lport = so->lport;
  o->fport = so->fport;
  o->rcvq_len = so->rcvq.qlen;
  o->rcvq_max = so->rcvq_max;
  o->rx_queued = so->rx_queued;
  o->rx_dropped = so->rx_dropped;
  o->tx_packets = so->tx_packets;
  o->pid = so->pid;
}

// netstat: copy up to max live sockets into out (kernel memory); returns the count.
int
socket_dump(struct netctl_sock *out, int max)
{
  int n = 0;

  spin_lock(&socktab.lock);
  for (int i = 0; i < NSOCKET && n < max; i++) {
    if (!socktab.used[i])
      continue;
    spin_lock(&socktab.socks[i].lock);
    sock_fill_info(&socktab.socks[i], &out[n++]);
    spin_unlock(&socktab.socks[i].lock);
  }
  spin_unlock(&socktab.lock);
  return n;
}
