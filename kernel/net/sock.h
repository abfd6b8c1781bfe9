// struct socket and the per-protocol operations table.
//
// A socket is a file descriptor (struct file, type FD_SOCKET) pointing at a struct
// socket. net/socket.c owns the generic part (creation, the file glue, poll, timeouts,
// the socket table for netstat) and calls the protocol through sock->ops; udp.c and
// icmp.c (raw ICMP) provide the ops. Protocols deliver received packets with sock_queue_rcv.
#pragma once
#include "../types.h"
#include "../spinlock.h"
#include "skbuff.h"
#include "in.h"

// Default bound of a socket's receive queue, in packets: deep enough to ride out the
// bursts in which QEMU delivers frames (about what Linux's default 208 KiB receive
// buffer holds of small datagrams), a quarter of the skb pool (NSKB).
#define SOCK_RCVQ_MAX 256

struct socket;

// All return >= 0 on success or -E... . sendmsg/recvmsg move bytes between user memory
// (addresses in the current process) and skbs; they consume nothing of the caller's.
struct proto_ops {
  int (*bind)(struct socket *so, struct sockaddr_in *addr);
  int (*connect)(struct socket *so, struct sockaddr_in *addr);
  int (*sendmsg)(struct socket *so, uint64 ubuf, int len, struct sockaddr_in *to, int flags);
  // Take one packet off the receive queue (sock_wait_rcv does the waiting).
  int (*recvmsg)(struct socket *so, uint64 ubuf, int len, struct sockaddr_in *from, int flags);
  void (*release)(struct socket *so);  // unbind, purge queues; socket.c then frees so
};

struct socket {
  int type;      // SOCK_DGRAM, SOCK_RAW
  int protocol;  // IPPROTO_UDP, IPPROTO_ICMP
  const struct proto_ops *ops;

  struct spinlock lock;  // guards every field below; the address fields (laddr to
                         // connected) change under the protocol's table lock too, which
                         // is enough to read them (the receive demux)
  uint32 laddr, faddr;   // local and foreign address, network order (0 = any/none)
  uint16 lport, fport;   // network order (0 = unbound/unconnected)
  int connected;
  int nonblock;
  int error;                 // pending error (ECONNREFUSED from ICMP), reported once
  int broadcast;             // SO_BROADCAST
  uint64 rcvtimeo_us;        // 0 = wait forever
  struct sk_buff_head rcvq;  // received packets, each with its headers still reachable
  uint rcvq_max;
  uint64 rx_queued, rx_dropped;  // per-socket counters (netstat)
  uint64 tx_packets;             // atomic adds, no lock (sock_sendmsg)
  int closing;
  struct socket *hash_next;  // the protocol's port table link (its lock, not so->lock)
  int pid;                   // the process that created it (netstat); not locked
};

#define NSOCKET 64  // sockets in the whole system (socket.c's table)

// socket.c: called by protocols. socket.c keeps the per-socket counters (rx_queued,
// rx_dropped, tx_packets).
// Queue a received packet and wake readers; consumes skb; -ENOBUFS when full (counted).
int sock_queue_rcv(struct socket *so, struct sk_buff *skb);
// Leave an error (ECONNREFUSED, EHOSTUNREACH) for the next call; wakes readers.
void sock_set_error(struct socket *so, int err);
// datagram.c: wait for and take the next received packet (0 with *err set on failure).
struct sk_buff *skb_recv_datagram(struct socket *so, int flags, int *err);
// Wait until the receive queue is non-empty. Called by recvmsg with so->lock held, and
// returns with so->lock held in every case: 0 (a packet is queued), -EAGAIN (nonblocking,
// MSG_DONTWAIT, or SO_RCVTIMEO expired, as on Linux), -EINTR (killed), or -error for a
// pending error (ECONNREFUSED, EHOSTUNREACH), which is then cleared (reported once).
int sock_wait_rcv(struct socket *so, int flags);

// The packet-path trace of a send (agreement between socket.c and the protocols).
// No skb exists in the system call, so the socket layer tells sendmsg which call it
// came from with one of these kernel-only flags (user flags never carry them), and
// the protocol, right after it allocates the skb, calls sock_trace_tx(skb, flags): it
// records "sys_sendto" (or "sys_send", "sys_write") and "sock_sendmsg" as the first
// stations. Then the protocol records its own ("udp_sendmsg", "raw_sendmsg") and so on:
//   skb = alloc_skb(); ...; sock_trace_tx(skb, flags); net_trace(skb, "udp_sendmsg");
#define MSG_SYS_SENDTO 0x10000000
#define MSG_SYS_SEND   0x20000000
#define MSG_SYS_WRITE  0x40000000
#define MSG_SYS_MASK   (MSG_SYS_SENDTO | MSG_SYS_SEND | MSG_SYS_WRITE)
void sock_trace_tx_record(struct sk_buff *skb, int flags);
static inline void
sock_trace_tx(struct sk_buff *skb, int flags)
{
  if (net_trace_on)  // nothing to record otherwise, and no call on every send
    sock_trace_tx_record(skb, flags);
}

// The largest datagram the socket layer passes down (a UDP length field's limit, RFC 768
// and RFC 791: 65535 - 20 - 8). sendmsg returns -EMSGSIZE above what fits one frame
// (no fragmentation: payload > mtu - 28 for UDP).
#define SOCK_MAX_MSG 65507

extern const struct proto_ops udp_ops;
extern const struct proto_ops raw_ops;

// socket.c: the file glue (file.c calls these for FD_SOCKET descriptors).
int sock_read(struct socket *so, uint64 uaddr, int n);   // bytes or -errno
int sock_write(struct socket *so, uint64 uaddr, int n);  // bytes or -errno
void sock_close(struct socket *so);
int sock_poll(struct socket *so, int events);  // ready POLL* bits

// socket.c: what sysnet.c calls. All return >= 0 or -E... ; addresses are kernel copies.
int sock_create(int domain, int type, int protocol, struct socket **out);
int sock_bind(struct socket *so, struct sockaddr_in *addr);
int sock_connect(struct socket *so, struct sockaddr_in *addr);
int sock_sendmsg(struct socket *so, uint64 ubuf, int len, struct sockaddr_in *to, int flags);
int sock_recvmsg(struct socket *so, uint64 ubuf, int len, struct sockaddr_in *from, int flags);
void sock_getname(struct socket *so, struct sockaddr_in *addr);
int sock_setsockopt(struct socket *so, int level, int name, uint64 uval, int len);
int sock_getsockopt(struct socket *so, int level, int name, uint64 uval, uint64 ulen);
