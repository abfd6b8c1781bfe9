// udpblast: send COUNT UDP datagrams of SIZE bytes to HOST:PORT as fast as the stack
// takes them, for the send benchmark (the host side counts what arrives). Each payload
// starts with its sequence number (4 bytes, big-endian) so the receiver can count loss.
//
//   udpblast HOST PORT SIZE COUNT
// prints: udpblast: sent N of COUNT, SIZE bytes, in US us, errors E (last errno)
#include "user/user.h"

#define MAXSIZE 1472  // one Ethernet frame: 1500 - 20 (IP) - 8 (UDP)

int
main(int argc, char *argv[])
{
  static char buf[MAXSIZE];
  struct sockaddr_in to;
  int fd, size, count, i, sent = 0, errors = 0, lasterr = 0;
  long t0, t1;

  if (argc != 5 || inet_aton(argv[1], &to.sin_addr) == 0) {
    fprintf(2, "usage: udpblast HOST PORT SIZE COUNT\n");
    exit(2);
  }
  size = atoi(argv[3]);
  count = atoi(argv[4]);
  if (size < 4 || size > MAXSIZE || count < 1) {
    fprintf(2, "udpblast: SIZE must be 4..%d and COUNT at least 1\n", MAXSIZE);
    exit(2);
  }
  to.sin_family = AF_INET;
  to.sin_port = htons(atoi(argv[2]));
  if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) < 0) {
    perror("udpblast: socket");
    exit(1);
  }
  for (i = 0; i < size; i++)
    buf[i] = 'a' + i % 26;
  t0 = clock_us();
  for (i = 0; i < count; i++) {
    buf[0] = i >> 24;
    buf[1] = i >> 16;
    buf[2] = i >> 8;
    buf[3] = i;
    if (sendto(fd, buf, size, 0, (struct sockaddr *)&to, sizeof(to)) == size) {
      sent++;
    } else {
      errors++;
      lasterr = errno;
    }
  }
  t1 = clock_us();
  printf("udpblast: sent %d of %d, %d bytes, in %ld us, errors %d (%d)\n", sent, count, size,
         t1 - t0, errors, lasterr);
  close(fd);
  exit(errors ? 1 : 0);
}
