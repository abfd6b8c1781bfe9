// Processes and kernel threads, the per-hart scheduler, sleep and wakeup.
//
// Each slot in ptable[] is UNUSED, or a process moving through
//   USED (being set up) -> RUNNABLE <-> RUNNING <-> SLEEPING -> ZOMBIE -> (wait) UNUSED.
// Locks: p->lock guards a slot's state/chan/deadline/killed/xstate/pid; wait_lock guards
// every p->parent and is always taken before any p->lock. A hart switches to another
// process only through its scheduler: sched() swtch()es to cpu->context with p->lock held,
// and the scheduler releases it (or a new process releases it in proc_first_run).
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "riscv.h"
#include "spinlock.h"
#include "proc.h"
#include "errno.h"
#include "file.h"
#include "fs.h"
#include "syscall_nr.h"
#include "defs.h"

struct cpu cpus[NCPU];
static struct proc ptable[NPROC];
static struct proc *initproc;

static struct spinlock pid_lock;  // guards next_pid
static int next_pid = 1;
static struct spinlock wait_lock;  // guards p->parent of every slot

extern char trampoline[];  // trampoline.S
extern void usertrap(void);

// Hart id, kept in tp. Call with interrupts off (the process may move harts otherwise).
int
cpuid(void)
{
  return read_tp();
}

struct cpu *
mycpu(void)
{
  return &cpus[cpuid()];
}

// The process running on this hart, or 0 in the scheduler.
struct proc *
myproc(void)
{
  irq_push_off();
  struct proc *p = mycpu()->proc;
  irq_pop_off();
  return p;
}

void
proc_init(void)
{
  spin_init(&pid_lock, "next_pid");
  spin_init(&wait_lock, "wait_lock");
  for (int i = 0; i < NPROC; i++) {
    spin_init(&ptable[i].lock, "proc");
    ptable[i].state = UNUSED;
    ptable[i].kstack = KSTACK(i);
  }
}

static int
alloc_pid(void)
{
  spin_lock(&pid_lock);
  int pid = next_pid++;
  spin_unlock(&pid_lock);
  return pid;
}

// Where a new process or thread starts: swtch() "returns" here with p->lock held.
static void proc_first_run(void);
static void kthread_start(void);

// Claim an UNUSED slot: state USED, a pid, a fresh kernel context that will start at
// entry. Returns with p->lock held, or 0 if the table is full.
static struct proc *
proc_alloc(void (*entry)(void))
{
  for (struct proc *p = ptable; p < &ptable[NPROC]; p++) {
    spin_lock(&p->lock);
    if (p->state == UNUSED) {
      p->state = USED;
      p->pid = alloc_pid();
      p->killed = 0;
      p->xstate = 0;
      p->kthread = 0;
      memset(&p->context, 0, sizeof(p->context));
      p->context.ra = (uint64)entry;
      p->context.sp = p->kstack + KSTACK_PAGES * PGSIZE;
      return p;
    }
    spin_unlock(&p->lock);
  }
  return 0;
}

// Return a slot to UNUSED, freeing its user memory. Caller holds p->lock.
static void
proc_release(struct proc *p)
{
  if (p->pagetable)
    proc_freepagetable(p->pagetable, p->sz);
  if (p->trapframe)
    kfree(p->trapframe);
  p->pagetable = 0;
  p->trapframe = 0;
  p->sz = 0;
  p->heap_base = 0;
  p->pid = 0;
  p->parent = 0;
  p->name[0] = 0;
  p->chan = 0;
  p->deadline = 0;
  p->killed = 0;
  p->xstate = 0;
  p->kthread = 0;
  p->state = UNUSED;
}

// A slot for a user process: trapframe and a page table with the trampoline and
// trapframe mapped. Returns with p->lock held, or 0.
static struct proc *
proc_alloc_user(void)
{
  struct proc *p = proc_alloc(proc_first_run);

  if (p == 0)
    return 0;
  if ((p->trapframe = kalloc()) == 0 || (p->pagetable = proc_pagetable(p)) == 0) {
    proc_release(p);
    spin_unlock(&p->lock);
    return 0;
  }
  return p;
}

// A user page table with only the trampoline and p's trapframe mapped, or 0.
pagetable_t
proc_pagetable(struct proc *p)
{
  pagetable_t pt = uvm_create();

  if (pt == 0)
    return 0;
  if (uvm_map(pt, TRAMPOLINE, (uint64)trampoline, PGSIZE, PTE_R | PTE_X) < 0 ||
      uvm_map(pt, TRAPFRAME, (uint64)p->trapframe, PGSIZE, PTE_R | PTE_W) < 0) {
    uvm_unmap(pt, TRAMPOLINE, 1, 0);
    uvm_free(pt, 0);
    return 0;
  }
  return pt;
}

// Free a user page table and the user memory [0, sz) it maps.
void
proc_freepagetable(pagetable_t pt, uint64 sz)
{
  uvm_unmap(pt, TRAMPOLINE, 1, 0);
  uvm_unmap(pt, TRAPFRAME, 1, 0);
  uvm_free(pt, sz);
}

// The first user program, placed at address 0: exec("/init", argv) and, should that
// fail, exit(1) forever. RV64I encodings [unpriv ch. 2]: addi rd, x0, imm; ecall; jal.
#define LI(rd, imm) (((imm) << 20) | ((rd) << 7) | 0x13)
#define A0          10
#define A1          11
#define A7          17
#define INIT_PATH   0x40  // "/init"
#define INIT_ARGV   0x50  // { INIT_PATH, 0 }
static const uint32 initcode[] = {
  LI(A0, INIT_PATH), LI(A1, INIT_ARGV), LI(A7, SYS_exec), 0x00000073,  // ecall
  LI(A0, 1),         LI(A7, SYS_exit),  0x00000073,                    // ecall
  0xff5ff06f,                                                          // j .-12
};

// Create the first process (pid 1).
void
user_init(void)
{
  struct proc *p = proc_alloc_user();

  if (p == 0 || uvm_alloc(p->pagetable, 0, PGSIZE, PTE_W | PTE_X) == 0)
    panic("user_init");
  char *page = (char *)walkaddr(p->pagetable, 0);
  memmove(page, initcode, sizeof(initcode));
  safestrcpy(page + INIT_PATH, "/init", 16);
  *(uint64 *)(page + INIT_ARGV) = INIT_PATH;
  p->sz = PGSIZE;
  p->heap_base = PGSIZE;
  p->trapframe->epc = 0;
  p->trapframe->sp = PGSIZE;
  safestrcpy(p->name, "initcode", sizeof(p->name));
  p->cwd = 0;  // set by proc_first_run once the file system is mounted
  initproc = p;
  p->state = RUNNABLE;
  spin_unlock(&p->lock);
}

// A new user process's first instructions in the kernel: leave the scheduler's lock,
// mount the file system if this is the very first process, then go to user space.
static void
proc_first_run(void)
{
  static int mounted;
  struct proc *p = myproc();

  spin_unlock(&p->lock);
  if (!mounted) {
    mounted = 1;
    fs_init(ROOTDEV);
    p->cwd = namei("/");
    __sync_synchronize();
  }
  usertrapret();
}

// A kernel thread's first instructions: run its function; if it returns, exit.
static void
kthread_start(void)
{
  struct proc *p = myproc();

  spin_unlock(&p->lock);
  p->kfn(p->karg);
  exit(0);
}

// Start fn(arg) in a kernel thread of its own; returns its pid or -1.
int
kthread_create(const char *name, void (*fn)(void *), void *arg)
{
  struct proc *p = proc_alloc(kthread_start);

  if (p == 0)
    return -1;
  p->kthread = 1;
  p->kfn = fn;
  p->karg = arg;
  p->cwd = 0;
  safestrcpy(p->name, name, sizeof(p->name));
  int pid = p->pid;
  p->state = RUNNABLE;
  spin_unlock(&p->lock);
  return pid;
}

// Grow (n > 0) or shrink (n < 0) the current process's memory. 0 or -1.
int
growproc(int n)
{
  struct proc *p = myproc();
  uint64 sz = p->sz;

  if (n > 0) {
    if (sz + n > TRAPFRAME || (sz = uvm_alloc(p->pagetable, sz, sz + n, PTE_W)) == 0)
      return -1;
  } else if (n < 0) {
    uint64 shrink = -(int64)n;
    if (shrink > sz - p->heap_base)
      return -1;  // would free the stack, data or text
    sz = uvm_dealloc(p->pagetable, sz, sz + n);
    sfence_vma();
  }
  p->sz = sz;
  return 0;
}

// Duplicate the current process. The child's pid to the parent, 0 to the child, or -errno.
int
fork(void)
{
  struct proc *p = myproc();
  struct proc *np = proc_alloc_user();

  if (np == 0)
    return -EAGAIN;
  if (uvm_copy(p->pagetable, np->pagetable, p->sz) < 0) {
    proc_release(np);
    spin_unlock(&np->lock);
    return -ENOMEM;
  }
  np->sz = p->sz;
  np->heap_base = p->heap_base;
  *np->trapframe = *p->trapframe;
  np->trapframe->a0 = 0;  // fork() returns 0 in the child
  for (int i = 0; i < NOFILE; i++)
    np->ofile[i] = p->ofile[i] ? filedup(p->ofile[i]) : 0;
  np->cwd = p->cwd ? idup(p->cwd) : 0;
  safestrcpy(np->name, p->name, sizeof(np->name));
  int pid = np->pid;
  spin_unlock(&np->lock);

  spin_lock(&wait_lock);
  np->parent = p;
  spin_unlock(&wait_lock);

  spin_lock(&np->lock);
  np->state = RUNNABLE;
  spin_unlock(&np->lock);
  return pid;
}

// Give p's children to init. Caller holds wait_lock.
static void
reparent(struct proc *p)
{
  for (struct proc *pp = ptable; pp < &ptable[NPROC]; pp++) {
    if (pp->parent == p) {
      pp->parent = initproc;
      wakeup(initproc);
    }
  }
}

// Close the current process's files and directory (may sleep).
static void
drop_files(struct proc *p)
{
  for (int fd = 0; fd < NOFILE; fd++) {
    if (p->ofile[fd]) {
      fileclose(p->ofile[fd]);
      p->ofile[fd] = 0;
    }
  }
  if (p->cwd) {
    begin_op();
    iput(p->cwd);
    end_op();
    p->cwd = 0;
  }
}

// End the current process or kernel thread; it stays a ZOMBIE until its parent waits.
void
exit(int status)
{
  struct proc *p = myproc();

  if (p == initproc)
    panic("init exiting");
  drop_files(p);

  spin_lock(&wait_lock);
  reparent(p);
  if (p->parent == 0)
    p->parent = initproc;  // a kernel thread: init reaps it
  if (p->parent)
    wakeup(p->parent);
  spin_lock(&p->lock);
  p->xstate = status;
  p->state = ZOMBIE;
  spin_unlock(&wait_lock);

  sched();
  panic("zombie exit");
}

// Reap one exited child. Caller holds wait_lock and pp->lock. Returns its pid or -EFAULT.
static int
reap(struct proc *pp, uint64 status_addr)
{
  int pid = pp->pid;

  if (status_addr != 0 && copy_to_user(status_addr, &pp->xstate, sizeof(int)) < 0)
    return -EFAULT;
  proc_release(pp);
  return pid;
}

// Wait for a child to exit; store its status at status_addr (if not 0). Its pid, or
// -ECHILD (no children), -EINTR (killed), -EFAULT.
int
wait(uint64 status_addr)
{
  struct proc *p = myproc();

  spin_lock(&wait_lock);
  for (;;) {
    int have_kids = 0;
    for (struct proc *pp = ptable; pp < &ptable[NPROC]; pp++) {
      if (pp->parent != p)
        continue;
      have_kids = 1;
      spin_lock(&pp->lock);
      if (pp->state == ZOMBIE) {
        int r = reap(pp, status_addr);
        spin_unlock(&pp->lock);
        spin_unlock(&wait_lock);
        return r;
      }
      spin_unlock(&pp->lock);
    }
    if (!have_kids || killed(p)) {
      spin_unlock(&wait_lock);
      return have_kids ? -EINTR : -ECHILD;
    }
    sleep(p, &wait_lock);
  }
}

// Each hart runs this forever: pick a RUNNABLE process, run it until it gives the hart
// back, repeat. Idle harts wait for an interrupt.
void
scheduler(void)
{
  struct cpu *c = mycpu();

  c->proc = 0;
  for (;;) {
    // Take pending interrupts now, then scan with interrupts off: a wakeup by an
    // interrupt on this hart cannot then fall between the scan and the wfi below
    // (wfi returns for a pending interrupt even while sstatus.SIE is off [priv 3.3.3]).
    intr_on();
    intr_off();
    int ran = 0;
    for (struct proc *p = ptable; p < &ptable[NPROC]; p++) {
      if (p->state != RUNNABLE)
        continue;  // unlocked look, checked again under the lock
      spin_lock(&p->lock);
      if (p->state == RUNNABLE) {
        p->state = RUNNING;
        c->proc = p;
        swtch(&c->context, &p->context);
        c->proc = 0;
        ran = 1;
      }
      spin_unlock(&p->lock);
    }
    if (!ran)
      asm volatile("wfi");
  }
}

// Switch from the current process to this hart's scheduler. The caller holds p->lock
// (and no other lock) and has changed p->state.
void
sched(void)
{
  struct proc *p = myproc();
  struct cpu *c = mycpu();

  if (!spin_holding(&p->lock))
    panic("sched: p->lock not held");
  if (c->noff != 1)
    panic("sched: other locks held");
  if (p->state == RUNNING)
    panic("sched: still RUNNING");
  if (intr_get())
    panic("sched: interrupts on");
  int intena = c->intena;  // a property of this kernel thread, not of the hart
  swtch(&p->context, &c->context);
  mycpu()->intena = intena;
}

// Give up the hart for one round.
void
yield(void)
{
  struct proc *p = myproc();

  spin_lock(&p->lock);
  p->state = RUNNABLE;
  sched();
  spin_unlock(&p->lock);
}

void
sleep(void *chan, struct spinlock *lk)
{
  sleep_deadline(chan, lk, 0);
}

// Atomically release lk and sleep on chan until a wakeup(chan), a kill(), or (if
// deadline != 0) until ticks >= deadline; then reacquire lk.
void
sleep_deadline(void *chan, struct spinlock *lk, uint64 deadline)
{
  struct proc *p = myproc();

  if (deadline != 0 && ticks >= deadline)
    return;
  // p is SLEEPING before lk is released, so a waker that changes the condition under
  // lk finds it asleep; and it waits on p->lock until sched() has switched away.
  spin_lock(&p->lock);
  p->chan = chan;
  p->deadline = deadline;
  p->state = SLEEPING;
  spin_unlock(lk);
  sched();
  p->chan = 0;
  p->deadline = 0;
  spin_unlock(&p->lock);
  spin_lock(lk);
}

// Make every process sleeping on chan RUNNABLE. Call without holding any p->lock.
void
wakeup(void *chan)
{
  struct proc *me = myproc();

  for (struct proc *p = ptable; p < &ptable[NPROC]; p++) {
    // Unlocked look first (most slots do not sleep on chan); sleep_deadline() makes
    // a sleeper visible before it releases the condition's lock. Checked again below.
    if (p == me || p->state != SLEEPING || p->chan != chan)
      continue;
    spin_lock(&p->lock);
    if (p->state == SLEEPING && p->chan == chan)
      p->state = RUNNABLE;
    spin_unlock(&p->lock);
  }
}

// Clock tick (trap.c): wake sleepers whose deadline is now.
void
proc_tick(uint64 now)
{
  for (struct proc *p = ptable; p < &ptable[NPROC]; p++) {
    if (p->state != SLEEPING || p->deadline == 0)
      continue;  // unlocked look; one that falls asleep meanwhile is seen next tick
    spin_lock(&p->lock);
    if (p->state == SLEEPING && p->deadline != 0 && now >= p->deadline)
      p->state = RUNNABLE;
    spin_unlock(&p->lock);
  }
}

// Mark process pid killed; it exits the next time it heads for user space, and a
// sleeping one is woken so it can notice. 0, -ESRCH, or -EPERM for a kernel thread or
// init (an init that exits would take the whole kernel down with it).
int
kill(int pid)
{
  for (struct proc *p = ptable; p < &ptable[NPROC]; p++) {
    spin_lock(&p->lock);
    if (p->pid == pid && p->state != UNUSED) {
      int r = (p->kthread || p == initproc) ? -EPERM : 0;
      if (r == 0) {
        p->killed = 1;
        if (p->state == SLEEPING)
          p->state = RUNNABLE;
      }
      spin_unlock(&p->lock);
      return r;
    }
    spin_unlock(&p->lock);
  }
  return -ESRCH;
}

void
setkilled(struct proc *p)
{
  spin_lock(&p->lock);
  p->killed = 1;
  spin_unlock(&p->lock);
}

int
killed(struct proc *p)
{
  spin_lock(&p->lock);
  int k = p->killed;
  spin_unlock(&p->lock);
  return k;
}

// Copy to a user address (user_dst != 0) or a kernel address. 0 or -1.
int
either_copyout(int user_dst, uint64 dst, const void *src, uint64 len)
{
  if (user_dst)
    return copy_to_user(dst, src, len) < 0 ? -1 : 0;
  memmove((void *)dst, src, len);
  return 0;
}

// Copy from a user address (user_src != 0) or a kernel address. 0 or -1.
int
either_copyin(void *dst, int user_src, uint64 src, uint64 len)
{
  if (user_src)
    return copy_from_user(dst, src, len) < 0 ? -1 : 0;
  memmove(dst, (void *)src, len);
  return 0;
}

int
nproc_used(void)
{
  int n = 0;

  for (struct proc *p = ptable; p < &ptable[NPROC]; p++) {
    if (p->state != UNUSED)
      n++;
  }
  return n;
}

// ^P: list the processes. Takes no locks, so it works when the kernel is wedged.
void
procdump(void)
{
  // State words chosen not to collide with program names (a `sleep` program exists).
  static const char *names[] = {
    [UNUSED] "unused",  [USED] "setup",      [SLEEPING] "blocked",
    [RUNNABLE] "ready", [RUNNING] "running", [ZOMBIE] "zombie",
  };

  printf("\n");
  for (struct proc *p = ptable; p < &ptable[NPROC]; p++) {
    if (p->state == UNUSED)
      continue;
    printf("%d %s %s%s\n", p->pid, names[p->state], p->name, p->kthread ? " (kthread)" : "");
  }
}
