// Traps: system calls, exceptions and interrupts, from user mode (through the trampoline
// into usertrap) and from kernel mode (kernelvec into kerneltrap); the clock.
// The timer is the Sstc stimecmp (start.c): each hart re-arms it every 10 ms (100 Hz)
// (on a hart without Sstc, machine mode forwards CLINT ticks as software interrupts);
// hart 0 also advances `ticks`, wakes sleep(&ticks) callers and expired deadlines.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "riscv.h"
#include "spinlock.h"
#include "proc.h"
#include "errno.h"
#include "defs.h"

#define TIMER_HZ      100
#define TIME_HZ       10000000  // the virt machine's `time` counts at 10 MHz
#define TICK_INTERVAL (TIME_HZ / TIMER_HZ)

_Static_assert(TRAPFRAME == 0x3fffffe000L, "trampoline.S hard-codes TRAPFRAME");
_Static_assert(sizeof(struct trapframe) == 288, "trampoline.S hard-codes the layout");

struct spinlock tickslock;
volatile uint64 ticks;

extern char trampoline[], uservec[], userret[];
extern void kernelvec(void);
extern volatile int panicked;
extern int timer_sstc;  // start.c: 1 if the timer is Sstc's stimecmp

void usertrap(void);

void
trap_init(void)
{
  spin_init(&tickslock, "ticks");
}

// Traps taken in the kernel go to kernelvec.
void
trap_inithart(void)
{
  csr_write(stvec, (uint64)kernelvec);
}

uint64
time_us(void)
{
  return csr_read(time) / (TIME_HZ / 1000000);
}

// Hart 0's share of a timer interrupt: advance the clock and wake the sleepers.
// ticks follows the `time` counter (10 ms units), so a late or lost interrupt does not
// slow the clock down; it only makes ticks jump by more than one.
static void
clock_tick(void)
{
  spin_lock(&tickslock);
  uint64 now = csr_read(time) / TICK_INTERVAL;
  ticks = now > ticks ? now : ticks + 1;
  wakeup((void *)&ticks);
  spin_unlock(&tickslock);
  proc_tick(ticks);
}

// Handle an interrupt; returns IRQ_S_TIMER, IRQ_S_EXT, or 0 if scause is not one we know.
static int
dev_intr(uint64 scause)
{
  int tick = 0;

  if (scause == (SCAUSE_INTR | IRQ_S_TIMER) && timer_sstc) {
    // The next multiple of the interval, so late interrupts do not make the clock drift.
    // Re-arming clears sip.STIP.
    write_stimecmp((csr_read(time) / TICK_INTERVAL + 1) * TICK_INTERVAL);
    tick = 1;
  } else if (scause == (SCAUSE_INTR | IRQ_S_SOFT) && !timer_sstc) {
    csr_clear(sip, SIE_SSIE);  // a tick forwarded by machinevec (start.c)
    tick = 1;
  }
  if (tick) {
    while (panicked)
      ;  // another hart panicked: stop here
    if (cpuid() == 0)
      clock_tick();
    return IRQ_S_TIMER;
  }
  if (scause == (SCAUSE_INTR | IRQ_S_EXT)) {
    irq_dispatch();
    return IRQ_S_EXT;
  }
  return 0;
}

// What went wrong, in words, for a user exception.
static const char *
fault_name(uint64 scause)
{
  switch (scause) {
  case EXC_INST_PAGE_FAULT:
    return "page fault (fetch)";
  case EXC_LOAD_PAGE_FAULT:
    return "page fault (load)";
  case EXC_STORE_PAGE_FAULT:
    return "page fault (store)";
  case EXC_INST_ACCESS:
    return "access fault (fetch)";
  case EXC_LOAD_ACCESS:
    return "access fault (load)";
  case EXC_STORE_ACCESS:
    return "access fault (store)";
  case EXC_ILLEGAL_INST:
    return "illegal instruction";
  case EXC_INST_MISALIGNED:
    return "misaligned jump";
  case EXC_LOAD_MISALIGNED:
    return "misaligned load";
  case EXC_STORE_MISALIGNED:
    return "misaligned store";
  case EXC_BREAKPOINT:
    return "breakpoint";
  default:
    return "exception";
  }
}

// Report a user exception; the process is killed, the kernel carries on.
static void
user_fault(struct proc *p, uint64 scause)
{
  uint64 stval = csr_read(stval);

  if (scause == EXC_ILLEGAL_INST)
    printf("pid %d (%s): illegal instruction %p at pc %p, killed\n", p->pid, p->name, (void *)stval,
           (void *)p->trapframe->epc);
  else
    printf("pid %d (%s): %s at va %p pc %p, killed\n", p->pid, p->name, fault_name(scause),
           (void *)stval, (void *)p->trapframe->epc);
  setkilled(p);
}

// A trap from user mode, reached from uservec on the process's kernel stack.
void
usertrap(void)
{
  struct proc *p = myproc();
  uint64 scause = csr_read(scause);
  int irq = 0;

  if (csr_read(sstatus) & SSTATUS_SPP)
    panic("usertrap: not from user mode");
  csr_write(stvec, (uint64)kernelvec);  // we are in the kernel now

  if (scause == EXC_ECALL_U) {
    if (killed(p))
      exit(-1);
    p->trapframe->epc += 4;  // return past the ecall
    intr_on();               // the trap turned them off; system calls may be long
    syscall();
  } else if ((irq = dev_intr(scause)) == 0) {
    user_fault(p, scause);
  }
  if (killed(p))
    exit(-1);
  // A device interrupt usually made someone runnable (netd, a reader): let them have
  // this hart now. Idle harts would only notice at their next tick, up to 10 ms later.
  if (irq == IRQ_S_TIMER || irq == IRQ_S_EXT)
    yield();
  usertrapret();
}

// Return to user space: set up what uservec will need next time, then jump to userret
// in the trampoline with the user page table.
void
usertrapret(void)
{
  struct proc *p = myproc();

  intr_off();  // until sret: a trap now would go to uservec while still in the kernel
  csr_write(stvec, TRAMPOLINE + (uservec - trampoline));
  p->trapframe->kernel_satp = csr_read(satp);
  p->trapframe->kernel_sp = p->kstack + KSTACK_PAGES * PGSIZE;
  p->trapframe->kernel_trap = (uint64)usertrap;
  p->trapframe->kernel_hartid = read_tp();

  // sret goes to user mode (SPP = 0) with interrupts on (SPIE = 1) [priv 4.1.1].
  uint64 ss = csr_read(sstatus);
  ss = (ss & ~SSTATUS_SPP) | SSTATUS_SPIE;
  csr_write(sstatus, ss);
  csr_write(sepc, p->trapframe->epc);

  void (*ret)(uint64) = (void (*)(uint64))(TRAMPOLINE + (userret - trampoline));
  ret(MAKE_SATP(p->pagetable));
}

// A trap in supervisor mode, on the current kernel stack (kernelvec.S). Only
// interrupts are expected; anything else is a kernel bug.
void
kerneltrap(void)
{
  uint64 sepc = csr_read(sepc);
  uint64 sstatus = csr_read(sstatus);
  uint64 scause = csr_read(scause);

  if ((sstatus & SSTATUS_SPP) == 0)
    panic("kerneltrap: not from supervisor mode");
  if (intr_get())
    panic("kerneltrap: interrupts enabled");
  int irq = dev_intr(scause);
  if (irq == 0) {
    printf("kernel trap: scause %p sepc %p stval %p (%s)\n", (void *)scause, (void *)sepc,
           (void *)csr_read(stval), fault_name(scause));
    panic("kerneltrap");
  }
  struct proc *p = myproc();
  if (p != 0 && p->state == RUNNING)
    yield();  // a tick, or a device interrupt that may have woken someone (usertrap)
  // yield() may have taken other traps: put back what sret needs.
  csr_write(sepc, sepc);
  csr_write(sstatus, sstatus);
}
