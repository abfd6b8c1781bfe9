// Spin locks. A hart holding one has interrupts off (an interrupt handler taking the
// same lock would otherwise deadlock the hart against itself). irq_push_off/irq_pop_off
// nest, and interrupts come back on only when the outermost holder lets go and they
// were on before.
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

// Disable interrupts, remembering at the outermost level whether they were on. sstatus
// is written only when SIE is on: under QEMU every CSR write ends the translated block
// and costs a trip through the emulator's main loop, so nested levels should not write.
// (static inline here, and the exported irq_push_off/irq_pop_off below call them: every
// spin lock uses them, and under QEMU a function call costs about as much as ten
// instructions.)
static inline void
push_off(void)
{
  int was_on = intr_get();

  if (was_on)
    intr_off();
  struct cpu *c = mycpu();
  if (c->noff == 0)
    c->intena = was_on;
  c->noff++;
}

static inline void
pop_off(void)
{
  struct cpu *c = mycpu();

  if (intr_get())
    panic("irq_pop_off: interrupts are on");
  if (c->noff < 1)
    panic("irq_pop_off: unbalanced");
  c->noff--;
  if (c->noff == 0 && c->intena)
    intr_on();
}

// Does this hart hold lk? Call with interrupts off.
static inline int
holding(struct spinlock *lk)
{
  return lk->locked && lk->cpu == mycpu();
}

// Take the lock, spinning until it is free. Taking it twice on one hart is a bug.
void
spin_lock(struct spinlock *lk)
{
  push_off();
  if (holding(lk)) {
    printf("lock %s\n", lk->name);
    panic("spin_lock: this hart already holds the lock");
  }
  // amoswap.w.aq: atomically set 1 and see the old value (GCC builtin).
  while (__sync_lock_test_and_set(&lk->locked, 1) != 0)
    ;
  // Keep the critical section's loads and stores after the acquire.
  __sync_synchronize();
  lk->cpu = mycpu();
}

void
spin_unlock(struct spinlock *lk)
{
  if (!holding(lk))
    panic("spin_unlock: not held by this hart");
  lk->cpu = 0;
  __sync_synchronize();
  __sync_lock_release(&lk->locked);
  pop_off();
}

int
spin_holding(struct spinlock *lk)
{
  return holding(lk);
}

void
irq_push_off(void)
{
  push_off();
}

void
irq_pop_off(void)
{
  pop_off();
}
