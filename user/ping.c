// ping: send ICMP echo requests on a raw socket and print the replies, like Linux ping.
//   ping [-c count] [-i interval_ms] [-W timeout_ms] host
// Each request carries id = our pid and a sequence number (RFC 792 echo, type 8), with
// the send time in its payload. A raw ICMP socket receives whole IP datagrams, so the
// TTL comes from the received IP header (RFC 791).
#include "user/user.h"

#define ICMP_ECHOREPLY 0
#define ICMP_ECHO      8
#define ICMP_HLEN      8
#define DATALEN        56  // payload bytes, as Linux's default: 64-byte ICMP messages

struct ping {
  int fd;
  struct sockaddr_in to;
  int id;
  int count, interval_ms, timeout_ms;
  int sent, received;
  long rtt_min, rtt_max, rtt_sum;  // microseconds
};

// Send echo request number seq; 0 or -1.
static int
send_echo(struct ping *pg, int seq)
{
  uchar pkt[ICMP_HLEN + DATALEN];
  long now = clock_us();

  memset(pkt, 0, sizeof(pkt));
  pkt[0] = ICMP_ECHO;
  put_be16(pkt + 4, pg->id);
  put_be16(pkt + 6, seq);
  memmove(pkt + ICMP_HLEN, &now, sizeof(now));
  for (int i = ICMP_HLEN + sizeof(now); i < sizeof(pkt); i++)
    pkt[i] = i;
  *(uint16 *)(pkt + 2) = in_cksum(pkt, sizeof(pkt));
  if (sendto(pg->fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&pg->to, sizeof(pg->to)) < 0) {
    fprintf(2, "ping: sendto: %s\n", strerror(errno));
    return -1;
  }
  return 0;
}

// Print microseconds as milliseconds with three decimals.
static void
print_ms(long us)
{
  printf("%ld.%03ld", us / 1000, us % 1000);
}

// Look at one received datagram: 1 if it is our reply to seq (and print it), else 0.
static int
check_reply(struct ping *pg, uchar *buf, int n, int seq, struct sockaddr_in *from)
{
  int hlen = 0, ttl = -1;
  long sent, rtt;

  if (n >= 20 && (buf[0] >> 4) == 4) {  // an IPv4 header first
    hlen = (buf[0] & 0xf) * 4;
    ttl = buf[8];
  }
  if (n < hlen + ICMP_HLEN + (int)sizeof(long))
    return 0;
  buf += hlen;
  n -= hlen;
  if (buf[0] != ICMP_ECHOREPLY || get_be16(buf + 4) != (pg->id & 0xffff) ||
      get_be16(buf + 6) != seq)
    return 0;
  memmove(&sent, buf + ICMP_HLEN, sizeof(sent));
  rtt = clock_us() - sent;
  printf("%d bytes from %s: icmp_seq=%d", n, inet_ntoa(from->sin_addr), seq);
  if (ttl >= 0)
    printf(" ttl=%d", ttl);
  printf(" time=");
  print_ms(rtt);
  printf(" ms\n");
  if (pg->received == 0 || rtt < pg->rtt_min)
    pg->rtt_min = rtt;
  if (rtt > pg->rtt_max)
    pg->rtt_max = rtt;
  pg->rtt_sum += rtt;
  pg->received++;
  return 1;
}

// Wait up to timeout_ms for the reply to seq; 1 if it came, 0 if not.
static int
wait_reply(struct ping *pg, int seq)
{
  uchar buf[1600];
  struct sockaddr_in from;
  int fromlen, n;
  long end = clock_us() + (long)pg->timeout_ms * 1000, left;
  struct pollfd pfd;

  while ((left = end - clock_us()) > 0) {
    pfd.fd = pg->fd;
    pfd.events = POLLIN;
    pfd.revents = 0;
    if (poll(&pfd, 1, (left + 999) / 1000) <= 0)
      break;
    fromlen = sizeof(from);
    n = recvfrom(pg->fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from, &fromlen);
    if (n < 0) {
      if (errno != EAGAIN)
        fprintf(2, "ping: recvfrom: %s\n", strerror(errno));
      continue;
    }
    if (check_reply(pg, buf, n, seq, &from))
      return 1;
  }
  return 0;
}

// The Linux-like summary at the end.
static void
summary(struct ping *pg)
{
  printf("\n--- %s ping statistics ---\n", inet_ntoa(pg->to.sin_addr));
  printf("%d packets transmitted, %d received, %d%% packet loss\n", pg->sent, pg->received,
         pg->sent ? (pg->sent - pg->received) * 100 / pg->sent : 0);
  if (pg->received > 0) {
    printf("rtt min/avg/max = ");
    print_ms(pg->rtt_min);
    printf("/");
    print_ms(pg->rtt_sum / pg->received);
    printf("/");
    print_ms(pg->rtt_max);
    printf(" ms\n");
  }
}

// Parse the command line into pg; 0, or -1 (usage).
static int
parse_args(struct ping *pg, int argc, char **argv)
{
  int i;

  pg->count = 4;
  pg->interval_ms = 1000;
  pg->timeout_ms = 1000;
  for (i = 1; i + 1 < argc && argv[i][0] == '-'; i += 2) {
    if (!isdigit(argv[i + 1][0]))
      return -1;
    if (strcmp(argv[i], "-c") == 0)
      pg->count = atoi(argv[i + 1]);
    else if (strcmp(argv[i], "-i") == 0)
      pg->interval_ms = atoi(argv[i + 1]);
    else if (strcmp(argv[i], "-W") == 0)
      pg->timeout_ms = atoi(argv[i + 1]);
    else
      return -1;
  }
  if (i != argc - 1 || pg->count <= 0 || pg->timeout_ms <= 0)
    return -1;
  memset(&pg->to, 0, sizeof(pg->to));
  pg->to.sin_family = AF_INET;
  if (!inet_aton(argv[i], &pg->to.sin_addr)) {
    fprintf(2, "ping: %s: not an IPv4 address\n", argv[i]);
    exit(2);
  }
  return 0;
}

int
main(int argc, char **argv)
{
  struct ping pg;
  long start;

  memset(&pg, 0, sizeof(pg));
  if (parse_args(&pg, argc, argv) < 0) {
    fprintf(2, "usage: ping [-c count] [-i interval_ms] [-W timeout_ms] host\n");
    exit(2);
  }
  if ((pg.fd = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)) < 0) {
    fprintf(2, "ping: socket: %s\n", strerror(errno));
    exit(2);
  }
  pg.id = getpid() & 0xffff;
  printf("PING %s: %d data bytes\n", inet_ntoa(pg.to.sin_addr), DATALEN);
  for (int seq = 1; seq <= pg.count; seq++) {
    start = clock_us();
    if (send_echo(&pg, seq) == 0) {
      pg.sent++;
      wait_reply(&pg, seq);
    }
    if (seq < pg.count)
      sleep_ms(pg.interval_ms - (clock_us() - start) / 1000);
  }
  summary(&pg);
  close(pg.fd);
  exit(pg.received > 0 ? 0 : 1);
}
