// udpecho: a UDP echo server for tests: every datagram goes back to its sender.
//   udpecho [-v] [-n count] [port]     (default port 2000, QEMU's host forward target)
// -v prints one line per datagram; -n exits after count datagrams.
#include "user/user.h"

static char buf[2048];

int
main(int argc, char **argv)
{
  struct sockaddr_in sin, from;
  int i, fd, n, fromlen, verbose = 0, count = -1, port = 2000;

  for (i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-v") == 0)
      verbose = 1;
    else if (strcmp(argv[i], "-n") == 0 && i + 1 < argc && isdigit(argv[i + 1][0]))
      count = atoi(argv[++i]);
    else if (i == argc - 1 && (port = parse_port(argv[i])) > 0)
      ;
    else {
      fprintf(2, "usage: udpecho [-v] [-n count] [port]\n");
      exit(2);
    }
  }
  if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) < 0) {
    fprintf(2, "udpecho: socket: %s\n", strerror(errno));
    exit(1);
  }
  memset(&sin, 0, sizeof(sin));
  sin.sin_family = AF_INET;
  sin.sin_port = htons(port);
  if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
    fprintf(2, "udpecho: bind: %s\n", strerror(errno));
    exit(1);
  }
  if (verbose)
    printf("udpecho: listening on port %d\n", port);
  for (i = 0; count < 0 || i < count; i++) {
    fromlen = sizeof(from);
    if ((n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fromlen)) < 0) {
      fprintf(2, "udpecho: recvfrom: %s\n", strerror(errno));
      exit(1);
    }
    if (verbose)
      printf("udpecho: %d bytes from %s\n", n, sockaddr_ntoa(&from));
    if (sendto(fd, buf, n, 0, (struct sockaddr *)&from, sizeof(from)) < 0)
      fprintf(2, "udpecho: sendto: %s\n", strerror(errno));
  }
  close(fd);
  exit(0);
}
