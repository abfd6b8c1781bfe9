// udpsink: count the UDP datagrams that arrive at PORT, for the receive benchmark;
// with -e also send each one back to where it came from (the round-trip benchmark);
// with -d MS bind first and read nothing for MS milliseconds (the queue-bound test);
// with -b N ask for a receive queue of N datagrams (SO_RCVBUF; the default is 256): a
// sink that must count a flood sizes its queue for the moments it is not running, as one
// would give a Linux sink a larger socket buffer.
// Stops SECONDS after it started, or (without -e) once one second passed with nothing
// after the first datagram. Payloads that start with a 4-byte big-endian sequence number
// (the host's sender writes them) also give the highest number seen.
//
//   udpsink [-e] [-d MS] [-b N] PORT SECONDS
// prints: udpsink: N packets, B bytes in US us, maxseq M
#include "user/user.h"

int
main(int argc, char *argv[])
{
  static char buf[2048];
  struct sockaddr_in addr, from;
  struct timeval tv = { 1, 0 };
  int fd, n, secs, echo = 0, delay = 0, rcvbuf = 0, fromlen;
  long packets = 0, bytes = 0, maxseq = -1, seq, t0, now, first = 0, last = 0;

  for (; argc > 1 && argv[1][0] == '-'; argc--, argv++) {
    if (strcmp(argv[1], "-e") == 0)
      echo = 1;
    else if (strcmp(argv[1], "-d") == 0 && argc > 2) {
      delay = atoi(argv[2]);
      argc--;
      argv++;
    } else if (strcmp(argv[1], "-b") == 0 && argc > 2) {
      rcvbuf = atoi(argv[2]);
      argc--;
      argv++;
    } else
      break;
  }
  if (argc != 3) {
    fprintf(2, "usage: udpsink [-e] [-d MS] [-b N] PORT SECONDS\n");
    exit(2);
  }
  secs = atoi(argv[2]);
  memset(&addr, 0, sizeof(addr));
  addr.sin_family = AF_INET;
  addr.sin_port = htons(atoi(argv[1]));
  if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) < 0 ||
      bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
      setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
      (rcvbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)) < 0)) {
    perror("udpsink");
    exit(1);
  }
  printf("udpsink: ready on %d\n", atoi(argv[1]));
  if (delay > 0)
    sleep_ms(delay);
  // The clock is a system call too: read it after a timeout and every 64 packets, not
  // twice per packet, so that the figures are the stack's and not clock_us's.
  t0 = now = clock_us();
  while (now - t0 < secs * 1000000L) {
    fromlen = sizeof(from);
    if ((n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fromlen)) < 0) {
      if (packets > 0 && !echo)
        break;  // a quiet second after traffic: the sender is done
      now = clock_us();
      continue;
    }
    if (packets++ == 0)
      first = now = clock_us();
    else if (packets % 64 == 0)
      now = clock_us();
    last = now;
    bytes += n;
    if (echo)
      sendto(fd, buf, n, 0, (struct sockaddr *)&from, fromlen);
    if (n >= 4) {
      seq = ((uint)(uchar)buf[0] << 24) | ((uchar)buf[1] << 16) | ((uchar)buf[2] << 8) |
            (uchar)buf[3];
      if (seq > maxseq)
        maxseq = seq;
    }
  }
  printf("udpsink: %ld packets, %ld bytes in %ld us, maxseq %ld\n", packets, bytes, last - first,
         maxseq);
  close(fd);
  exit(0);
}
