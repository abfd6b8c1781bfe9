// nettest: the socket-layer test suite, run in the guest.
//   nettest                       every test; tests that need a UDP echo peer are skipped
//   nettest NAME...               only the named tests
//   nettest -p HOST PORT [NAME...]   with a UDP echo peer at HOST:PORT (the test harness
//                                 runs one on the host: the guest reaches it as 10.0.2.2)
//   nettest NAME HOST PORT        one test with a peer
// Each test prints `name: OK`, `name: FAIL why` or `name: SKIP why`; the last line is
// `nettest: ALL OK` or `nettest: N FAILED`. After every test the packet buffers in use
// and the free pages must come back to what they were before it (no leak), and the
// descriptors it left open are closed.
//
// Decisions documented here (they are what the tests check):
// - a receive timeout (SO_RCVTIMEO) ends with EAGAIN, as on Linux;
// - sending to an on-link host that never answers ARP (10.0.2.99) succeeds (the packet
//   waits for ARP); when ARP gives up the packet is freed, counted in arp_resolve_fail,
//   and the sending socket's next recv (or send) fails with EHOSTUNREACH, once;
// - an ICMP port unreachable for a connected UDP socket is reported as ECONNREFUSED by
//   the next recv (or send), once;
// - a zero-length sendto sends an empty datagram and returns 0; len > 65507 or more than
//   fits one frame (no fragmentation) is EMSGSIZE.
#include "user/user.h"
#include "kernel/param.h"
#include "kernel/net/netctl.h"

#define NELEM(x) ((int)(sizeof(x) / sizeof((x)[0])))
#define BADPTR   ((void *)0x1000000000L)  // far above any user program's memory
#define GATEWAY  "10.0.2.2"
#define NOBODY   "10.0.2.99"  // on-link, never answers ARP (QEMU slirp)

static char why[160];
static struct sockaddr_in peer;  // the UDP echo peer (-p)
static int have_peer;
static char buf[2048];
static char big[2000];

// ---- helpers ----

// Record why a test failed; returns -1 so a test can `return fail(...)`.
static int
fail(const char *msg)
{
  strncpy(why, msg, sizeof(why) - 1);
  why[sizeof(why) - 1] = 0;
  return -1;
}

// 0 if the call succeeded (r >= 0), else -1 with why set.
static int
ok(const char *what, int r)
{
  if (r >= 0)
    return 0;
  snprintf(why, sizeof(why), "%s: %s", what, strerror(errno));
  return -1;
}

// 0 if the call failed with errno want, else -1 with why set.
static int
err(const char *what, int r, int want)
{
  if (r == -1 && errno == want)
    return 0;
  if (r >= 0)
    snprintf(why, sizeof(why), "%s: returned %d, expected %s", what, r, strerror(want));
  else
    snprintf(why, sizeof(why), "%s: got '%s', expected '%s'", what, strerror(errno),
             strerror(want));
  return -1;
}

// An address from text (the tests' own constants, so no error path).
static struct sockaddr_in
addr(const char *host, int port)
{
  struct sockaddr_in sin;

  memset(&sin, 0, sizeof(sin));
  sin.sin_family = AF_INET;
  inet_aton(host, &sin.sin_addr);
  sin.sin_port = htons(port);
  return sin;
}

// A UDP socket bound to port (0: not bound); -1 with why set.
static int
udp_socket(int port)
{
  struct sockaddr_in sin = addr("0.0.0.0", port);
  int fd;

  if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) < 0)
    return ok("socket", fd);
  if (port && ok("bind", bind(fd, (struct sockaddr *)&sin, sizeof(sin))) < 0)
    return -1;
  return fd;
}

// Set the receive timeout in milliseconds.
static int
set_timeout(int fd, int ms)
{
  struct timeval tv;

  tv.tv_sec = ms / 1000;
  tv.tv_usec = (ms % 1000) * 1000;
  return ok("setsockopt SO_RCVTIMEO", setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
}

// The interface's counters; -1 with why set.
static int
ifinfo(struct netctl_ifinfo *in)
{
  return ok("netctl IFINFO", netctl(NETCTL_IFINFO, in, sizeof(*in)));
}

// Is a socket with local port `port` (host order) in the socket table?
static int
sock_listed(int port, struct netctl_sock *out)
{
  static struct netctl_sock t[64];
  int n = netctl(NETCTL_SOCKS, t, sizeof(t));

  for (int i = 0; i < n; i++) {
    if (ntohs(t[i].lport) == port) {
      if (out)
        *out = t[i];
      return 1;
    }
  }
  return 0;
}

// ---- tests that need no peer ----

// socket, getsockname before and after bind; close takes the socket out of the table.
static int
t_basic(void)
{
  struct sockaddr_in sin;
  int fd, len = sizeof(sin);

  if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) < 0)
    return ok("socket", fd);
  if (ok("getsockname", getsockname(fd, (struct sockaddr *)&sin, &len)) < 0)
    return -1;
  if (len != sizeof(sin) || sin.sin_family != AF_INET || sin.sin_port != 0)
    return fail("getsockname of an unbound socket is not AF_INET 0.0.0.0:0");
  sin = addr("0.0.0.0", 5001);
  if (ok("bind 5001", bind(fd, (struct sockaddr *)&sin, sizeof(sin))) < 0)
    return -1;
  memset(&sin, 0, sizeof(sin));
  if (ok("getsockname", getsockname(fd, (struct sockaddr *)&sin, &len)) < 0)
    return -1;
  if (ntohs(sin.sin_port) != 5001)
    return fail("getsockname after bind(5001): wrong port");
  if (!sock_listed(5001, 0))
    return fail("the bound socket is missing from netctl(NETCTL_SOCKS)");
  close(fd);
  if (sock_listed(5001, 0))
    return fail("a closed socket is still in netctl(NETCTL_SOCKS)");
  if ((fd = udp_socket(5001)) < 0)  // the port is free again
    return -1;
  return 0;
}

// socket() arguments: families, types, protocols; a full descriptor table.
static int
t_create(void)
{
  int fd, n;

  if (err("socket(99, SOCK_DGRAM)", socket(99, SOCK_DGRAM, 0), EAFNOSUPPORT) < 0 ||
      err("socket type 99", socket(AF_INET, 99, 0), EINVAL) < 0 ||
      err("SOCK_RAW IPPROTO_UDP", socket(AF_INET, SOCK_RAW, IPPROTO_UDP), EPROTONOSUPPORT) < 0 ||
      err("SOCK_DGRAM IPPROTO_ICMP", socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP), EPROTONOSUPPORT) <
          0)
    return -1;
  if (ok("socket raw ICMP", socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)) < 0 ||
      ok("socket UDP nonblocking", socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, IPPROTO_UDP)) < 0)
    return -1;
  for (n = 0; (fd = socket(AF_INET, SOCK_DGRAM, 0)) >= 0; n++)
    ;
  if (errno != EMFILE)
    return err("socket until the descriptor table is full", fd, EMFILE);
  if (n < 5)
    return fail("fewer than 5 sockets fit in the descriptor table");
  return 0;
}

// Make and close many sockets: slots and ports are reused, nothing leaks.
static int
t_churn(void)
{
  int fd;

  for (int i = 0; i < 200; i++) {
    if ((fd = udp_socket(5010)) < 0)
      return -1;
    if (i % 2 == 0 && sendto(fd, "x", 1, 0, 0, 0) != -1)
      return fail("sendto without an address on an unconnected socket succeeded");
    close(fd);
  }
  if (sock_listed(5010, 0))
    return fail("a closed socket is still in the socket table");
  return 0;
}

// Child of t_socktable: make sockets until socket() fails, report how many and why
// on the pipe, then hold them until the parent closes `go`.
static void
socktable_child(int rep, int go)
{
  int msg[2] = { 0, 0 };
  char c;

  while (socket(AF_INET, SOCK_DGRAM, 0) >= 0)
    msg[0]++;
  msg[1] = errno;
  write(rep, msg, sizeof(msg));
  read(go, &c, 1);  // returns 0 when the parent closes the other end
  exit(0);
}

// Fill the system's socket table (NSOCKET = 64, kernel/net/sock.h) from six processes:
// socket() fails with ENFILE, nothing breaks, and every slot comes back at exit.
static int
t_socktable(void)
{
  int rep[2], go[2], msg[2], total = 0, nfile = 0, k;

  if (ok("pipe", pipe(rep)) < 0 || ok("pipe", pipe(go)) < 0)
    return -1;
  for (k = 0; k < 6; k++) {
    int pid = fork();
    if (pid == 0) {
      close(rep[0]);
      close(go[1]);
      socktable_child(rep[1], go[0]);
    }
    if (pid < 0)
      break;
  }
  for (int i = 0; i < k && read(rep[0], msg, sizeof(msg)) == sizeof(msg); i++) {
    total += msg[0];
    nfile += msg[1] == ENFILE;
  }
  close(go[1]);
  while (k-- > 0)
    wait(0);
  if (nfile == 0 || total > 64) {
    snprintf(why, sizeof(why), "%d sockets made, %d processes saw ENFILE (want <= 64, >= 1)", total,
             nfile);
    return -1;
  }
  if (ok("socket after the others exited", socket(AF_INET, SOCK_DGRAM, 0)) < 0)
    return -1;
  return 0;
}

// Two sockets on one port: EADDRINUSE until the first is closed; a bound socket
// cannot be bound again (EINVAL, as on Linux).
static int
t_doublebind(void)
{
  struct sockaddr_in sin = addr("0.0.0.0", 5002), other = addr("0.0.0.0", 5003);
  int a, b;

  if ((a = udp_socket(5002)) < 0 || (b = udp_socket(0)) < 0)
    return -1;
  if (err("second bind to port 5002", bind(b, (struct sockaddr *)&sin, sizeof(sin)), EADDRINUSE) <
      0)
    return -1;
  if (err("binding a bound socket again", bind(a, (struct sockaddr *)&other, sizeof(other)),
          EINVAL) < 0)
    return -1;
  close(a);
  return ok("bind after the owner closed", bind(b, (struct sockaddr *)&sin, sizeof(sin)));
}

// bind to port 0 picks a port; sendto on an unbound socket binds it.
static int
t_ephemeral(void)
{
  struct sockaddr_in sin = addr("0.0.0.0", 0), gw = addr(GATEWAY, 9);
  int a, b, len = sizeof(sin);

  if ((a = udp_socket(0)) < 0 || (b = udp_socket(0)) < 0)
    return -1;
  if (ok("bind port 0", bind(a, (struct sockaddr *)&sin, sizeof(sin))) < 0 ||
      ok("getsockname", getsockname(a, (struct sockaddr *)&sin, &len)) < 0)
    return -1;
  if (sin.sin_port == 0)
    return fail("bind to port 0 did not pick a port");
  if (ok("sendto", sendto(b, "x", 1, 0, (struct sockaddr *)&gw, sizeof(gw))) < 0 ||
      ok("getsockname", getsockname(b, (struct sockaddr *)&sin, &len)) < 0)
    return -1;
  if (sin.sin_port == 0)
    return fail("sendto on an unbound socket left it without a port");
  return 0;
}

// Descriptors that do not exist: EBADF from every call.
static int
t_badfd(void)
{
  struct sockaddr_in gw = addr(GATEWAY, 9);
  int len = sizeof(gw);

  if (err("sendto(-1)", sendto(-1, "x", 1, 0, (struct sockaddr *)&gw, len), EBADF) < 0 ||
      err("sendto(99)", sendto(99, "x", 1, 0, (struct sockaddr *)&gw, len), EBADF) < 0 ||
      err("recv(15)", recv(15, buf, 10, 0), EBADF) < 0 ||
      err("bind(-1)", bind(-1, (struct sockaddr *)&gw, len), EBADF) < 0 ||
      err("connect(12)", connect(12, (struct sockaddr *)&gw, len), EBADF) < 0 ||
      err("getsockname(-5)", getsockname(-5, (struct sockaddr *)&gw, &len), EBADF) < 0 ||
      err("setsockopt(13)", setsockopt(13, SOL_SOCKET, SO_RCVBUF, &len, 4), EBADF) < 0)
    return -1;
  return 0;
}

// Descriptors that are not sockets (a pipe, the console): ENOTSOCK.
static int
t_notsock(void)
{
  struct sockaddr_in gw = addr(GATEWAY, 9);
  int p[2], len = sizeof(gw);

  if (ok("pipe", pipe(p)) < 0)
    return -1;
  if (err("bind(pipe)", bind(p[0], (struct sockaddr *)&gw, len), ENOTSOCK) < 0 ||
      err("sendto(pipe)", sendto(p[1], "x", 1, 0, (struct sockaddr *)&gw, len), ENOTSOCK) < 0 ||
      err("recvfrom(pipe)", recvfrom(p[0], buf, 10, 0, 0, 0), ENOTSOCK) < 0 ||
      err("send(pipe)", send(p[1], "x", 1, 0), ENOTSOCK) < 0 ||
      err("recv(pipe)", recv(p[0], buf, 10, MSG_DONTWAIT), ENOTSOCK) < 0 ||
      err("connect(pipe)", connect(p[0], (struct sockaddr *)&gw, len), ENOTSOCK) < 0 ||
      err("getsockname(pipe)", getsockname(p[0], (struct sockaddr *)&gw, &len), ENOTSOCK) < 0 ||
      err("setsockopt(pipe)", setsockopt(p[0], SOL_SOCKET, SO_RCVBUF, &len, 4), ENOTSOCK) < 0 ||
      err("getsockopt(pipe)", getsockopt(p[0], SOL_SOCKET, SO_RCVBUF, &len, &len), ENOTSOCK) < 0 ||
      err("sendto(console)", sendto(0, "x", 1, 0, (struct sockaddr *)&gw, len), ENOTSOCK) < 0)
    return -1;
  return 0;
}

// Bad user pointers: EFAULT, never a crash, nothing leaked.
static int
t_efault(void)
{
  struct sockaddr_in gw = addr(GATEWAY, 9), sin;
  void *maxva = (void *)0xfffffffffffff000L;
  int fd, len = sizeof(sin), v = 0;

  if ((fd = udp_socket(0)) < 0)
    return -1;
  if (err("bind(BADPTR)", bind(fd, BADPTR, sizeof(sin)), EFAULT) < 0 ||
      err("bind(0)", bind(fd, 0, sizeof(sin)), EFAULT) < 0 ||
      err("sendto buf BADPTR", sendto(fd, BADPTR, 10, 0, (struct sockaddr *)&gw, len), EFAULT) <
          0 ||
      err("sendto buf above MAXVA", sendto(fd, maxva, 10, 0, (struct sockaddr *)&gw, len), EFAULT) <
          0 ||
      err("sendto to BADPTR", sendto(fd, "x", 1, 0, BADPTR, len), EFAULT) < 0 ||
      err("recvfrom from BADPTR", recvfrom(fd, buf, 10, 0, BADPTR, &len), EFAULT) < 0 ||
      err("recvfrom fromlen BADPTR", recvfrom(fd, buf, 10, 0, (struct sockaddr *)&sin, BADPTR),
          EFAULT) < 0 ||
      err("setsockopt val BADPTR", setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, BADPTR, 16), EFAULT) <
          0 ||
      err("getsockopt len BADPTR", getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, BADPTR), EFAULT) < 0 ||
      err("getsockname BADPTR", getsockname(fd, BADPTR, &len), EFAULT) < 0 ||
      err("netctl IFINFO BADPTR", netctl(NETCTL_IFINFO, BADPTR, sizeof(struct netctl_ifinfo)),
          EFAULT) < 0)
    return -1;
  return 0;
}

// Lengths: negative EINVAL, too big EMSGSIZE, short address EINVAL, wrong family
// EAFNOSUPPORT; a full frame's worth (1472) and an empty datagram are sent.
static int
t_lengths(void)
{
  struct sockaddr_in gw = addr(GATEWAY, 9), bad = addr(GATEWAY, 9);
  int fd, r;

  bad.sin_family = 99;
  if ((fd = udp_socket(0)) < 0)
    return -1;
  if (err("sendto len -1", sendto(fd, big, -1, 0, (struct sockaddr *)&gw, sizeof(gw)), EINVAL) <
          0 ||
      err("sendto len 65508", sendto(fd, big, 65508, 0, (struct sockaddr *)&gw, sizeof(gw)),
          EMSGSIZE) < 0 ||
      err("sendto len 2000", sendto(fd, big, 2000, 0, (struct sockaddr *)&gw, sizeof(gw)),
          EMSGSIZE) < 0 ||
      err("sendto tolen 4", sendto(fd, big, 10, 0, (struct sockaddr *)&gw, 4), EINVAL) < 0 ||
      err("sendto family 99", sendto(fd, big, 10, 0, (struct sockaddr *)&bad, sizeof(bad)),
          EAFNOSUPPORT) < 0 ||
      err("recv len -1", recv(fd, buf, -1, MSG_DONTWAIT), EINVAL) < 0 ||
      err("bind addrlen 4", bind(fd, (struct sockaddr *)&gw, 4), EINVAL) < 0)
    return -1;
  if ((r = sendto(fd, big, 1472, 0, (struct sockaddr *)&gw, sizeof(gw))) != 1472)
    return r < 0 ? ok("sendto len 1472", r) : fail("sendto len 1472: short count");
  if ((r = sendto(fd, big, 0, 0, (struct sockaddr *)&gw, sizeof(gw))) != 0)
    return r < 0 ? ok("sendto len 0", r) : fail("sendto len 0 returned > 0");
  return 0;
}

// send/write need a connected socket (EDESTADDRREQ); after connect they work.
static int
t_unconnected(void)
{
  struct sockaddr_in gw = addr(GATEWAY, 9);
  int fd;

  if ((fd = udp_socket(0)) < 0)
    return -1;
  if (err("send unconnected", send(fd, "x", 1, 0), EDESTADDRREQ) < 0 ||
      err("write unconnected", write(fd, "x", 1), EDESTADDRREQ) < 0)
    return -1;
  if (ok("connect", connect(fd, (struct sockaddr *)&gw, sizeof(gw))) < 0)
    return -1;
  // Nobody listens on the host's port 9: the ICMP port unreachable for the first datagram
  // may come back before the second call, which then reports ECONNREFUSED (as on Linux).
  if (send(fd, "ab", 2, 0) != 2)
    return ok("send on a connected socket", -1);
  if (write(fd, "abc", 3) != 3 && errno != ECONNREFUSED)
    return ok("write on a connected socket", -1);
  return 0;
}

// Options: SO_RCVTIMEO round trip, SO_RCVBUF clamped to 1..1024, SO_BROADCAST,
// SO_ERROR, and the errors for unknown levels/names and bad values.
static int
t_sockopt(void)
{
  struct timeval tv = { 1, 500000 }, got;
  int fd, v, len;

  if ((fd = udp_socket(0)) < 0)
    return -1;
  if (ok("set SO_RCVTIMEO", setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv))) < 0)
    return -1;
  len = sizeof(got);
  if (ok("get SO_RCVTIMEO", getsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &got, &len)) < 0)
    return -1;
  if (len != sizeof(got) || got.tv_sec != 1 || got.tv_usec != 500000)
    return fail("SO_RCVTIMEO did not read back as 1.5 s");
  int want[3][2] = { { 0, 1 }, { 5000, 1024 }, { 10, 10 } };
  for (int i = 0; i < 3; i++) {
    v = want[i][0];
    len = sizeof(v);
    if (ok("set SO_RCVBUF", setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v))) < 0 ||
        ok("get SO_RCVBUF", getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, &len)) < 0)
      return -1;
    if (v != want[i][1])
      return fail("SO_RCVBUF is not clamped to 1..1024 packets");
  }
  v = 1;
  if (ok("set SO_BROADCAST", setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &v, sizeof(v))) < 0 ||
      ok("get SO_BROADCAST", getsockopt(fd, SOL_SOCKET, SO_BROADCAST, &v, &len)) < 0 || v != 1)
    return why[0] ? -1 : fail("SO_BROADCAST did not read back as 1");
  if (ok("get SO_ERROR", getsockopt(fd, SOL_SOCKET, SO_ERROR, &v, &len)) < 0 || v != 0)
    return why[0] ? -1 : fail("SO_ERROR of a new socket is not 0");
  tv.tv_usec = 2000000;
  if (err("level 99", setsockopt(fd, 99, SO_RCVBUF, &v, sizeof(v)), ENOPROTOOPT) < 0 ||
      err("option 999", setsockopt(fd, SOL_SOCKET, 999, &v, sizeof(v)), ENOPROTOOPT) < 0 ||
      err("get option 999", getsockopt(fd, SOL_SOCKET, 999, &v, &len), ENOPROTOOPT) < 0 ||
      err("SO_RCVTIMEO len 4", setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, 4), EINVAL) < 0 ||
      err("SO_RCVTIMEO usec 2e6", setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)),
          EINVAL) < 0)
    return -1;
  return 0;
}

// SO_RCVTIMEO: recv gives up with EAGAIN (as on Linux) after about the timeout.
static int
t_timeout(void)
{
  long t0, ms;
  int fd;

  if ((fd = udp_socket(5004)) < 0 || set_timeout(fd, 300) < 0)
    return -1;
  t0 = clock_us();
  if (err("recv with a 300 ms timeout", recv(fd, buf, sizeof(buf), 0), EAGAIN) < 0)
    return -1;
  ms = (clock_us() - t0) / 1000;
  if (ms < 250 || ms > 1500) {
    snprintf(why, sizeof(why), "the 300 ms timeout took %ld ms", ms);
    return -1;
  }
  return 0;
}

// Nonblocking sockets and MSG_DONTWAIT: EAGAIN at once; poll sees POLLOUT, no POLLIN.
static int
t_nonblock(void)
{
  struct pollfd pfd;
  long t0 = clock_us();
  int a, b;

  if ((a = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0)) < 0)
    return ok("socket nonblocking", a);
  if ((b = udp_socket(5005)) < 0)
    return -1;
  if (err("recv on a nonblocking socket", recv(a, buf, sizeof(buf), 0), EAGAIN) < 0 ||
      err("recv MSG_DONTWAIT", recv(b, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN) < 0)
    return -1;
  if (clock_us() - t0 > 100000)
    return fail("nonblocking recv took more than 100 ms");
  pfd.fd = b;
  pfd.events = POLLIN | POLLOUT;
  pfd.revents = 0;
  if (poll(&pfd, 1, 0) != 1 || pfd.revents != POLLOUT)
    return fail("poll on an idle socket: want exactly POLLOUT");
  pfd.events = POLLIN;
  t0 = clock_us();
  if (poll(&pfd, 1, 200) != 0 || clock_us() - t0 < 150000)
    return fail("poll(POLLIN, 200 ms) on an idle socket did not time out after 200 ms");
  return 0;
}

// A process blocked in recvfrom is killed: it exits at once and its socket goes away.
static int
t_killrecv(void)
{
  int p[2], pid, st = 0;
  long t0;
  char c;

  if (ok("pipe", pipe(p)) < 0 || ok("fork", pid = fork()) < 0)
    return -1;
  if (pid == 0) {
    int fd = udp_socket(5006);
    if (fd < 0 || set_timeout(fd, 5000) < 0)
      exit(3);
    write(p[1], "r", 1);
    recvfrom(fd, buf, sizeof(buf), 0, 0, 0);
    exit(2);  // only if the kill did not end the call
  }
  read(p[0], &c, 1);
  sleep_ms(200);
  if (!sock_listed(5006, 0)) {
    kill(pid);
    wait(0);
    return fail("the child's socket is not in the socket table");
  }
  t0 = clock_us();
  kill(pid);
  if (wait(&st) != pid)
    return fail("wait did not return the killed child");
  if (st == 2 || st == 3 || clock_us() - t0 > 2000000)
    return fail("kill did not interrupt recvfrom");
  if (sock_listed(5006, 0))
    return fail("the killed child's socket is still in the socket table");
  return 0;
}

// An on-link host that never answers ARP: the send is accepted (the packet waits for
// ARP); ARP gives up within 10 s (arp_resolve_fail grows), frees the packet and the
// sender's socket reports EHOSTUNREACH, once.
static int
t_unreach(void)
{
  struct sockaddr_in to = addr(NOBODY, 9);
  struct netctl_ifinfo a, b;
  int fd, r, i;

  netctl(NETCTL_ARP_FLUSH, 0, 0);
  if ((fd = udp_socket(0)) < 0 || ifinfo(&a) < 0 || set_timeout(fd, 500) < 0)
    return -1;
  if (ok("connect", connect(fd, (struct sockaddr *)&to, sizeof(to))) < 0 ||
      ok("send to " NOBODY, send(fd, "hello", 5, 0)) < 0)
    return -1;
  for (i = 0; i < 20 && (r = recv(fd, buf, sizeof(buf), 0)) < 0 && errno == EAGAIN; i++)
    ;
  if (i == 20)
    return fail("no EHOSTUNREACH within 10 s of sending to " NOBODY);
  if (err("recv after ARP gave up", r, EHOSTUNREACH) < 0 || ifinfo(&b) < 0)
    return -1;
  if (b.proto.arp_resolve_fail <= a.proto.arp_resolve_fail)
    return fail("EHOSTUNREACH, but arp_resolve_fail did not grow");
  return err("the error is reported once, then", recv(fd, buf, sizeof(buf), 0), EAGAIN);
}

// An ICMP port unreachable (RFC 792 type 3 code 3) for a connected UDP socket:
// the next recv fails with ECONNREFUSED, once.
static int
t_refused(void)
{
  struct sockaddr_in to = have_peer ? peer : addr(GATEWAY, 1);
  int fd;

  to.sin_port = htons(1);  // tcpmux: nobody listens on UDP port 1 on the host
  if ((fd = udp_socket(0)) < 0 || set_timeout(fd, 3000) < 0)
    return -1;
  if (ok("connect", connect(fd, (struct sockaddr *)&to, sizeof(to))) < 0 ||
      ok("send", send(fd, "anyone?", 7, 0)) < 0)
    return -1;
  if (err("recv after ICMP port unreachable", recv(fd, buf, sizeof(buf), 0), ECONNREFUSED) < 0)
    return -1;
  if (set_timeout(fd, 200) < 0)
    return -1;
  return err("the error is reported once, then", recv(fd, buf, sizeof(buf), 0), EAGAIN);
}

// One ICMP echo exchange with host on raw socket fd (RFC 792): request id/seq, wait up
// to 2 s for the matching reply, check its IP header and checksum.
static int
echo_once(int fd, const char *host, int id, int seq)
{
  struct sockaddr_in to = addr(host, 0), from;
  uchar pkt[64], *ip = (uchar *)buf, *icmp;
  int n, hlen, fromlen;

  memset(pkt, seq, sizeof(pkt));
  pkt[0] = 8;  // echo request
  pkt[1] = pkt[2] = pkt[3] = 0;
  pkt[4] = id >> 8, pkt[5] = id, pkt[6] = seq >> 8, pkt[7] = seq;
  *(uint16 *)(pkt + 2) = in_cksum(pkt, sizeof(pkt));
  if (ok("sendto ICMP echo", sendto(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&to, sizeof(to))) <
      0)
    return -1;
  for (;;) {
    fromlen = sizeof(from);
    if ((n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fromlen)) < 0)
      return ok("recvfrom echo reply", n);
    hlen = (ip[0] & 0xf) * 4;
    icmp = ip + hlen;
    if ((ip[0] >> 4) != 4 || hlen < 20 || n < hlen + 8)
      return fail("a raw ICMP socket must receive the IPv4 header too");
    if (icmp[0] != 0 || ((icmp[4] << 8) | icmp[5]) != id || ((icmp[6] << 8) | icmp[7]) != seq)
      continue;  // someone else's ICMP
    if (ip[9] != IPPROTO_ICMP || from.sin_addr.s_addr != to.sin_addr.s_addr ||
        memcmp(ip + 12, &to.sin_addr, 4) != 0)
      return fail("echo reply: wrong protocol or source address");
    if (n - hlen != sizeof(pkt) || in_cksum(icmp, n - hlen) != 0 ||
        memcmp(icmp + 8, pkt + 8, sizeof(pkt) - 8) != 0)
      return fail("echo reply: wrong length, checksum or data");
    return 0;
  }
}

// ping the gateway (QEMU's slirp answers) on a raw ICMP socket.
static int
t_ping(void)
{
  int fd;

  if ((fd = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)) < 0)
    return ok("socket raw ICMP", fd);
  if (set_timeout(fd, 2000) < 0)
    return -1;
  for (int seq = 1; seq <= 3; seq++)
    if (echo_once(fd, GATEWAY, getpid() + 0x4e00, seq) < 0)
      return -1;
  return 0;
}

// Wait for child pid; 0 if it exited with status 0, else -1 with why set.
static int
wait_ok(int pid, const char *what)
{
  int st = -1;

  if (wait(&st) != pid || st != 0) {
    snprintf(why, sizeof(why), "%s: the child failed (status %d)", what, st);
    return -1;
  }
  return 0;
}

// Two processes ping at once on two raw sockets; each sees only its own replies.
static int
t_twoping(void)
{
  int pid, fd, r = 0;

  if (ok("fork", pid = fork()) < 0)
    return -1;
  if ((fd = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)) < 0 || set_timeout(fd, 2000) < 0)
    r = -1;
  for (int seq = 1; r == 0 && seq <= 5; seq++)
    r = echo_once(fd, GATEWAY, getpid() + 0x5e00, seq);
  if (pid == 0) {
    if (r < 0)
      printf("twoping child: %s\n", why);
    exit(r < 0 ? 1 : 0);
  }
  if (r < 0) {
    wait(0);
    return -1;
  }
  return wait_ok(pid, "twoping");
}

// ---- tests that need the UDP echo peer ----

// n round trips of distinct datagrams with the peer on fd (connected or not).
static int
exchange(int fd, int n, const char *tag)
{
  struct sockaddr_in from;
  int len, got, fromlen;

  for (int i = 0; i < n; i++) {
    len = snprintf(big, sizeof(big), "%s pid %d seq %d ", tag, getpid(), i);
    len += (i * 97) % 1000;  // sizes from ~20 to ~1020 bytes
    if (ok("sendto peer", sendto(fd, big, len, 0, (struct sockaddr *)&peer, sizeof(peer))) < 0)
      return -1;
    fromlen = sizeof(from);
    if ((got = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fromlen)) < 0)
      return ok("recvfrom peer", got);
    if (got != len || memcmp(buf, big, len) != 0)
      return fail("the echo differs from what was sent");
    if (fromlen != sizeof(from) || from.sin_addr.s_addr != peer.sin_addr.s_addr ||
        from.sin_port != peer.sin_port)
      return fail("recvfrom: the echo's source is not the peer");
  }
  return 0;
}

// Round trips with the peer: sendto/recvfrom, then connected send/recv and write/read;
// a bad receive buffer gives EFAULT.
static int
t_echo(void)
{
  struct pollfd pfd;
  int fd, n;

  if ((fd = udp_socket(0)) < 0 || set_timeout(fd, 2000) < 0 || exchange(fd, 10, "echo") < 0)
    return -1;
  if (ok("sendto", sendto(fd, "p", 1, 0, (struct sockaddr *)&peer, sizeof(peer))) < 0)
    return -1;
  pfd.fd = fd;
  pfd.events = POLLIN;
  pfd.revents = 0;
  if (poll(&pfd, 1, 2000) != 1 || !(pfd.revents & POLLIN) || recv(fd, buf, 10, 0) != 1)
    return fail("poll did not report the echo as POLLIN within 2 s");
  if (ok("connect peer", connect(fd, (struct sockaddr *)&peer, sizeof(peer))) < 0)
    return -1;
  if (send(fd, "connected", 9, 0) != 9 || (n = recv(fd, buf, sizeof(buf), 0)) != 9 ||
      memcmp(buf, "connected", 9) != 0)
    return fail("send/recv on the connected socket");
  if (write(fd, "written", 7) != 7 || (n = read(fd, buf, sizeof(buf))) != 7 ||
      memcmp(buf, "written", 7) != 0)
    return fail("write/read on the connected socket");
  if (ok("send", send(fd, "lost", 4, 0)) < 0)
    return -1;
  return err("recv into a bad buffer", recv(fd, BADPTR, 100, 0), EFAULT);
}

// Datagrams of sizes around the kernel's copy strides (8-byte words, 8-byte passes),
// sent from and received into buffers at every offset within a word: the kernel copies
// a received payload, which starts 42 bytes into its frame, to wherever the user's buffer
// is (copy_forward's three ways), and the echo must come back byte for byte, with nothing
// written before or after it in the receive buffer. A pipe's copies too.
static int
t_align(void)
{
  static const int sizes[] = { 1, 7, 8, 9, 15, 16, 17, 31, 33, 100, 1000, 1472 };
  int fd, p[2], got;

  if ((fd = udp_socket(0)) < 0 || set_timeout(fd, 2000) < 0)
    return -1;
  for (int i = 0; i < (int)NELEM(sizes); i++) {
    int n = sizes[i];
    for (int off = 0; off < 8; off++) {
      char *out = big + (off * 3) % 8, *in = buf + off;
      for (int k = 0; k < n; k++)
        out[k] = (char)(k * 7 + n + off);
      memset(buf, 0x5a, n + 16);
      if (sendto(fd, out, n, 0, (struct sockaddr *)&peer, sizeof(peer)) != n)
        return ok("sendto peer", -1);
      if ((got = recv(fd, in, n + 8, 0)) != n)
        return got < 0 ? ok("recv", got) : fail("recv: a short or long echo");
      if (memcmp(in, out, n) != 0)
        return fail("the echo differs from what was sent (a copy at an odd offset)");
      for (int k = 0; k < off; k++)
        if (buf[k] != 0x5a)
          return fail("recv wrote before the start of the buffer");
      for (int k = off + n; k < n + 16; k++)
        if (buf[k] != 0x5a)
          return fail("recv wrote past the datagram's end");
    }
  }
  if (ok("pipe", pipe(p)) < 0)
    return -1;
  for (int off = 0; off < 8; off++) {  // 500 bytes: less than a pipe holds (512)
    for (int k = 0; k < 500; k++)
      big[off + k] = (char)(k * 13 + off);
    if (write(p[1], big + off, 500) != 500 || read(p[0], buf + 7 - off, 500) != 500 ||
        memcmp(buf + 7 - off, big + off, 500) != 0)
      return fail("a pipe's bytes changed on the way (a copy at an odd offset)");
  }
  close(p[0]);
  close(p[1]);
  return 0;
}

// Two processes exchange datagrams with the peer at the same time, each on its socket.
static int
t_twoproc(void)
{
  int pid, fd, r = 0;

  if (ok("fork", pid = fork()) < 0)
    return -1;
  if ((fd = udp_socket(0)) < 0 || set_timeout(fd, 2000) < 0)
    r = -1;
  if (r == 0)
    r = exchange(fd, 30, pid == 0 ? "child" : "parent");
  if (pid == 0) {
    if (r < 0)
      printf("twoproc child: %s\n", why);
    exit(r < 0 ? 1 : 0);
  }
  if (r < 0) {
    wait(0);
    return -1;
  }
  return wait_ok(pid, "twoproc");
}

// SO_RCVBUF bounds the receive queue: 10 echoes into a 4-packet queue keep 4 and
// count 6 drops (netstat's counter).
static int
t_rcvbuf(void)
{
  struct sockaddr_in me;
  struct netctl_sock s;
  int fd, v = 4, got = 0, len = sizeof(me);

  if ((fd = udp_socket(0)) < 0)
    return -1;
  if (ok("SO_RCVBUF", setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v))) < 0)
    return -1;
  for (int i = 0; i < 10; i++)
    if (ok("sendto peer", sendto(fd, "q", 1, 0, (struct sockaddr *)&peer, sizeof(peer))) < 0)
      return -1;
  sleep_ms(1000);
  while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0)
    got++;
  if (ok("getsockname", getsockname(fd, (struct sockaddr *)&me, &len)) < 0)
    return -1;
  if (!sock_listed(ntohs(me.sin_port), &s))
    return fail("the socket is not in the socket table");
  if (got != 4 || s.rx_dropped != 6) {
    snprintf(why, sizeof(why), "queue of 4: received %d, dropped %lu (want 4 and 6)", got,
             s.rx_dropped);
    return -1;
  }
  return 0;
}

// ---- the runner ----

struct test {
  const char *name;
  int (*fn)(void);
  int peer;  // needs the UDP echo peer
};

// clang-format off
static struct test tests[] = {
  {"basic", t_basic, 0},
  {"create", t_create, 0},
  {"churn", t_churn, 0},
  {"socktable", t_socktable, 0},
  {"doublebind", t_doublebind, 0},
  {"ephemeral", t_ephemeral, 0},
  {"badfd", t_badfd, 0},
  {"notsock", t_notsock, 0},
  {"efault", t_efault, 0},
  {"lengths", t_lengths, 0},
  {"unconnected", t_unconnected, 0},
  {"sockopt", t_sockopt, 0},
  {"timeout", t_timeout, 0},
  {"nonblock", t_nonblock, 0},
  {"killrecv", t_killrecv, 0},
  {"ping", t_ping, 0},
  {"twoping", t_twoping, 0},
  {"refused", t_refused, 0},
  {"unreach", t_unreach, 0},
  {"echo", t_echo, 1},
  {"align", t_align, 1},
  {"twoproc", t_twoproc, 1},
  {"rcvbuf", t_rcvbuf, 1},
};
// clang-format on

// After a test: packet buffers and free pages must come back (within 3 s, so packets
// in flight and ARP can settle). 0, or -1 with why set.
static int
leak_check(struct sysinfo *before)
{
  struct sysinfo now;

  for (int i = 0; i < 30; i++) {
    if (sysinfo(&now) < 0)
      return ok("sysinfo", -1);
    if (now.skb_inuse <= before->skb_inuse && now.freepages >= before->freepages)
      return 0;
    sleep_ms(100);
  }
  snprintf(why, sizeof(why), "leak: skb_inuse %lu -> %lu, freepages %lu -> %lu", before->skb_inuse,
           now.skb_inuse, before->freepages, now.freepages);
  return -1;
}

// Run one test and print its line; 0 passed or skipped, 1 failed.
static int
run(struct test *t)
{
  struct sysinfo before;
  int r;

  if (t->peer && !have_peer) {
    printf("%s: SKIP needs a UDP echo peer (nettest -p HOST PORT %s)\n", t->name, t->name);
    return 0;
  }
  why[0] = 0;
  if (sysinfo(&before) < 0) {
    printf("%s: FAIL sysinfo: %s\n", t->name, strerror(errno));
    return 1;
  }
  r = t->fn();
  for (int fd = 3; fd < NOFILE; fd++)
    close(fd);
  if (r == 0)
    r = leak_check(&before);
  if (r == 0)
    printf("%s: OK\n", t->name);
  else
    printf("%s: FAIL %s\n", t->name, why[0] ? why : "(no reason given)");
  return r != 0;
}

// Print usage and the test names, and exit.
static void
usage(void)
{
  fprintf(2, "usage: nettest [-p host port] [name...]\n       nettest name host port\ntests:");
  for (int i = 0; i < NELEM(tests); i++)
    fprintf(2, " %s%s", tests[i].name, tests[i].peer ? "(peer)" : "");
  fprintf(2, "\n");
  exit(2);
}

// The test called name, or 0.
static struct test *
find(const char *name)
{
  for (int i = 0; i < NELEM(tests); i++)
    if (strcmp(tests[i].name, name) == 0)
      return &tests[i];
  return 0;
}

int
main(int argc, char **argv)
{
  struct in_addr a;
  int i = 1, failed = 0;

  if (argc >= 4 && strcmp(argv[1], "-p") == 0) {
    if (parse_sockaddr(argv[2], argv[3], &peer) < 0)
      usage();
    have_peer = 1;
    i = 4;
  } else if (argc == 4 && inet_aton(argv[2], &a)) {
    if (parse_sockaddr(argv[2], argv[3], &peer) < 0)
      usage();
    have_peer = 1;
    argc = 2;
  }
  for (int j = i; j < argc; j++)
    if (find(argv[j]) == 0) {
      fprintf(2, "nettest: no test called %s\n", argv[j]);
      usage();
    }
  if (i == argc)
    for (int j = 0; j < NELEM(tests); j++)
      failed += run(&tests[j]);
  for (; i < argc; i++)
    failed += run(find(argv[i]));
  if (failed)
    printf("nettest: %d FAILED\n", failed);
  else
    printf("nettest: ALL OK\n");
  exit(failed ? 1 : 0);
}
