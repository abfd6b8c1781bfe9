// netstat: list the open sockets: protocol, local and foreign address, receive queue
// (length, bound, drops), packets sent, and the process that made it.
// Read with netctl(NETCTL_SOCKS).
#include "user/user.h"
#include "kernel/net/netctl.h"

#define MAXSOCK 64

// "addr:port", with * for the wildcard address and port.
static char *
endpoint(uint32 addr, uint16 port, char *buf, int size)
{
  struct in_addr a;

  a.s_addr = addr;
  if (port == 0)
    snprintf(buf, size, "%s:*", addr ? inet_ntoa(a) : "*");
  else
    snprintf(buf, size, "%s:%d", addr ? inet_ntoa(a) : "*", ntohs(port));
  return buf;
}

// The protocol column.
static const char *
proto(struct netctl_sock *s)
{
  if (s->type == SOCK_DGRAM)
    return "udp";
  if (s->type == SOCK_RAW && s->protocol == IPPROTO_ICMP)
    return "icmp";
  if (s->type == SOCK_STREAM)
    return "tcp";
  return "raw";
}

int
main(int argc, char **argv)
{
  static struct netctl_sock t[MAXSOCK];
  char l[24], f[24];
  int n;

  if (argc != 1) {
    fprintf(2, "usage: netstat\n");
    exit(2);
  }
  if ((n = netctl(NETCTL_SOCKS, t, sizeof(t))) < 0) {
    fprintf(2, "netstat: netctl: %s\n", strerror(errno));
    exit(1);
  }
  printf("%-5s %-21s %-21s %6s %5s %6s %8s %5s\n", "Proto", "Local Address", "Foreign Address",
         "Recv-Q", "Max", "Drops", "Sent", "PID");
  for (int i = 0; i < n; i++) {
    printf("%-5s %-21s ", proto(&t[i]), endpoint(t[i].laddr, t[i].lport, l, sizeof(l)));
    printf("%-21s %6d %5d %6lu %8lu %5d\n", endpoint(t[i].faddr, t[i].fport, f, sizeof(f)),
           t[i].rcvq_len, t[i].rcvq_max, t[i].rx_dropped, t[i].tx_packets, t[i].pid);
  }
  exit(0);
}
