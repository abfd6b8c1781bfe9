// Spin locks. While a hart holds one, interrupts are held back on it: an interrupt
// handler taking the same lock would otherwise deadlock the hart against itself.
//
// Held back, not turned off. Under QEMU every access to sstatus ends the translated
// block and goes through the emulator's main loop (a send made about 40 of them just for
// its ten lock pairs), so taking a lock only counts: irq_push_off adds one to this hart's
// noff and irq_pop_off takes it away, with no CSR access. If an interrupt arrives while
// noff > 0, kerneltrap (trap.c) does not handle it: it sets intr_owed and returns with
// interrupts off (the device keeps it pending). The irq_pop_off that brings noff to 0
// sees intr_owed and turns interrupts on, and the interrupt is taken right there.
//
// Why counting is safe without turning interrupts off first: noff is read and written
// relative to tp in single instructions, so the count always lands in the struct cpu of
// the hart the thread is on at that instant. An interrupt can only be handled while noff
// is 0, and it leaves noff at 0 on whichever hart the thread resumes on; once noff > 0
// the thread cannot be interrupted, so it cannot move.
#include "types.h"
#include "param.h"
#include "spinlock.h"
#include "riscv.h"
#include "proc.h"
#include "defs.h"

#define NOFF_AT "%[off](tp)"

void
spin_init(struct spinlock *lk, char *name)
{
  lk->locked = 0;
  lk->name = name;
  lk->cpu = 0;
}

// Hold interrupts back until the matching pop_off. (static inline, with exported
// wrappers irq_push_off/irq_pop_off below: every spin lock uses them, and under QEMU a
// function call costs about as much as ten instructions.) The "memory" clobber keeps the
// compiler from moving the critical section's loads and stores across them.
static inline void
push_off(void)
{
  int n;

  asm volatile("lw %[n], " NOFF_AT "\n\t"
               "addiw %[n], %[n], 1\n\t"
               "sw %[n], " NOFF_AT
               : [n] "=&r"(n)
               : [off] "i"(__builtin_offsetof(struct cpu, noff))
               : "memory");
}

static inline void
pop_off(void)
{
  int n;

  asm volatile("lw %[n], " NOFF_AT "\n\t"
               "addiw %[n], %[n], -1\n\t"
               "sw %[n], " NOFF_AT
               : [n] "=&r"(n)
               : [off] "i"(__builtin_offsetof(struct cpu, noff))
               : "memory");
  if (n > 0)
    return;
  if (n < 0)
    panic("irq_pop_off: unbalanced");
  // noff is 0. If intr_owed is set, interrupts are off (kerneltrap or sched turned them
  // off when it set it), so this thread cannot move before it reads it. If it is clear,
  // a thread that moves first finds it clear on the new hart too: it is only ever set
  // while noff > 0.
  struct cpu *c = mycpu();
  if (c->intr_owed) {
    c->intr_owed = 0;
    intr_on();
  }
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
