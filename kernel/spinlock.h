// Spin locks: mutual exclusion between harts, with interrupts off while held.
#pragma once
#include "types.h"

struct cpu;

struct spinlock {
  uint locked;      // 0 free, 1 held; changed only with an atomic swap
  char *name;       // for panics and gdb
  struct cpu *cpu;  // the hart that holds it
};
