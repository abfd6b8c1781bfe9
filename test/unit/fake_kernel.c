// Host-side fake of the core kernel services the protocol files use: spin locks (which
// catch a lock taken twice or released while free), panic, the tick counter and the
// user-memory copies (a "user address" is a host pointer here).
//
// No kernel/defs.h here: its printf-family prototypes differ from libc's. The
// prototypes below match defs.h exactly.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kernel/types.h"
#include "kernel/spinlock.h"

volatile uint64 ticks;
int fake_lock_depth;  // locks held right now (tests check 0 at the end)

void
panic(const char *msg)
{
  fprintf(stderr, "panic: %s\n", msg);
  abort();
}

void
spin_init(struct spinlock *lk, char *name)
{
  lk->locked = 0;
  lk->name = name;
  lk->cpu = 0;
}

void
spin_lock(struct spinlock *lk)
{
  if (lk->locked) {
    fprintf(stderr, "deadlock: lock %s taken twice\n", lk->name);
    abort();
  }
  lk->locked = 1;
  fake_lock_depth++;
}

void
spin_unlock(struct spinlock *lk)
{
  if (!lk->locked) {
    fprintf(stderr, "spin_unlock: lock %s not held\n", lk->name);
    abort();
  }
  lk->locked = 0;
  fake_lock_depth--;
}

int
spin_holding(struct spinlock *lk)
{
  return lk->locked;
}

int
copy_to_user(uint64 dstva, const void *src, uint64 len)
{
  if (dstva == 0)
    return -14;  // EFAULT
  memcpy((void *)dstva, src, len);
  return 0;
}

int
copy_from_user(void *dst, uint64 srcva, uint64 len)
{
  if (srcva == 0)
    return -14;  // EFAULT
  memcpy(dst, (void *)srcva, len);
  return 0;
}

// User memory is the host's here; "pages" of 4096 bytes as on the guest, so that a copy
// that crosses one goes through the same steps.
void *
user_chunk(uint64 va, uint64 len, uint64 *n)
{
  if (va == 0)
    return 0;
  *n = 4096 - va % 4096;
  if (*n > len)
    *n = len;
  return (void *)va;
}

void
pci_init(void)
{
}
