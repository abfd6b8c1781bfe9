// Sleep locks: long-term locks (inodes, buffers) whose waiters sleep instead of spinning.
#pragma once
#include "spinlock.h"

struct sleeplock {
  struct spinlock lk;  // guards the fields below
  uint locked;
  int pid;  // holder, for debugging
  char *name;
};
