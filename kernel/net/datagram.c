// Datagram receive shared by the datagram protocols (UDP, raw ICMP): wait until the
// socket's queue has a packet, then take it off (Linux: skb_recv_datagram). The protocol
// then fills in the source address and copies the payload out.
#include "../types.h"
#include "../defs.h"
#include "sock.h"

// The next packet of so's receive queue, waiting as sock_wait_rcv says (flags, timeout,
// kill, pending error). Returns the skb, now the caller's, or 0 with *err set.
struct sk_buff *
skb_recv_datagram(struct socket *so, int flags, int *err)
{
  struct sk_buff *skb;
  int r;

  spin_lock(&so->lock);
  if ((r = sock_wait_rcv(so, flags)) < 0) {
    spin_unlock(&so->lock);
    *err = r;
    return 0;
  }
  skb = skb_dequeue(&so->rcvq);
  spin_unlock(&so->lock);
  return skb;
}
