// Network system calls: argument decoding only. Each sys_* fetches its arguments,
// finds the socket behind the descriptor, copies addresses in and out of user memory,
// and calls the socket layer (net/socket.c). netctl(2) gathers the stack's state for
// ifconfig, arp and netstat, switches the packet-path trace and runs the benchmarks (the
// TX ring ceiling, the round-trip floor in net/devecho.c).
// Errors: -EBADF (no such descriptor), -ENOTSOCK (not a socket), -EFAULT (bad pointer),
// -EINVAL (bad length), -EAFNOSUPPORT (not AF_INET), and whatever the layers below say.
#include "types.h"
#include "param.h"
#include "spinlock.h"
#include "proc.h"
#include "defs.h"
#include "errno.h"
#include "file.h"
#include "net/skbuff.h"
#include "net/netdevice.h"
#include "net/sock.h"
#include "net/net.h"
#include "net/netctl.h"
#include "net/wire.h"

#define NETCTL_PAGE 4096  // netctl tables are built in one kalloc'ed page

// Fetch argument n as a socket descriptor. (Inline, like get_sockaddr: under QEMU each
// return costs a lookup of the next block of translated code; every send calls both.)
static inline int
argsock(int n, struct socket **so)
{
  struct file *f = fd_file(argint(n));

  if (f == 0)
    return -EBADF;
  if (f->type != FD_SOCKET)
    return -ENOTSOCK;
  *so = f->sock;
  return 0;
}

// Copy a struct sockaddr_in in from user memory (address 0 is a bad pointer here).
static inline int
get_sockaddr(uint64 uaddr, int len, struct sockaddr_in *sin)
{
  if (uaddr == 0)
    return -EFAULT;
  if (len < (int)sizeof(*sin))
    return -EINVAL;
  if (copy_from_user(sin, uaddr, sizeof(*sin)) < 0)
    return -EFAULT;
  if (sin->sin_family != AF_INET)
    return -EAFNOSUPPORT;
  return 0;
}

// Copy an address out to (uaddr, *ulen) the BSD way: truncate to the caller's length,
// write the full length back.
static int
put_sockaddr(uint64 uaddr, uint64 ulen, struct sockaddr_in *sin)
{
  int len, size = sizeof(*sin);

  if (copy_from_user(&len, ulen, sizeof(len)) < 0)
    return -EFAULT;
  if (len < 0)
    return -EINVAL;
  if (copy_to_user(uaddr, sin, len < size ? len : size) < 0 ||
      copy_to_user(ulen, &size, sizeof(size)) < 0)
    return -EFAULT;
  return 0;
}

// A user buffer of n bytes: 0 is a bad pointer unless n is 0.
static int
check_ubuf(uint64 ubuf, int n)
{
  if (n < 0)
    return -EINVAL;
  if (ubuf == 0 && n > 0)
    return -EFAULT;
  return 0;
}

// int socket(int domain, int type, int protocol)
int64
sys_socket(void)
{
  struct socket *so;
  struct file *f;
  int fd, r;

  if ((r = sock_create(argint(0), argint(1), argint(2), &so)) < 0)
    return r;
  if ((f = filealloc()) == 0) {
    sock_close(so);
    return -ENFILE;
  }
  f->type = FD_SOCKET;
  f->readable = 1;
  f->writable = 1;
  f->sock = so;
  if ((fd = fdalloc(f)) < 0)
    fileclose(f);  // closes the socket too
  return fd;
}

// int bind(int fd, const struct sockaddr *addr, int addrlen)
int64
sys_bind(void)
{
  struct socket *so;
  struct sockaddr_in sin;
  int r;

  if ((r = argsock(0, &so)) < 0 || (r = get_sockaddr(argaddr(1), argint(2), &sin)) < 0)
    return r;
  return sock_bind(so, &sin);
}

// int connect(int fd, const struct sockaddr *addr, int addrlen)
int64
sys_connect(void)
{
  struct socket *so;
  struct sockaddr_in sin;
  int r;

  if ((r = argsock(0, &so)) < 0 || (r = get_sockaddr(argaddr(1), argint(2), &sin)) < 0)
    return r;
  return sock_connect(so, &sin);
}

// int sendto(int fd, const void *buf, int len, int flags, const struct sockaddr *to, int tolen)
int64
sys_sendto(void)
{
  struct socket *so;
  struct sockaddr_in sin, *to = 0;
  uint64 ubuf = argaddr(1);
  int len = argint(2), flags = argint(3) & ~MSG_SYS_MASK, r;

  if ((r = argsock(0, &so)) < 0 || (r = check_ubuf(ubuf, len)) < 0)
    return r;
  if (argaddr(4) != 0) {
    if ((r = get_sockaddr(argaddr(4), argint(5), &sin)) < 0)
      return r;
    to = &sin;
  }
  return sock_sendmsg(so, ubuf, len, to, flags | MSG_SYS_SENDTO);
}

// int send(int fd, const void *buf, int len, int flags)
int64
sys_send(void)
{
  struct socket *so;
  uint64 ubuf = argaddr(1);
  int len = argint(2), flags = argint(3) & ~MSG_SYS_MASK, r;

  if ((r = argsock(0, &so)) < 0 || (r = check_ubuf(ubuf, len)) < 0)
    return r;
  return sock_sendmsg(so, ubuf, len, 0, flags | MSG_SYS_SEND);
}

// int recvfrom(int fd, void *buf, int len, int flags, struct sockaddr *from, int *fromlen)
// The address is checked (written as zeros) before the wait, so a bad pointer
// costs no datagram.
int64
sys_recvfrom(void)
{
  struct socket *so;
  struct sockaddr_in sin;
  uint64 ubuf = argaddr(1), ufrom = argaddr(4), ulen = argaddr(5);
  int len = argint(2), flags = argint(3), n, r;

  if ((r = argsock(0, &so)) < 0 || (r = check_ubuf(ubuf, len)) < 0)
    return r;
  memset(&sin, 0, sizeof(sin));
  if (ufrom != 0 && (ulen == 0 || (r = put_sockaddr(ufrom, ulen, &sin)) < 0))
    return r < 0 ? r : -EFAULT;
  if ((n = sock_recvmsg(so, ubuf, len, ufrom ? &sin : 0, flags)) < 0)
    return n;
  if (ufrom != 0 && (r = put_sockaddr(ufrom, ulen, &sin)) < 0)
    return r;
  return n;
}

// int recv(int fd, void *buf, int len, int flags)
int64
sys_recv(void)
{
  struct socket *so;
  uint64 ubuf = argaddr(1);
  int len = argint(2), r;

  if ((r = argsock(0, &so)) < 0 || (r = check_ubuf(ubuf, len)) < 0)
    return r;
  return sock_recvmsg(so, ubuf, len, 0, argint(3));
}

// int getsockname(int fd, struct sockaddr *addr, int *addrlen)
int64
sys_getsockname(void)
{
  struct socket *so;
  struct sockaddr_in sin;
  int r;

  if ((r = argsock(0, &so)) < 0)
    return r;
  if (argaddr(1) == 0 || argaddr(2) == 0)
    return -EFAULT;
  sock_getname(so, &sin);
  return put_sockaddr(argaddr(1), argaddr(2), &sin);
}

// int setsockopt(int fd, int level, int name, const void *val, int len)
int64
sys_setsockopt(void)
{
  struct socket *so;
  int r;

  if ((r = argsock(0, &so)) < 0)
    return r;
  if (argaddr(3) == 0)
    return -EFAULT;
  return sock_setsockopt(so, argint(1), argint(2), argaddr(3), argint(4));
}

// int getsockopt(int fd, int level, int name, void *val, int *len)
int64
sys_getsockopt(void)
{
  struct socket *so;
  int r;

  if ((r = argsock(0, &so)) < 0)
    return r;
  if (argaddr(3) == 0 || argaddr(4) == 0)
    return -EFAULT;
  return sock_getsockopt(so, argint(1), argint(2), argaddr(3), argaddr(4));
}

// Fill in the interface, protocol and pool counters for NETCTL_IFINFO.
static int
netctl_ifinfo(struct netctl_ifinfo *in)
{
  struct net_device *dev = netdev_get();
  struct net_device_stats *s;
  struct skb_stats st;

  memset(in, 0, sizeof(*in));
  if (dev) {
    s = &dev->stats;
    safestrcpy(in->name, dev->name, sizeof(in->name));
    memmove(in->mac, dev->dev_addr, 6);
    in->link_up = dev->link_up;
    in->mtu = dev->mtu;
    in->rx_packets = s->rx_packets, in->rx_bytes = s->rx_bytes;
    in->rx_dropped = s->rx_dropped, in->rx_errors = s->rx_errors;
    in->tx_packets = s->tx_packets, in->tx_bytes = s->tx_bytes;
    in->tx_dropped = s->tx_dropped, in->tx_errors = s->tx_errors;
    in->tx_queued = s->tx_queued, in->tx_queue_full = s->tx_queue_full;
    in->rx_budget_exhausted = s->rx_budget_exhausted;
    in->rx_irqs = s->rx_irqs, in->tx_irqs = s->tx_irqs;
    in->tx_batched = s->tx_batched, in->tx_doorbells = s->tx_doorbells;
  }
  in->addr = netcfg.addr, in->netmask = netcfg.netmask;
  in->gateway = netcfg.gateway, in->dns = netcfg.dns;
  in->proto = netstats;
  skb_get_stats(&st);
  in->skb_inuse = st.inuse, in->skb_free = st.free, in->skb_alloc_fail = st.alloc_fail;
  return dev ? 0 : -ENODEV;
}

// NETCTL_ARP and NETCTL_SOCKS: build the table in a page, copy out what fits in len.
static int
netctl_table(int op, uint64 ubuf, int len)
{
  int esize = op == NETCTL_ARP ? sizeof(struct netctl_arp) : sizeof(struct netctl_sock);
  int max = len / esize, n;
  void *page;

  if (max > NETCTL_PAGE / esize)
    max = NETCTL_PAGE / esize;
  if ((page = kalloc()) == 0)
    return -ENOMEM;
  if (op == NETCTL_ARP)
    n = arp_dump((struct netctl_arp *)page, max);
  else
    n = socket_dump((struct netctl_sock *)page, max);
  if (n > 0 && copy_to_user(ubuf, page, n * esize) < 0)
    n = -EFAULT;
  kfree(page);
  return n;
}

// NETCTL_BENCH_TX: time `frames` copies of one frame through the driver's TX ring. The
// frame is the caller's (netbench builds a UDP datagram to a host sink, so the ceiling
// pays what the device and QEMU's backend pay per datagram), or when framelen is 0 a
// 60-byte broadcast of EtherType 0x88B5, IEEE 802 local experimental (IEEE Std 802),
// which QEMU's user network discards: the device alone.
static int64
netctl_bench(uint64 ubuf, int frames)
{
  struct net_device *dev = netdev_get();
  struct netctl_bench b;  // only the head: the frame goes straight into the skb
  uint64 head = __builtin_offsetof(struct netctl_bench, frame);
  struct sk_buff *skb;
  uchar *p;
  int64 us;

  if (frames <= 0)
    return -EINVAL;
  if (dev == 0)
    return -ENODEV;
  if (dev->netdev_ops->ndo_bench_xmit == 0)
    return -EOPNOTSUPP;
  if (copy_from_user(&b, ubuf, head) < 0)
    return -EFAULT;
  if (b.framelen != 0 && (b.framelen < ETH_HLEN || b.framelen > NETCTL_BENCH_FRAME_MAX))
    return -EINVAL;
  if ((skb = alloc_skb()) == 0)
    return -ENOBUFS;
  if (b.framelen != 0) {
    if (copy_from_user(skb_put(skb, b.framelen), ubuf + head, b.framelen) < 0) {
      kfree_skb(skb);
      return -EFAULT;
    }
  } else {
    p = skb_put(skb, 60);  // minimum Ethernet frame without FCS (IEEE 802.3)
    memset(p, 0, 60);
    memset(p, 0xff, 6);  // destination: broadcast
    memmove(p + 6, dev->dev_addr, 6);
    p[12] = 0x88;
    p[13] = 0xb5;
  }
  skb->dev = dev;
  if ((us = dev->netdev_ops->ndo_bench_xmit(dev, skb, frames)) < 0)
    return us;
  if (copy_to_user(ubuf, &us, sizeof(us)) < 0)
    return -EFAULT;
  return 0;
}

// int netctl(int op, void *buf, int len): see net/netctl.h.
// NETCTL_SETCONF: a new address/netmask/gateway/DNS, checked by net_set_config.
static int
netctl_setconf(uint64 ubuf, int len)
{
  struct netctl_conf c;
  struct netconfig nc;

  if (len != (int)sizeof(c))
    return -EINVAL;
  if (copy_from_user(&c, ubuf, sizeof(c)) < 0)
    return -EFAULT;
  nc.addr = c.addr;
  nc.netmask = c.netmask;
  nc.gateway = c.gateway;
  nc.dns = c.dns;
  return net_set_config(&nc);
}

int64
sys_netctl(void)
{
  int op = argint(0), len = argint(2), r, old;
  uint64 ubuf = argaddr(1);
  struct netctl_ifinfo in;

  switch (op) {
  case NETCTL_TRACE:
    old = net_trace_on;
    net_trace_on = len != 0;
    return old;
  case NETCTL_IFINFO:
    if (len < (int)sizeof(in))
      return -EINVAL;
    if ((r = netctl_ifinfo(&in)) < 0)
      return r;
    return copy_to_user(ubuf, &in, sizeof(in));
  case NETCTL_ARP:
  case NETCTL_SOCKS:
    if (len < 0)
      return -EINVAL;
    return netctl_table(op, ubuf, len);
  case NETCTL_ARP_FLUSH:
    arp_flush();
    return 0;
  case NETCTL_ARP_TIMEOUT:
    if (len < 0)
      return -EINVAL;
    return (int64)arp_set_timeout(len);
  case NETCTL_BENCH_TX:
    return netctl_bench(ubuf, len);
  case NETCTL_SETCONF:
    return netctl_setconf(ubuf, len);
  case NETCTL_BENCH_ECHO:
    return devecho_run(ubuf, len);
  }
  return -EINVAL;
}
