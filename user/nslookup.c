// nslookup: ask a DNS server for a name's IPv4 addresses (A records), over UDP.
//
//   nslookup NAME [SERVER [PORT]]
//
// SERVER defaults to the DNS server of the interface's configuration (ifconfig shows it;
// 10.0.2.3 under QEMU user networking), PORT to 53. One query, a 2-second timeout, up to
// 3 tries. Message format from RFC 1035 section 4.1; record type A = 1, class IN = 1.
#include "user/user.h"
#include "kernel/net/netctl.h"

#define DNS_PORT  53
#define QTYPE_A   1
#define QCLASS_IN 1

static char msg[512];  // RFC 1035 2.3.4: UDP messages are at most 512 bytes

// Build the query for name with id; returns its length, or -1 if the name is too long.
static int
build_query(const char *name, int id)
{
  int n = 12, len;
  const char *dot;

  memset(msg, 0, 12);
  put_be16(msg, id);
  put_be16(msg + 2, 0x0100);  // flags: a standard query, recursion desired
  put_be16(msg + 4, 1);       // one question
  while (*name) {
    dot = strchr(name, '.');
    len = dot ? dot - name : strlen(name);
    if (len == 0 || len > 63 || n + len + 6 > (int)sizeof(msg))
      return -1;
    msg[n++] = len;  // a label: its length, then its bytes
    memmove(msg + n, name, len);
    n += len;
    name += len + (dot ? 1 : 0);
  }
  msg[n++] = 0;  // the root label ends the name
  put_be16(msg + n, QTYPE_A);
  put_be16(msg + n + 2, QCLASS_IN);
  return n + 4;
}

// Skip the (possibly compressed) name at offset i of a reply of n bytes; -1 if malformed.
static int
skip_name(int i, int n)
{
  while (i < n) {
    int len = (uchar)msg[i];
    if ((len & 0xc0) == 0xc0)
      return i + 2;  // a pointer ends the name (RFC 1035 4.1.4)
    if (len == 0)
      return i + 1;
    i += len + 1;
  }
  return -1;
}

// Print the A records of a reply of n bytes to query id; returns how many, or -1.
static int
print_answers(const char *name, int n, int id)
{
  int i, an, type, rdlen, found = 0;

  if (n < 12 || get_be16(msg) != id || (msg[2] & 0x80) == 0)
    return -1;
  if ((msg[3] & 0x0f) != 0) {  // RCODE, RFC 1035 4.1.1
    static const char *const why[] = { "ok",           "format error",    "server failure",
                                       "no such name", "not implemented", "refused" };
    int rcode = msg[3] & 0x0f;
    printf("nslookup: %s: server says %s\n", name, rcode < 6 ? why[rcode] : "error");
    return 0;
  }
  an = get_be16(msg + 6);
  if ((i = skip_name(12, n)) < 0)
    return -1;
  i += 4;  // qtype, qclass
  for (; an > 0; an--) {
    if ((i = skip_name(i, n)) < 0 || i + 10 > n)
      return -1;
    type = get_be16(msg + i);
    rdlen = get_be16(msg + i + 8);
    i += 10;
    if (i + rdlen > n)
      return -1;
    if (type == QTYPE_A && rdlen == 4) {
      printf("%s has address %d.%d.%d.%d\n", name, (uchar)msg[i], (uchar)msg[i + 1],
             (uchar)msg[i + 2], (uchar)msg[i + 3]);
      found++;
    }
    i += rdlen;
  }
  return found;
}

// The server from the arguments, or the configured DNS server.
static int
server_addr(int argc, char **argv, struct sockaddr_in *to)
{
  struct netctl_ifinfo in;

  memset(to, 0, sizeof(*to));
  to->sin_family = AF_INET;
  to->sin_port = htons(argc > 3 ? atoi(argv[3]) : DNS_PORT);
  if (argc > 2)
    return inet_aton(argv[2], &to->sin_addr) ? 0 : -1;
  if (netctl(NETCTL_IFINFO, &in, sizeof(in)) < 0)
    return -1;
  to->sin_addr.s_addr = in.dns;
  return 0;
}

int
main(int argc, char **argv)
{
  struct sockaddr_in to;
  struct timeval tv = { 2, 0 };
  int fd, len, n = -1, id = (getpid() * 7919) & 0xffff;

  if (argc < 2 || argc > 4 || server_addr(argc, argv, &to) < 0) {
    fprintf(2, "usage: nslookup NAME [SERVER [PORT]]\n");
    exit(2);
  }
  if ((len = build_query(argv[1], id)) < 0) {
    fprintf(2, "nslookup: %s: not a valid name\n", argv[1]);
    exit(2);
  }
  if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) < 0 ||
      connect(fd, (struct sockaddr *)&to, sizeof(to)) < 0 ||
      setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0) {
    perror("nslookup: socket");
    exit(1);
  }
  for (int try = 0; try < 3 && n < 0; try++) {
    if (send(fd, msg, len, 0) != len) {
      perror("nslookup: send");
      exit(1);
    }
    n = recv(fd, msg, sizeof(msg), 0);
    if (n < 0 && errno != EAGAIN) {
      perror("nslookup: recv");
      exit(1);
    }
  }
  if (n < 0) {
    fprintf(2, "nslookup: %s: no answer from the server\n", argv[1]);
    exit(1);
  }
  if ((n = print_answers(argv[1], n, id)) < 0) {
    fprintf(2, "nslookup: %s: a malformed reply\n", argv[1]);
    exit(1);
  }
  close(fd);
  exit(n > 0 ? 0 : 1);
}
