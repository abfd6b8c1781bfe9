// poll(2): the event bits and struct pollfd, shared with user space.
#pragma once

#define POLLIN   0x001
#define POLLOUT  0x004
#define POLLERR  0x008
#define POLLHUP  0x010
#define POLLNVAL 0x020

struct pollfd {
  int fd;
  short events;
  short revents;
};
