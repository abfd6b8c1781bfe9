// netbench: the TX ring ceiling. `netbench ring N` pushes N prebuilt frames through the
// e1000 TX ring with nothing of the stack above the driver (netctl NETCTL_BENCH_TX) and
// prints how fast the ring took them: the upper bound for every UDP send figure.
//
//   netbench ring N
// prints: netbench: ring N frames in US us, R frames/s
#include "user/user.h"
#include "kernel/net/netctl.h"

int
main(int argc, char *argv[])
{
  uint64 us = 0;
  int n, r;

  if (argc != 3 || strcmp(argv[1], "ring") != 0 || (n = atoi(argv[2])) < 1) {
    fprintf(2, "usage: netbench ring N\n");
    exit(2);
  }
  if ((r = netctl(NETCTL_BENCH_TX, &us, n)) < 0) {
    perror("netbench: netctl");
    exit(1);
  }
  printf("netbench: ring %d frames in %lu us, %lu frames/s\n", n, us,
         us ? (uint64)n * 1000000 / us : 0);
  exit(0);
}
