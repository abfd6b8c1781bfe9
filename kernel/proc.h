// Processes and harts: struct proc, struct cpu, the saved-register layouts.
// A process slot is either a user process (pagetable, trapframe, files) or a kernel
// thread (kthread = 1: no user memory; it never returns to user space).
#pragma once
#include "types.h"
#include "param.h"
#include "spinlock.h"
#include "riscv.h"
#include "memlayout.h"

// Callee-saved registers that swtch() saves and restores (RISC-V psABI: ra, sp, s0..s11).
struct context {
  uint64 ra;
  uint64 sp;
  uint64 s[12];
};

// Per-hart state. Only its own hart touches it, holding a spin lock or with interrupts
// off. tp holds its address (start.c sets it; uservec restores it on every trap).
struct cpu {
  int id;                  // hart id; first, for cpuid() in riscv.h
  int noff;                // spin locks held on this hart (irq_push_off depth): while it
                           // is above 0, interrupts are held back (spinlock.h)
  int intr_owed;           // turn interrupts on when noff drops to 0: an interrupt was
                           // held back, or the thread switched in had them on (sched)
  int next_slot;           // round robin: the scheduler looks at ptable[next_slot] first
  struct context context;  // swtch() here to enter this hart's scheduler
  uint64 next_tick;        // `time` of this hart's next clock tick (trap.c, Sstc only)
  uint64 alarm;            // `time` at which to call alarm_fn (timer_alarm), if set
  void (*alarm_fn)(void);
};

extern struct cpu cpus[NCPU];

_Static_assert(__builtin_offsetof(struct cpu, id) == 0 &&
                   __builtin_offsetof(struct cpu, noff) == CPU_NOFF &&
                   __builtin_offsetof(struct cpu, intr_owed) == CPU_INTR_OWED,
               "cpuid() and spinlock.h read struct cpu at fixed offsets from tp");

// This hart's struct cpu. Call holding a spin lock or with interrupts off: otherwise the
// thread may move to another hart right after reading tp.
static inline struct cpu *
mycpu(void)
{
  return (struct cpu *)read_tp();
}

// A process's saved user registers. It lies in the upper half of a kalloc'd page, which
// its user page table also maps at TRAPFRAME_PAGE (memlayout.h), so that uservec.S finds
// it at TRAPFRAME_VA as an offset from x0; the kernel uses p->trapframe. User register xN
// lives at offset N*8 (slot 0, where x0 would be, holds the user pc). The kernel_* fields
// are set by usertrapret() for uservec; the last two are uservec's own.
struct trapframe {
  uint64 epc;                                       //   0 user pc (sepc)
  uint64 ra;                                        //   8 x1
  uint64 sp;                                        //  16 x2
  uint64 gp;                                        //  24 x3
  uint64 tp;                                        //  32 x4
  uint64 t0, t1, t2;                                //  40 x5..x7
  uint64 s0, s1;                                    //  64 x8..x9
  uint64 a0, a1, a2, a3, a4, a5, a6, a7;            //  80 x10..x17
  uint64 s2, s3, s4, s5, s6, s7, s8, s9, s10, s11;  // 144 x18..x27
  uint64 t3, t4, t5, t6;                            // 224 x28..x31
  uint64 kernel_sp;                                 // 256 top of this process's kernel stack
  uint64 kernel_trap;                               // 264 usertrap()
  uint64 kernel_tp;                                 // 272 tp to restore: the hart's struct cpu
  uint64 in_kernel;                                 // 280 1 from uservec until userret
  uint64 scratch;                                   // 288 uservec parks t0 here to test it
};

enum procstate { UNUSED, USED, SLEEPING, RUNNABLE, RUNNING, ZOMBIE };

// Locking: a slot's scheduling fields are guarded by its own p->lock; the family links
// (parent, children, sibling) of every slot by proc.c's tree_lock, which is taken before
// any p->lock, never after. A hart holds p->lock across swtch() into and out of p.
struct proc {
  struct spinlock lock;

  // p->lock guards these:
  enum procstate state;
  void *chan;       // sleeping on chan, if non-zero
  uint64 deadline;  // SLEEPING: wake when ticks >= deadline (0: none)
  int killed;       // set under p->lock; killed() reads it with an atomic load
  int xstate;       // exit status for the parent's wait()
  int pid;

  // The lock of the sleep queue p is in (proc.c's waitq) guards these:
  struct waitq *waitq;     // the queue p sleeps in, or 0
  struct proc *wait_next;  // next sleeper in that queue

  // tree_lock (proc.c) guards these; together they make the process tree:
  struct proc *parent;    // who wait()s for us; 0 for a kernel thread until it exits
  struct proc *children;  // first child; wait() sleeps on &children
  struct proc *sibling;   // next child of the same parent

  // Private to the process (or set before it first runs):
  int kthread;            // 1: kernel thread without user memory
  uint64 kstack;          // bottom of the kernel stack (KSTACK(slot))
  uint64 sz;              // size of user memory in bytes (the break)
  uint64 heap_base;       // initial break: sbrk may not shrink below it
  pagetable_t pagetable;  // user page table
  struct trapframe *trapframe;
  struct context context;  // swtch() here to run the process
  struct file *ofile[NOFILE];
  struct inode *cwd;
  char name[16];
  void (*kfn)(void *);  // kernel thread body and its argument
  void *karg;
};

extern struct proc ptable[NPROC];  // proc.c

// Has p been killed? Cheap enough to ask in every loop that may block for long, and
// asked twice on every system call: inline.
static inline int
killed(struct proc *p)
{
  return __atomic_load_n(&p->killed, __ATOMIC_ACQUIRE);
}

// The process running on this hart, or 0 in the scheduler. A process (or kernel thread)
// runs in the kernel only on its own kernel stack (KSTACK(slot), memlayout.h), so the
// stack pointer names it, and reading sp is one instruction that no move to another hart
// can split; the scheduler runs on its boot stack. Inline: a send asks it a dozen times.
// (The host-side file system tests, test/fs_host, bring their own.)
#ifndef __riscv
struct proc *myproc(void);
#else
static inline struct proc *
myproc(void)
{
  uint64 sp = read_sp();

  if (sp < KSTACK(NPROC - 1) || sp > MAXVA)
    return 0;
  return &ptable[(MAXVA - 1 - sp) / KSTACK_STRIDE];
}
#endif

// System-call arguments (syscall.c has the rest): the n-th argument register (a0..a5),
// raw; as an int; as a user address (checked only when used, by copy_from_user and
// friends). Inline: a system call fetches several. (test/fs_host brings its own argraw.)
void panic(const char *msg) __attribute__((noreturn));  // defs.h
#ifndef __riscv
uint64 argraw(int n);
#else
static inline uint64
argraw(int n)
{
  // a0..a5 are consecutive in struct trapframe (an index, not a switch: a jump table is
  // one more indirect jump, which QEMU pays for like a call).
  if (n < 0 || n > 5)
    panic("argraw: n > 5");
  return (&myproc()->trapframe->a0)[n];
}
#endif

static inline int
argint(int n)
{
  return (int)argraw(n);
}

static inline uint64
argaddr(int n)
{
  return argraw(n);
}

// The open file behind descriptor fd of the current process, or 0 (argfd in sysfile.c).
static inline struct file *
fd_file(int fd)
{
  return fd >= 0 && fd < NOFILE ? myproc()->ofile[fd] : 0;
}

void swtch(struct context *old, struct context *new);
