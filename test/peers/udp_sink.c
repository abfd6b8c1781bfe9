// udp_sink: the host end of the send benchmark and of the send tests. It counts UDP
// datagrams as fast as they come; udp_echo.py's UdpSink builds it (host gcc) and runs it.
//
// Why not Python: a Python recvfrom loop tops out near 150k datagrams/s and needs a whole
// core for it, on a 2-core machine where QEMU needs the other one; the send figures then
// depend on where the host's scheduler puts the two. This takes up to 64 datagrams per
// system call (recvmmsg) and each one's arrival time from the kernel (SO_TIMESTAMPNS),
// so even a late read does not change the measured rate.
//
//   udp_sink HOST PORT   bind (PORT 0: any free port), print "port N", then serve
//                        commands on stdin, one character each;
//   udp_sink --fd FD     the same on a UDP socket it inherits (the wire peer's, while a
//                        benchmark counts what the guest sends it);
//   --spin first         never sleep: poll without waiting, a core's worth of CPU. The
//                        send benchmark's sink (bench.py says why: a sleeping sink makes
//                        the sender's QEMU thread pay for waking it);
//     s   print "stats PACKETS BYTES FIRST LAST NOW": the counts, the kernel's arrival
//         time of the first and the last datagram and the time now (CLOCK_REALTIME, ns;
//         FIRST and LAST are 0 before any datagram)
//     q   print the stats line, then "seqs N" and N lines, the sequence number of each
//         datagram in arrival order (its first 4 bytes, big-endian; datagrams shorter
//         than 4 bytes have none), and exit. End of input does the same.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH  64
#define MAXDGM 65536

static char bufs[BATCH][MAXDGM];
static char ctls[BATCH][CMSG_SPACE(sizeof(struct timespec))];
static struct mmsghdr msgs[BATCH];
static struct iovec iovs[BATCH];

static uint64_t packets, bytes, first_ns, last_ns;
static uint32_t *seqs;
static size_t nseqs, capseqs;

static uint64_t
now_ns(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_REALTIME, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

// The kernel's arrival time of a received message, or now if it gave none.
static uint64_t
arrival_ns(struct msghdr *mh)
{
  for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c != 0; c = CMSG_NXTHDR(mh, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
      struct timespec ts;
      memcpy(&ts, CMSG_DATA(c), sizeof(ts));
      return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
    }
  }
  return now_ns();
}

static void
keep_seq(const char *p)
{
  uint32_t s;

  if (nseqs == capseqs) {
    capseqs = capseqs ? 2 * capseqs : 1 << 16;
    seqs = realloc(seqs, capseqs * sizeof(*seqs));
    if (seqs == 0) {
      perror("udp_sink: realloc");
      exit(1);
    }
  }
  memcpy(&s, p, 4);
  seqs[nseqs++] = ntohl(s);
}

// Take every datagram waiting on fd.
static void
drain(int fd)
{
  for (;;) {
    for (int i = 0; i < BATCH; i++) {
      iovs[i].iov_base = bufs[i];
      iovs[i].iov_len = MAXDGM;
      memset(&msgs[i].msg_hdr, 0, sizeof(msgs[i].msg_hdr));
      msgs[i].msg_hdr.msg_iov = &iovs[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
      msgs[i].msg_hdr.msg_control = ctls[i];
      msgs[i].msg_hdr.msg_controllen = sizeof(ctls[i]);
    }
    int n = recvmmsg(fd, msgs, BATCH, MSG_DONTWAIT, 0);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
        return;
      perror("udp_sink: recvmmsg");
      exit(1);
    }
    for (int i = 0; i < n; i++) {
      uint64_t t = arrival_ns(&msgs[i].msg_hdr);
      if (packets == 0)
        first_ns = t;
      last_ns = t;
      packets++;
      bytes += msgs[i].msg_len;
      if (msgs[i].msg_len >= 4)
        keep_seq(bufs[i]);
    }
    if (n < BATCH)
      return;
  }
}

static void
print_stats(void)
{
  printf("stats %llu %llu %llu %llu %llu\n", (unsigned long long)packets, (unsigned long long)bytes,
         (unsigned long long)first_ns, (unsigned long long)last_ns, (unsigned long long)now_ns());
  fflush(stdout);
}

int
main(int argc, char *argv[])
{
  struct sockaddr_in sin = { .sin_family = AF_INET };
  socklen_t len = sizeof(sin);
  int fd, on = 1, rcvbuf = 16 << 20, wait_ms = -1;

  if (argc > 1 && strcmp(argv[1], "--spin") == 0) {
    wait_ms = 0;
    argc--, argv++;
  }
  if (argc != 3 || (strcmp(argv[1], "--fd") != 0 && inet_aton(argv[1], &sin.sin_addr) == 0)) {
    fprintf(stderr, "usage: udp_sink [--spin] HOST PORT | udp_sink [--spin] --fd FD\n");
    return 2;
  }
  if (strcmp(argv[1], "--fd") == 0) {
    fd = atoi(argv[2]);
  } else {
    sin.sin_port = htons(atoi(argv[2]));
    if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)) < 0 ||
        bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
      perror("udp_sink");
      return 1;
    }
  }
  if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on)) < 0 ||
      getsockname(fd, (struct sockaddr *)&sin, &len) < 0) {
    perror("udp_sink");
    return 1;
  }
  printf("port %d\n", ntohs(sin.sin_port));
  fflush(stdout);
  for (;;) {
    struct pollfd p[2] = { { fd, POLLIN, 0 }, { 0, POLLIN, 0 } };
    char c = 'q';
    if (poll(p, 2, wait_ms) < 0) {
      if (errno == EINTR)
        continue;
      perror("udp_sink: poll");
      return 1;
    }
    if (p[0].revents & POLLIN)
      drain(fd);
    if (p[1].revents == 0)
      continue;
    if (read(0, &c, 1) != 1)
      c = 'q';
    drain(fd);  // what came before the command counts
    if (c == 's') {
      print_stats();
    } else if (c == 'q') {
      print_stats();
      printf("seqs %zu\n", nseqs);
      for (size_t i = 0; i < nseqs; i++)
        printf("%u\n", seqs[i]);
      fflush(stdout);
      return 0;
    }
  }
}
