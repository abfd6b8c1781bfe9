// Network helpers for user programs: IPv4 dotted-quad text to and from struct in_addr.
// (htons/htonl/ntohs/ntohl are inline in kernel/net/in.h.)
#include "user/user.h"

// Parse "a.b.c.d" (each 0..255) into *a in network order; 1 on success, 0 if s is not
// a dotted quad.
int
inet_aton(const char *s, struct in_addr *a)
{
  uint32 addr = 0;
  int part, digits, i;

  for (i = 0; i < 4; i++) {
    part = 0;
    digits = 0;
    while (isdigit(*s) && digits < 4) {
      part = part * 10 + (*s++ - '0');
      digits++;
    }
    if (digits == 0 || digits > 3 || part > 255)
      return 0;
    addr = (addr << 8) | part;
    if (i < 3 && *s++ != '.')
      return 0;
  }
  if (*s != 0)
    return 0;
  a->s_addr = htonl(addr);
  return 1;
}

// The dotted-quad text of a (in a static buffer, overwritten by the next call).
char *
inet_ntoa(struct in_addr a)
{
  static char buf[16];
  uint32 h = ntohl(a.s_addr);

  snprintf(buf, sizeof(buf), "%d.%d.%d.%d", (h >> 24) & 0xff, (h >> 16) & 0xff, (h >> 8) & 0xff,
           h & 0xff);
  return buf;
}

// "a.b.c.d" to a network-order address; INADDR_BROADCAST (-1) if s is malformed.
uint32
inet_addr(const char *s)
{
  struct in_addr a;

  if (!inet_aton(s, &a))
    return INADDR_BROADCAST;
  return a.s_addr;
}

// Parse a decimal port 1..65535; the port in host order, or -1.
int
parse_port(const char *s)
{
  int p = 0;

  if (*s == 0)
    return -1;
  for (; *s; s++) {
    if (!isdigit(*s) || p > 65535)
      return -1;
    p = p * 10 + (*s - '0');
  }
  return (p >= 1 && p <= 65535) ? p : -1;
}

// Fill *sin from a dotted-quad host and a decimal port; 0, or -1 if either is malformed.
int
parse_sockaddr(const char *host, const char *port, struct sockaddr_in *sin)
{
  int p = parse_port(port);

  memset(sin, 0, sizeof(*sin));
  sin->sin_family = AF_INET;
  if (p < 0 || !inet_aton(host, &sin->sin_addr))
    return -1;
  sin->sin_port = htons(p);
  return 0;
}

// "a.b.c.d:port" of an address (static buffer, overwritten by the next call).
char *
sockaddr_ntoa(const struct sockaddr_in *sin)
{
  static char buf[24];

  snprintf(buf, sizeof(buf), "%s:%d", inet_ntoa(sin->sin_addr), ntohs(sin->sin_port));
  return buf;
}

// "52:54:00:12:34:56" (static buffer, overwritten by the next call).
char *
mac_ntoa(const uchar *mac)
{
  static char buf[18];

  snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
           mac[4], mac[5]);
  return buf;
}

// Store the 16-bit value v at p in network (big-endian) order, as headers carry it.
void
put_be16(void *p, int v)
{
  uchar *b = p;

  b[0] = (v >> 8) & 0xff;
  b[1] = v & 0xff;
}

// The 16-bit value stored at p in network (big-endian) order.
int
get_be16(const void *p)
{
  const uchar *b = p;

  return (b[0] << 8) | b[1];
}

// The Internet checksum (RFC 1071): one's-complement sum of 16-bit words, complemented.
// The result goes into the header as it is (it is already in network order).
uint16
in_cksum(const void *data, int len)
{
  const uchar *p = data;
  uint32 sum = 0;

  for (; len > 1; len -= 2, p += 2)
    sum += (p[0] << 8) | p[1];
  if (len == 1)
    sum += p[0] << 8;
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return htons(~sum & 0xffff);
}
