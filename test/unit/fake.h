// What the fakes of the device and socket layers offer the unit tests.
#pragma once
#include "kernel/types.h"
#include "kernel/net/skbuff.h"
#include "kernel/net/netdevice.h"

struct socket;

extern struct net_device fake_dev;
extern int fake_tx_full;
extern struct sk_buff_head fake_tx;
extern int fake_lock_depth;
extern volatile uint64 ticks;
int fake_tx_clear(void);
void fake_sock_init(struct socket *so, int type, int protocol);
void fake_sock_close(struct socket *so);
