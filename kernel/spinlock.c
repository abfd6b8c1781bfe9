// Spin locks: the parts off the fast path (spinlock.h has the rest and the design).
#include "types.h"
#include "param.h"
#include "spinlock.h"
#include "riscv.h"
#include "proc.h"
#include "defs.h"

void
spin_init(struct spinlock *lk, char *name)
{
  lk->locked = 0;
  lk->name = name;
  lk->cpu = 0;
}

int
spin_holding(struct spinlock *lk)
{
  return spin_held_here(lk);
}

// A lock taken twice, released while not held, or an unbalanced irq_pop_off: a bug.
void
spin_lock_misuse(struct spinlock *lk, const char *why)
{
  if (lk != 0)
    printf("lock %s\n", lk->name);
  panic(why);
}
