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

#define SOCK_RCVQ_MAX 64      // default bound of a socket's receive queue (packets)

struct socket;

// All return >= 0 on success or -E... . sendmsg/recvmsg move bytes between user memory
// (addresses in the current process) and skbs; they consume nothing of the caller's.
struct proto_ops {
  int (*bind)(struct socket *so, struct sockaddr_in *addr);
  int (*connect)(struct socket *so, struct sockaddr_in *addr);
  int (*sendmsg)(struct socket *so, uint64 ubuf, int len, struct sockaddr_in *to, int flags);
  // Take one packet off the receive queue (sock_dequeue does the waiting).
  int (*recvmsg)(struct socket *so, uint64 ubuf, int len, struct sockaddr_in *from, int flags);
  void (*release)(struct socket *so);   // unbind, purge queues; socket.c then frees so
};

struct socket {
  int type;                   // SOCK_DGRAM, SOCK_RAW
  int protocol;               // IPPROTO_UDP, IPPROTO_ICMP
  const struct proto_ops *ops;

  struct spinlock lock;       // guards every field below
  uint32 laddr, faddr;        // local and foreign address, network order (0 = any/none)
  uint16 lport, fport;        // network order (0 = unbound/unconnected)
  int connected;
  int nonblock;
  int error;                  // pending error (ECONNREFUSED from ICMP), reported once
  int broadcast;              // SO_BROADCAST
  uint64 rcvtimeo_us;         // 0 = wait forever
  struct sk_buff_head rcvq;   // received packets, each with its headers still reachable
  uint rcvq_max;
  uint64 rx_queued, rx_dropped;   // per-socket counters (netstat)
  uint64 tx_packets;
  int closing;
  struct socket *hash_next;   // the protocol's port table link
};

// socket.c: called by protocols
int sock_queue_rcv(struct socket *so, struct sk_buff *skb);  // consumes; -ENOBUFS when full (counted)
void sock_set_error(struct socket *so, int err);             // wakes readers
// Wait until the receive queue is non-empty. Called by recvmsg with so->lock held;
// returns 0 with the lock held, or -EAGAIN / -ETIMEDOUT / -EINTR (killed) / pending error.
int sock_wait_rcv(struct socket *so, int flags);

extern const struct proto_ops udp_ops;
extern const struct proto_ops raw_ops;

// socket.c: the file glue (file.c calls these for FD_SOCKET descriptors).
int sock_read(struct socket *so, uint64 uaddr, int n);    // bytes or -errno
int sock_write(struct socket *so, uint64 uaddr, int n);   // bytes or -errno
void sock_close(struct socket *so);
int sock_poll(struct socket *so, int events);             // ready POLL* bits
