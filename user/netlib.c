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

  snprintf(buf, sizeof(buf), "%d.%d.%d.%d", (h >> 24) & 0xff, (h >> 16) & 0xff,
           (h >> 8) & 0xff, h & 0xff);
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
