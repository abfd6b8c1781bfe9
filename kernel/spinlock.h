// Spin locks: mutual exclusion between harts. While a hart holds one, interrupts are
// held back on it: an interrupt handler taking the same lock would otherwise deadlock the
// hart against itself.
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
//
// Everything on the fast path is static inline, for the same reason: under QEMU a call
// and its return each cost a lookup of the next block of translated code, and a send
// takes ten locks. The host-side unit tests (test/unit) compile the protocol files
// against fakes of these functions, hence the #ifdef.
#pragma once
#include "types.h"

struct cpu;

struct spinlock {
  uint locked;      // 0 free, 1 held; changed only with an atomic swap
  char *name;       // for panics and gdb
  struct cpu *cpu;  // the hart that holds it
};

void spin_init(struct spinlock *lk, char *name);
int spin_holding(struct spinlock *lk);  // does this hart hold lk? (hold a lock to ask)
void spin_lock_misuse(struct spinlock *lk, const char *why) __attribute__((noreturn));

// Offsets of noff and intr_owed in struct cpu, which tp points at (proc.h checks them).
#define CPU_NOFF      4
#define CPU_INTR_OWED 8

#ifdef __riscv
#include "riscv.h"

// Add d to this hart's noff, relative to tp (see above); returns the new count. The
// "memory" clobber keeps the compiler from moving the critical section's loads and
// stores across it.
static inline int
noff_add(int d)
{
  int n;

  asm volatile("lw %[n], %[off](tp)\n\t"
               "addw %[n], %[n], %[d]\n\t"
               "sw %[n], %[off](tp)"
               : [n] "=&r"(n)
               : [d] "r"(d), [off] "i"(CPU_NOFF)
               : "memory");
  return n;
}

// Hold interrupts back until the matching irq_pop_off.
static inline void
irq_push_off(void)
{
  noff_add(1);
}

static inline void
irq_pop_off(void)
{
  int n = noff_add(-1);

  if (n > 0)
    return;
  if (n < 0)
    spin_lock_misuse(0, "irq_pop_off: unbalanced");
  // noff is 0. If intr_owed is set, interrupts are off (kerneltrap turns them off when
  // it sets it; sched sets it only on the way back from the scheduler, which switches
  // with them off), so this thread cannot move before it reads it. If it is clear, a
  // thread that moves first finds it clear on the new hart too: it is only ever set
  // while noff > 0.
  int *owed = (int *)(read_tp() + CPU_INTR_OWED);
  if (*owed) {
    *owed = 0;
    intr_on();
  }
}

// Does this hart hold lk? Call holding a lock (this one, if the answer is yes).
static inline int
spin_held_here(struct spinlock *lk)
{
  return lk->locked && lk->cpu == (struct cpu *)read_tp();
}

// Take the lock, spinning until it is free. Taking it twice on one hart is a bug.
static inline void
spin_lock(struct spinlock *lk)
{
  irq_push_off();
  if (spin_held_here(lk))
    spin_lock_misuse(lk, "spin_lock: this hart already holds the lock");
  // amoswap.w.aq: atomically set 1 and see the old value (GCC builtin).
  while (__sync_lock_test_and_set(&lk->locked, 1) != 0)
    ;
  // Keep the critical section's loads and stores after the acquire.
  __sync_synchronize();
  lk->cpu = (struct cpu *)read_tp();
}

static inline void
spin_unlock(struct spinlock *lk)
{
  if (!spin_held_here(lk))
    spin_lock_misuse(lk, "spin_unlock: not held by this hart");
  lk->cpu = 0;
  __sync_synchronize();
  __sync_lock_release(&lk->locked);
  irq_pop_off();
}
#else
// Host-side unit tests: test/unit/fake_kernel.c.
void spin_lock(struct spinlock *lk);
void spin_unlock(struct spinlock *lk);
void irq_push_off(void);
void irq_pop_off(void);
#endif
