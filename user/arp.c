// arp: show the ARP cache (IP, MAC, state, age, packets waiting for resolution);
// `arp -d` forgets every entry; `arp -t ticks` sets how long an entry lives (100 Hz ticks,
// 0 = the default) and prints the old lifetime. Read with netctl(NETCTL_ARP).
#include "user/user.h"
#include "kernel/net/netctl.h"

#define MAXENT 64

static const char *const states[] = {
  [ARP_STATE_FREE] = "free",
  [ARP_STATE_RESOLVING] = "resolving",
  [ARP_STATE_VALID] = "valid",
  [ARP_STATE_EXPIRED] = "expired",
};

// Print the table.
static int
show(void)
{
  static struct netctl_arp t[MAXENT];
  struct in_addr a;
  int n;

  if ((n = netctl(NETCTL_ARP, t, sizeof(t))) < 0) {
    fprintf(2, "arp: netctl: %s\n", strerror(errno));
    return 1;
  }
  printf("%-16s %-18s %-10s %8s %7s %7s\n", "Address", "HWaddress", "State", "Age(s)", "Queued",
         "Retries");
  for (int i = 0; i < n; i++) {
    a.s_addr = t[i].ip;
    printf("%-16s ", inet_ntoa(a));
    printf("%-18s %-10s", t[i].state == ARP_STATE_VALID ? mac_ntoa(t[i].mac) : "(incomplete)",
           t[i].state >= 0 && t[i].state <= ARP_STATE_EXPIRED ? states[t[i].state] : "?");
    printf(" %6lu.%lu %7d %7d\n", t[i].age_ticks / 100, (t[i].age_ticks / 10) % 10, t[i].queued,
           t[i].retries);
  }
  return 0;
}

int
main(int argc, char **argv)
{
  if (argc == 1)
    exit(show());
  if (argc == 2 && strcmp(argv[1], "-d") == 0) {
    if (netctl(NETCTL_ARP_FLUSH, 0, 0) < 0) {
      fprintf(2, "arp: flush: %s\n", strerror(errno));
      exit(1);
    }
    exit(0);
  }
  if (argc == 3 && strcmp(argv[1], "-t") == 0) {
    int old = netctl(NETCTL_ARP_TIMEOUT, 0, atoi(argv[2]));
    if (old < 0) {
      fprintf(2, "arp: timeout: %s\n", strerror(errno));
      exit(1);
    }
    printf("arp: entry lifetime was %d ticks\n", old);
    exit(0);
  }
  fprintf(2, "usage: arp [-d] [-t ticks]\n");
  exit(2);
}
