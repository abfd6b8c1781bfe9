// Host-side fake of the socket layer (kernel/net/socket.c): sockets the tests make
// themselves, a bounded receive queue with the same counting as the real one, errors
// remembered for the next call, and a wait that never sleeps.
#include <string.h>
#include "kernel/types.h"
#include "kernel/errno.h"
#include "kernel/net/skbuff.h"
#include "kernel/net/sock.h"
#include "fake.h"

void spin_init(struct spinlock *lk, char *name);
void spin_lock(struct spinlock *lk);
void spin_unlock(struct spinlock *lk);

void
socket_init(void)
{
}

// A new socket of the given kind, set up the way socket.c's sock_alloc does.
void
fake_sock_init(struct socket *so, int type, int protocol)
{
  memset(so, 0, sizeof(*so));
  spin_init(&so->lock, "socket");
  so->type = type;
  so->protocol = protocol;
  so->ops = type == SOCK_DGRAM ? &udp_ops : &raw_ops;
  so->rcvq_max = SOCK_RCVQ_MAX;
  skb_queue_init(&so->rcvq);
}

// Close it as socket.c's sock_close does.
void
fake_sock_close(struct socket *so)
{
  so->closing = 1;
  so->ops->release(so);
  skb_queue_purge(&so->rcvq);
}

int
sock_queue_rcv(struct socket *so, struct sk_buff *skb)
{
  spin_lock(&so->lock);
  if (so->closing || so->rcvq.qlen >= so->rcvq_max) {
    so->rx_dropped++;
    spin_unlock(&so->lock);
    kfree_skb(skb);
    return -ENOBUFS;
  }
  skb_queue_tail(&so->rcvq, skb);
  so->rx_queued++;
  spin_unlock(&so->lock);
  return 0;
}

void
sock_set_error(struct socket *so, int err)
{
  spin_lock(&so->lock);
  so->error = err;
  spin_unlock(&so->lock);
}

int
sock_wait_rcv(struct socket *so, int flags)
{
  int err;

  if (so->rcvq.qlen > 0)
    return 0;
  if (so->error) {
    err = so->error;
    so->error = 0;
    return -err;
  }
  return -EAGAIN;  // the fake never sleeps
}

void
sock_trace_tx_record(struct sk_buff *skb, int flags)
{
}
