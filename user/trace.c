// trace: switch the packet-path trace on or off. While it is on, the kernel prints one
// line per packet on the console with every station the packet passed
// (sys_sendto -> sock_sendmsg -> udp_sendmsg -> ip_output -> ... -> e1000_xmit_frame).
#include "user/user.h"
#include "kernel/net/netctl.h"

int
main(int argc, char **argv)
{
  int on, old;

  if (argc == 2 && strcmp(argv[1], "on") == 0)
    on = 1;
  else if (argc == 2 && strcmp(argv[1], "off") == 0)
    on = 0;
  else {
    fprintf(2, "usage: trace on|off\n");
    exit(2);
  }
  if ((old = netctl(NETCTL_TRACE, 0, on)) < 0) {
    fprintf(2, "trace: netctl: %s\n", strerror(errno));
    exit(1);
  }
  printf("trace: %s (was %s)\n", on ? "on" : "off", old ? "on" : "off");
  exit(0);
}
