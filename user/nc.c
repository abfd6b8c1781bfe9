// nc: a UDP netcat.
//   nc -u [-w secs] host port   client: each line read from stdin is sent as one
//                               datagram to host:port; datagrams that come back are printed
//   nc -u -l [-w secs] port     server: prints the datagrams it receives; lines from stdin
//                               go back to the last sender
// Both end at end of input (^D); with -w they go on receiving after it, and quit once
// secs seconds pass with nothing received or typed.
// One poll() waits on stdin and the socket together.
#include "user/user.h"

struct nc {
  int fd;
  int listen;
  int wait_s;  // -w, 0 = none
  int stdin_open;
  int have_peer;  // server: someone sent us something
  struct sockaddr_in peer;
};

// Print usage and exit.
static void
usage(void)
{
  fprintf(2, "usage: nc -u [-w secs] host port\n       nc -u -l [-w secs] port\n");
  exit(2);
}

// Make the socket: connected to host:port (client) or bound to port (server).
static void
nc_open(struct nc *nc, char *host, char *port)
{
  struct sockaddr_in sin;

  if ((nc->fd = socket(AF_INET, SOCK_DGRAM, 0)) < 0) {
    fprintf(2, "nc: socket: %s\n", strerror(errno));
    exit(1);
  }
  if (parse_sockaddr(host, port, &sin) < 0) {
    fprintf(2, "nc: %s %s: bad address or port\n", host, port);
    exit(2);
  }
  if (nc->listen && bind(nc->fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
    fprintf(2, "nc: bind: %s\n", strerror(errno));
    exit(1);
  }
  if (!nc->listen && connect(nc->fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
    fprintf(2, "nc: connect: %s\n", strerror(errno));
    exit(1);
  }
}

// Read what stdin has and send it; clears stdin_open at end of input.
static void
nc_stdin(struct nc *nc)
{
  char buf[512];
  int n, r;

  if ((n = read(0, buf, sizeof(buf))) <= 0) {
    nc->stdin_open = 0;
    return;
  }
  if (nc->listen && !nc->have_peer) {
    fprintf(2, "nc: nobody to send to yet\n");
    return;
  }
  if (nc->listen)
    r = sendto(nc->fd, buf, n, 0, (struct sockaddr *)&nc->peer, sizeof(nc->peer));
  else
    r = send(nc->fd, buf, n, 0);
  if (r < 0)
    fprintf(2, "nc: send: %s\n", strerror(errno));
}

// Receive one datagram and print it; remember the sender (server).
static void
nc_sock(struct nc *nc)
{
  char buf[2048];
  struct sockaddr_in from;
  int fromlen = sizeof(from), n;

  n = recvfrom(nc->fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from, &fromlen);
  if (n < 0) {
    if (errno != EAGAIN)
      fprintf(2, "nc: recv: %s\n", strerror(errno));
    return;
  }
  if (nc->listen) {
    nc->peer = from;
    nc->have_peer = 1;
  }
  writeall(1, buf, n);
}

// The loop: wait on stdin (while open) and the socket. Returns at -w idle timeout.
static void
nc_loop(struct nc *nc)
{
  struct pollfd pfd[2];
  int n, timeout;

  for (;;) {
    if (!nc->stdin_open && nc->wait_s == 0)
      return;  // end of input (^D), no -w: done
    pfd[0].fd = nc->fd;
    pfd[0].events = POLLIN;
    pfd[1].fd = 0;
    pfd[1].events = POLLIN;
    pfd[0].revents = pfd[1].revents = 0;
    timeout = nc->wait_s ? nc->wait_s * 1000 : -1;
    if ((n = poll(pfd, nc->stdin_open ? 2 : 1, timeout)) < 0) {
      fprintf(2, "nc: poll: %s\n", strerror(errno));
      exit(1);
    }
    if (n == 0)
      return;  // -w: idle for wait_s seconds
    if (pfd[0].revents)
      nc_sock(nc);
    if (nc->stdin_open && pfd[1].revents)
      nc_stdin(nc);
  }
}

int
main(int argc, char **argv)
{
  struct nc nc;
  int i, udp = 0;

  memset(&nc, 0, sizeof(nc));
  nc.stdin_open = 1;
  for (i = 1; i < argc && argv[i][0] == '-'; i++) {
    if (strcmp(argv[i], "-u") == 0)
      udp = 1;
    else if (strcmp(argv[i], "-l") == 0)
      nc.listen = 1;
    else if (strcmp(argv[i], "-w") == 0 && i + 1 < argc && isdigit(argv[i + 1][0]))
      nc.wait_s = atoi(argv[++i]);
    else
      usage();
  }
  if (!udp) {
    fprintf(2, "nc: only UDP (-u) is supported\n");
    usage();
  }
  if (nc.listen && i == argc - 1)
    nc_open(&nc, "0.0.0.0", argv[i]);
  else if (!nc.listen && i == argc - 2)
    nc_open(&nc, argv[i], argv[i + 1]);
  else
    usage();
  nc_loop(&nc);
  close(nc.fd);
  exit(0);
}
