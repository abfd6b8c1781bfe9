// BSD socket definitions shared by the kernel and user programs: address families,
// socket types, struct sockaddr_in (network byte order), socket options, byte order.
#pragma once
#include "../types.h"

#define AF_INET 2
#define PF_INET AF_INET

#define SOCK_STREAM   1
#define SOCK_DGRAM    2
#define SOCK_RAW      3
#define SOCK_NONBLOCK 0x800  // or'ed into the type, as on Linux

#define IPPROTO_IP   0
#define IPPROTO_ICMP 1
#define IPPROTO_TCP  6
#define IPPROTO_UDP  17

#define INADDR_ANY       0x00000000U
#define INADDR_BROADCAST 0xffffffffU
#define INADDR_LOOPBACK  0x7f000001U

// send/recv flags
#define MSG_DONTWAIT 0x40

// setsockopt/getsockopt
#define SOL_SOCKET   1
#define SO_ERROR     4
#define SO_BROADCAST 6
#define SO_RCVBUF    8
#define SO_RCVTIMEO  20  // value: struct timeval
#define SO_SNDTIMEO  21

struct in_addr {
  uint32 s_addr;  // network byte order
};

struct sockaddr {
  uint16 sa_family;
  char sa_data[14];
};

struct sockaddr_in {
  uint16 sin_family;        // AF_INET
  uint16 sin_port;          // network byte order
  struct in_addr sin_addr;  // network byte order
  char sin_zero[8];
};

struct timeval {
  long tv_sec;
  long tv_usec;
};

static inline uint16
htons(uint16 x)
{
  return (uint16)((x << 8) | (x >> 8));
}

static inline uint32
htonl(uint32 x)
{
  return ((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >> 8) & 0xff00) | (x >> 24);
}

#define ntohs htons
#define ntohl htonl
