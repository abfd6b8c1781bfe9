// Traps: system calls, exceptions and interrupts, from user mode (uservec.S's uservec
// calls usertrap) and from supervisor mode (kernelvec.S's kernelvec calls kerneltrap: it
// is stvec in the scheduler and kernel threads, and uservec passes it the kernel's traps
// while a user process runs); and the clock.
// Both entry points decode scause through one table, trap_causes[], which names every
// cause and points at its handler; exceptions have no handler: a user exception kills the
// process (user_fault), a kernel one is a bug and panics with the cause's name.
// usertrapret() returns to user space: it fills in what the next trap and sret need, then
// userret restores the registers and executes sret. Both run on the process's own page
// table, which maps the kernel too: satp does not change.
// The timer is the Sstc stimecmp (start.c): each hart re-arms it every 10 ms (100 Hz)
// (on a hart without Sstc, machine mode forwards CLINT ticks as software interrupts);
// hart 0 also advances `ticks`, wakes sleep(&ticks) callers and expired deadlines.
// Between ticks a hart keeps one alarm (timer_alarm): the device layer uses it to bound
// how long a deferred doorbell waits. It is checked at every trap and by the idle loop,
// which arms stimecmp for it; a busy hart does not (under QEMU a stimecmp write costs a
// host timer and a wakeup of the emulator's main thread), so there it runs at the hart's
// next trap: its next system call, interrupt or tick.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "riscv.h"
#include "spinlock.h"
#include "proc.h"
#include "errno.h"
#include "defs.h"

#define TIMER_HZ      100
#define TICK_INTERVAL (TIME_HZ / TIMER_HZ)

_Static_assert(__builtin_offsetof(struct trapframe, kernel_sp) == 256 &&
                   __builtin_offsetof(struct trapframe, kernel_trap) == 264 &&
                   __builtin_offsetof(struct trapframe, kernel_tp) == 272 &&
                   __builtin_offsetof(struct trapframe, in_kernel) == 280 &&
                   __builtin_offsetof(struct trapframe, scratch) == 288,
               "uservec.S hard-codes the trapframe layout");
_Static_assert(TRAPFRAME_VA == -2048 && sizeof(struct trapframe) <= 2048,
               "uservec.S reaches the trapframe at -2048 from x0");

struct spinlock tickslock;
volatile uint64 ticks;

extern char kernelvec[];
extern void userret(void) __attribute__((noreturn));
extern volatile int panicked;
extern int timer_sstc;  // start.c: 1 if the timer is Sstc's stimecmp

void usertrap(void);
static void user_return(struct proc *p) __attribute__((noreturn));

void
trap_init(void)
{
  spin_init(&tickslock, "ticks");
}

// Until the hart runs a user process, traps go to kernelvec (vm_switch sets stvec with
// satp from then on). sstatus.SPP = 0 from the start: user_return relies on it.
void
trap_inithart(void)
{
  csr_write(stvec, (uint64)kernelvec);
  csr_clear(sstatus, SSTATUS_SPP);
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

// What a handled trap turned out to be; the callers decide from it whether to yield.
enum trap_outcome {
  TRAP_FAULT,             // an exception (or an interrupt we cannot take): someone is at fault
  TRAP_TICK,              // a clock tick
  TRAP_ALARM,             // an early timer interrupt for timer_alarm only, not a tick
  TRAP_DEVICE,            // a device interrupt, dispatched through the PLIC
  TRAP_SYSCALL,           // an ecall from user mode, served
  TRAP_SYSCALL_INTR_OFF,  // the same, with interrupts off throughout (syscall.c)
};

// One trap cause: the scause value [priv 4.1.9, table 4.2], its name for messages, and
// its handler (0 for exceptions, which the caller reports as faults).
struct trap_cause {
  uint64 code;
  const char *name;
  enum trap_outcome (*handler)(void);
};

// A timer tick: re-arm, and on hart 0 advance the clock.
static enum trap_outcome
on_tick(void)
{
  while (panicked)
    ;  // another hart panicked: stop here
  if (cpuid() == 0)
    clock_tick();
  return TRAP_TICK;
}

// Run this hart's alarm if it is due (interrupts off).
static inline void
alarm_check(struct cpu *c, uint64 now)
{
  void (*fn)(void) = c->alarm_fn;

  if (fn != 0 && now >= c->alarm) {
    c->alarm_fn = 0;
    fn();
  }
}

// Sstc timer interrupt: a tick if its time has come (trap_dispatch has already run a due
// alarm); then arm stimecmp for whichever is next, the next tick at a multiple of the
// interval (so late interrupts do not make the clock drift), or the alarm. Writing
// stimecmp clears sip.STIP.
static enum trap_outcome
on_timer(void)
{
  struct cpu *c = mycpu();
  uint64 now = csr_read(time), next;
  int tick = now >= c->next_tick;

  if (!timer_sstc)
    return TRAP_FAULT;
  if (tick)
    c->next_tick = (now / TICK_INTERVAL + 1) * TICK_INTERVAL;
  next = c->next_tick;
  if (c->alarm_fn != 0 && c->alarm < next)
    next = c->alarm;
  write_stimecmp(next);
  return tick ? on_tick() : TRAP_ALARM;
}

// Call fn on this hart once `time` reaches time_us() + us: at its first trap from then
// on, or from the timer when the hart is idle (timer_idle); at the latest with the next
// tick, 10 ms. One alarm per hart: a new one replaces the old. Call with interrupts off;
// fn runs with interrupts off and no lock held, and must not sleep.
void
timer_alarm(uint64 us, void (*fn)(void))
{
  struct cpu *c = mycpu();

  c->alarm = csr_read(time) + us * (TIME_HZ / 1000000);
  c->alarm_fn = fn;
}

// The scheduler found nothing to run and is about to wfi (interrupts off): run the alarm
// if it is due, and otherwise have the timer wake the hart for it.
void
timer_idle(void)
{
  struct cpu *c = mycpu();

  if (c->alarm_fn == 0)
    return;
  alarm_check(c, csr_read(time));
  if (c->alarm_fn != 0 && timer_sstc && c->alarm < c->next_tick)
    write_stimecmp(c->alarm);
}

// Supervisor software interrupt: a tick forwarded by machinevec (start.c) on a hart
// without Sstc.
static enum trap_outcome
on_soft(void)
{
  if (timer_sstc)
    return TRAP_FAULT;
  csr_clear(sip, SIE_SSIE);
  return on_tick();
}

// Supervisor external interrupt: the PLIC says which device.
static enum trap_outcome
on_external(void)
{
  irq_dispatch();
  return TRAP_DEVICE;
}

// A system call: skip the ecall on return and serve it. syscall() takes interrupts again
// first (the trap turned them off, and a system call may take long), except for a few
// short ones, that do a bounded amount of work and sleep when they must wait: they run
// with interrupts off to the sret (intr_off_calls, syscall.c). Under QEMU turning them on,
// and off again on the way out (usertrapret), costs two CSR accesses, ~0.4 us, a third of
// a null system call.
static inline enum trap_outcome
on_ecall(void)
{
  struct proc *p = myproc();

  if (killed(p))
    exit(-1);
  p->trapframe->epc += 4;
  return syscall() ? TRAP_SYSCALL_INTR_OFF : TRAP_SYSCALL;
}

// Searched in order: system calls, by far the most frequent, first.
static const struct trap_cause trap_causes[] = {
  { EXC_ECALL_U, "ecall from user mode", on_ecall },
  { SCAUSE_INTR | IRQ_S_SOFT, "software interrupt", on_soft },
  { SCAUSE_INTR | IRQ_S_TIMER, "timer interrupt", on_timer },
  { SCAUSE_INTR | IRQ_S_EXT, "external interrupt", on_external },
  { EXC_INST_MISALIGNED, "misaligned jump", 0 },
  { EXC_INST_ACCESS, "access fault (fetch)", 0 },
  { EXC_ILLEGAL_INST, "illegal instruction", 0 },
  { EXC_BREAKPOINT, "breakpoint", 0 },
  { EXC_LOAD_MISALIGNED, "misaligned load", 0 },
  { EXC_LOAD_ACCESS, "access fault (load)", 0 },
  { EXC_STORE_MISALIGNED, "misaligned store", 0 },
  { EXC_STORE_ACCESS, "access fault (store)", 0 },
  { EXC_INST_PAGE_FAULT, "page fault (fetch)", 0 },
  { EXC_LOAD_PAGE_FAULT, "page fault (load)", 0 },
  { EXC_STORE_PAGE_FAULT, "page fault (store)", 0 },
};

// The table entry for scause, or 0 for a cause we do not know.
static const struct trap_cause *
trap_cause(uint64 scause)
{
  for (int i = 0; i < NELEM(trap_causes); i++) {
    if (trap_causes[i].code == scause)
      return &trap_causes[i];
  }
  return 0;
}

// scause in words, for messages.
static const char *
trap_name(uint64 scause)
{
  const struct trap_cause *tc = trap_cause(scause);

  return tc ? tc->name : "unknown cause";
}

// Run the handler for scause; TRAP_FAULT for an exception or an unknown cause.
// kernel != 0 runs interrupt handlers only: an exception in the kernel is a bug.
// Inline, with system calls (most traps) tested first and on_ecall called directly: under
// QEMU a call, a call through a pointer, and each return cost a lookup of the next block.
static inline enum trap_outcome
trap_dispatch(uint64 scause, int kernel)
{
  const struct trap_cause *tc;
  struct cpu *c = mycpu();

  if (c->alarm_fn != 0)
    alarm_check(c, csr_read(time));  // for every trap, the timer's too; no lock is held
  if (scause == EXC_ECALL_U && !kernel)
    return on_ecall();  // trap_causes[0]
  tc = trap_cause(scause);
  if (tc == 0 || tc->handler == 0 || (kernel && !(scause & SCAUSE_INTR)))
    return TRAP_FAULT;
  return tc->handler();
}

// Every user fault is reported here, in one format; the process is killed (it exits on
// its way back to user space) and the kernel carries on.
static void
user_fault(struct proc *p, uint64 scause)
{
  printf("pid %d (%s): %s at pc %p, stval %p: killed\n", p->pid, p->name, trap_name(scause),
         (void *)p->trapframe->epc, (void *)csr_read(stval));
  setkilled(p);
}

// Whether a trap should end with the hart going to someone else: after every tick (time
// slicing), and after a device interrupt, which has usually woken someone (netd, a reader)
// who should run now rather than at this hart's next tick, up to 10 ms later.
static int
trap_wants_yield(enum trap_outcome what)
{
  return what == TRAP_TICK || what == TRAP_DEVICE;
}

// Entered from uservec (uservec.S) on the process's kernel stack, for every trap taken
// in user mode: dispatch it, then go back to user space (or exit if killed).
void
usertrap(void)
{
  struct proc *p = myproc();
  uint64 scause = csr_read(scause);

  enum trap_outcome what = trap_dispatch(scause, 0);
  if (what == TRAP_FAULT)
    user_fault(p, scause);
  if (killed(p))
    exit(-1);
  if (trap_wants_yield(what))
    yield();
  if (what == TRAP_SYSCALL_INTR_OFF)
    user_return(p);  // interrupts were never turned on: nothing in sstatus to undo
  usertrapret();
}

// Go back to user space, sstatus being right for it: interrupts off, and SPP = 0, so
// that sret enters user mode [priv 4.1.1]. SPP is 0 whenever a thread gets here: a trap
// from user mode clears it, and so does every sret; the one time a thread lets others
// run between a trap taken in the kernel and its sret, kerneltrap clears it for them.
// Interrupts stay off from here until sret: once userret has cleared the trapframe's
// in_kernel, uservec would take a trap in the kernel for one from user mode.
static void __attribute__((noreturn)) user_return(struct proc *p)
{
  struct trapframe *tf = p->trapframe;

  // What uservec reads on the next trap from user space.
  tf->kernel_sp = p->kstack + KSTACK_PAGES * PGSIZE;
  tf->kernel_trap = (uint64)usertrap;
  tf->kernel_tp = read_tp();
  userret();  // sets sepc from the trapframe (at TRAPFRAME_VA) and clears in_kernel
}

// Return the current process to user space from wherever interrupts may be on.
void
usertrapret(void)
{
  uint64 s = csr_read_clear(sstatus, SSTATUS_SIE);  // interrupts off, and sstatus as it was

  // SPP = 0 (see user_return); SPIE = 1, as a trap from user mode leaves it. Usually
  // already so; write only when not: under QEMU a CSR write costs a trip through its loop.
  if ((s & (SSTATUS_SPP | SSTATUS_SPIE)) != SSTATUS_SPIE)
    csr_write(sstatus, (s & ~(SSTATUS_SPP | SSTATUS_SIE)) | SSTATUS_SPIE);
  user_return(myproc());
}

// A trap the kernel cannot handle: say what it was and where, then stop.
static void
kernel_trap_fatal(uint64 scause, uint64 sepc)
{
  printf("kernel trap: %s (scause %p) at sepc %p, stval %p\n", trap_name(scause), (void *)scause,
         (void *)sepc, (void *)csr_read(stval));
  panic("kernel trap: no handler for this cause in supervisor mode");
}

// Entered from kernelvec for a trap taken in supervisor mode, on the current kernel
// stack. Only interrupts are expected; anything else is a kernel bug.
void
kerneltrap(void)
{
  uint64 sepc = csr_read(sepc);
  uint64 sstatus = csr_read(sstatus);
  uint64 scause = csr_read(scause);

  if ((sstatus & SSTATUS_SPP) == 0)
    panic("kernel trap handler entered for a trap from user mode");
  if (intr_get())
    panic("kernel trap in supervisor mode with interrupts on: they must be off here");
  if ((scause & SCAUSE_INTR) && mycpu()->noff > 0) {
    // This hart holds a spin lock: hold the interrupt back (spinlock.h). Return with
    // interrupts off; the source stays pending, and the irq_pop_off that releases the
    // last lock turns interrupts on again and so takes it.
    mycpu()->intr_owed = 1;
    csr_write(sstatus, sstatus & ~SSTATUS_SPIE);
    return;
  }
  enum trap_outcome what = trap_dispatch(scause, 1);
  if (what == TRAP_FAULT)
    kernel_trap_fatal(scause, sepc);
  struct proc *p = myproc();
  if (trap_wants_yield(what) && p != 0 && p->state == RUNNING) {
    // Whoever runs meanwhile may return to user mode without looking at sstatus
    // (user_return): leave SPP = 0 for them. Ours is restored below.
    csr_clear(sstatus, SSTATUS_SPP);
    yield();
  }
  // Traps taken inside yield() changed sepc and sstatus: restore what our sret needs.
  csr_write(sepc, sepc);
  csr_write(sstatus, sstatus);
}
