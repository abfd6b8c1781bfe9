// UDP (RFC 768): datagram sockets (udp_ops, sock.h) and the receive path.
//
// Interface: socket.c calls the protocol through udp_ops; ip_rcv passes UDP packets to
// udp_rcv through the IP protocol table; icmp.c reports destination unreachable through
// the table's err_handler (udp_err). Bound sockets live in a port table (udp_lock).
#pragma once
#include "../types.h"
#include "skbuff.h"

#define UDP_PORT_EPHEMERAL_LO 49152  // RFC 6335 6: the dynamic/private range
#define UDP_PORT_EPHEMERAL_HI 65535
#define UDP_HASH              64  // port table chains

void udp_init(void);
void udp_rcv(struct sk_buff *skb);  // consumes; reached through the IP demux
