// Processes and kernel threads, the per-hart scheduler, sleep and wakeup.
//
// A slot in ptable[] goes UNUSED -> USED (being built) -> RUNNABLE, then moves between
// RUNNABLE, RUNNING and SLEEPING until exit() leaves it a ZOMBIE; its parent's wait()
// collects the exit status (proc_reap) and the slot is UNUSED again.
// The processes form a tree: every slot links to its parent, its first child and its next
// sibling, so wait() and exit() look only at one family, never the whole table. Orphans
// are spliced onto init's list of children; a parent waits on its own children list.
// Locks (proc.h has the field list): tree_lock guards the tree links and is taken before
// any p->lock; p->lock guards the rest of a slot's scheduling state.
// Each hart's scheduler picks RUNNABLE slots round robin from where it last stopped; a
// process hands the hart back through sched() while holding its own p->lock, which the
// scheduler drops once the switch is done (a new process drops it in proc_first_run).
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
struct proc ptable[NPROC];
static struct proc *initproc;

static struct spinlock pid_lock;  // guards next_pid
static int next_pid = 1;
static struct spinlock tree_lock;  // guards parent/children/sibling of every slot

// Sleepers wait in one of NWAITQ queues, the one their channel hashes to, so wakeup(chan)
// looks only at the few processes asleep on channels with that hash rather than taking
// the lock of every slot in the table. Lock order: the sleeper's condition lock (lk),
// then the queue's lock, then p->lock.
#define NWAITQ 64

struct waitq {
  struct spinlock lock;
  struct proc *head;  // sleepers, linked through p->wait_next
};
static struct waitq waitqs[NWAITQ];

static struct waitq *
waitq_of(void *chan)
{
  uint64 h = (uint64)chan;

  return &waitqs[((h >> 4) ^ (h >> 10)) % NWAITQ];
}

extern void usertrap(void);

void
proc_init(void)
{
  spin_init(&pid_lock, "next_pid");
  spin_init(&tree_lock, "proc_tree");
  for (int i = 0; i < NWAITQ; i++)
    spin_init(&waitqs[i].lock, "waitq");
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
    uvm_free(p->pagetable, p->sz);
  if (p->trapframe)
    kfree((void *)PGROUNDDOWN((uint64)p->trapframe));
  p->pagetable = 0;
  p->trapframe = 0;
  p->sz = 0;
  p->heap_base = 0;
  p->pid = 0;
  p->parent = 0;
  p->children = 0;
  p->sibling = 0;
  p->name[0] = 0;
  p->chan = 0;
  p->deadline = 0;
  p->killed = 0;
  p->xstate = 0;
  p->kthread = 0;
  p->state = UNUSED;
}

// A slot for a user process: a trapframe (in the upper half of its page: memlayout.h)
// and a page table holding only the kernel and the trapframe. Returns with p->lock held,
// or 0.
static struct proc *
proc_alloc_user(void)
{
  struct proc *p = proc_alloc(proc_first_run);
  char *page;

  if (p == 0)
    return 0;
  if ((page = kalloc()) != 0) {
    p->trapframe = (struct trapframe *)(page + (TRAPFRAME_VA - TRAPFRAME_PAGE));
    p->trapframe->in_kernel = 1;  // the process starts in the kernel (proc_first_run)
    p->pagetable = uvm_create(p->trapframe);
  }
  if (p->pagetable == 0) {
    proc_release(p);
    spin_unlock(&p->lock);
    return 0;
  }
  return p;
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
    if (sz + n > USERTOP || (sz = uvm_alloc(p->pagetable, sz, sz + n, PTE_W)) == 0)
      return -1;
  } else if (n < 0) {
    uint64 shrink = -(int64)n;
    if (shrink > sz - p->heap_base)
      return -1;  // would free the stack, data or text
    sz = uvm_dealloc(p->pagetable, sz, sz + n);
  }
  // This hart runs on p's table: drop translations of freed pages, and of pages that
  // were invalid a moment ago (the spec lets a hart cache those) [priv 4.2.1].
  sfence_vma();
  p->sz = sz;
  return 0;
}

static void adopt(struct proc *parent, struct proc *child);
static void switch_out(struct proc *p, enum procstate state);

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

  spin_lock(&tree_lock);
  adopt(p, np);
  spin_unlock(&tree_lock);

  spin_lock(&np->lock);
  np->state = RUNNABLE;
  spin_unlock(&np->lock);
  return pid;
}

// Make child the newest of parent's children. Caller holds tree_lock.
static void
adopt(struct proc *parent, struct proc *child)
{
  child->parent = parent;
  child->sibling = parent->children;
  parent->children = child;
}

// Take child out of its parent's list of children. Caller holds tree_lock.
static void
disown(struct proc *child)
{
  struct proc **link = &child->parent->children;

  while (*link != child)
    link = &(*link)->sibling;
  *link = child->sibling;
  child->parent = 0;
  child->sibling = 0;
}

// An exiting process's children become init's: point each at init, then splice the
// whole list in front of init's own. Wakes init, which may find zombies among them.
// Caller holds tree_lock.
static void
orphans_to_init(struct proc *p)
{
  struct proc *last = 0;

  if (p->children == 0)
    return;
  for (struct proc *c = p->children; c != 0; c = c->sibling) {
    c->parent = initproc;
    last = c;
  }
  last->sibling = initproc->children;
  initproc->children = p->children;
  p->children = 0;
  wakeup(&initproc->children);
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

// Finish the current process (or kernel thread): close its files, hand its children to
// init, then become a ZOMBIE that waits for the parent to collect status. Never returns.
void
exit(int status)
{
  struct proc *p = myproc();

  if (p == initproc)
    panic("exit: pid 1 (init) must never end");
  drop_files(p);

  spin_lock(&tree_lock);
  orphans_to_init(p);
  if (p->parent == 0)
    adopt(initproc, p);  // a kernel thread has no parent: init collects it
  // The parent cannot look at us before tree_lock is released, by which time we are a
  // ZOMBIE; and it cannot free the slot before sched() has left it (p->lock).
  wakeup(&p->parent->children);
  spin_lock(&p->lock);
  p->xstate = status;
  spin_unlock(&tree_lock);
  switch_out(p, ZOMBIE);
  panic("exit: a ZOMBIE was scheduled again");
}

// Collect a ZOMBIE child: store its exit status at status_addr (unless 0), unlink it from
// the tree and free its slot. Caller holds tree_lock and z->lock. Its pid, or -EFAULT
// (the child stays a ZOMBIE, to be collected by a later wait).
static int
proc_reap(struct proc *z, uint64 status_addr)
{
  int pid = z->pid;

  if (status_addr != 0 && copy_to_user(status_addr, &z->xstate, sizeof(z->xstate)) < 0)
    return -EFAULT;
  disown(z);
  proc_release(z);
  return pid;
}

// One of p's children that is a ZOMBIE, returned with its lock held; or 0.
// Caller holds tree_lock.
static struct proc *
find_zombie(struct proc *p)
{
  for (struct proc *c = p->children; c != 0; c = c->sibling) {
    spin_lock(&c->lock);
    if (c->state == ZOMBIE)
      return c;
    spin_unlock(&c->lock);
  }
  return 0;
}

// Wait for a child to exit; store its status at status_addr (if not 0). Its pid, or
// -ECHILD (no children), -EINTR (killed), -EFAULT.
int
wait(uint64 status_addr)
{
  struct proc *p = myproc();
  struct proc *z;
  int r;

  spin_lock(&tree_lock);
  for (;;) {
    if (p->children == 0) {
      r = -ECHILD;
      break;
    }
    if ((z = find_zombie(p)) != 0) {
      r = proc_reap(z, status_addr);
      spin_unlock(&z->lock);
      break;
    }
    if (killed(p)) {
      r = -EINTR;
      break;
    }
    sleep(&p->children, &tree_lock);  // exit() and orphans_to_init() wake this
  }
  spin_unlock(&tree_lock);
  return r;
}

// The next RUNNABLE slot at or after c's cursor, returned locked; the cursor moves past
// it so that the next search starts with its neighbour. 0 after a full lap finds none.
static struct proc *
pick_next(struct cpu *c)
{
  for (int n = 0; n < NPROC; n++) {
    struct proc *p = &ptable[(c->next_slot + n) % NPROC];
    if (p->state != RUNNABLE)
      continue;  // unlocked look, checked again under the lock
    spin_lock(&p->lock);
    if (p->state == RUNNABLE) {
      c->next_slot = (p - ptable + 1) % NPROC;
      return p;
    }
    spin_unlock(&p->lock);
  }
  return 0;
}

// Run p (locked, RUNNABLE) on this hart until it calls sched(); then drop its lock.
static void
run_on_hart(struct cpu *c, struct proc *p)
{
  p->state = RUNNING;
  if (p->pagetable)
    vm_switch(p->pagetable);        // it maps the kernel too: we keep running here
  swtch(&c->context, &p->context);  // back here when p gives up the hart
  // Leave p's table while we still hold p->lock: once it is dropped, p may run and exit
  // on another hart and its table be freed under us. (A kernel thread has none.)
  vm_switch(kernel_pagetable);
  spin_unlock(&p->lock);
}

// Each hart's loop forever: run the next RUNNABLE process in round-robin order; with
// none, sleep in wfi until an interrupt.
void
scheduler(void)
{
  struct cpu *c = mycpu();

  for (;;) {
    // Open a window for pending interrupts, then search with them off: a wakeup from an
    // interrupt on this hart cannot slip in between a fruitless search and the wfi
    // (wfi returns for a pending interrupt even while sstatus.SIE is off [priv 3.3.3]).
    intr_on();
    intr_off();
    struct proc *p = pick_next(c);
    if (p != 0) {
      run_on_hart(c, p);
    } else {
      timer_idle();  // an alarm (timer_alarm) waiting on this hart wakes it
      asm volatile("wfi");
    }
  }
}

// Why p may not leave this hart now, or 0 if it may: it must hold its own lock and no
// other (while it does, no interrupt is handled here, so a tick cannot re-enter sched),
// and have left RUNNING.
static const char *
switch_forbidden(struct proc *p, struct cpu *c)
{
  if (!spin_holding(&p->lock))
    return "p->lock is not held";
  if (c->noff != 1)
    return "a lock besides p->lock is held";
  if (p->state == RUNNING)
    return "state is still RUNNING";
  return 0;
}

// Switch from the current process to this hart's scheduler; returns when the scheduler
// picks p again. The caller holds p->lock (and no other lock) and has changed p->state.
void
sched(void)
{
  struct proc *p = myproc();
  struct cpu *c = mycpu();
  const char *why = switch_forbidden(p, c);

  if (why != 0) {
    printf("sched: pid %d (%s) cannot switch: %s\n", p->pid, p->name, why);
    panic("sched: broken switch invariant");
  }
  // Whether interrupts come back on at the last irq_pop_off() belongs to this kernel
  // thread, not to the hart: on if they are on now or owed. Carry it across the switch:
  // the scheduler switches back to us with interrupts off (spinlock.h).
  int intr_wanted = intr_get() || c->intr_owed;
  swtch(&p->context, &c->context);
  if (intr_wanted)
    mycpu()->intr_owed = 1;
}

// Leave the hart in the given state; returns when the scheduler runs p again (never for
// a ZOMBIE). Caller holds p->lock.
static void
switch_out(struct proc *p, enum procstate state)
{
  p->state = state;
  sched();
}

// Is any slot other than me RUNNABLE? An unlocked look: a slot that turns RUNNABLE just
// after it is passed over gets its turn at the next tick (or from another hart).
static int
others_runnable(struct proc *me)
{
  for (struct proc *p = ptable; p < &ptable[NPROC]; p++) {
    if (p != me && __atomic_load_n(&p->state, __ATOMIC_RELAXED) == RUNNABLE)
      return 1;
  }
  return 0;
}

// Give the hart to whoever else is RUNNABLE; we are RUNNABLE too and run again later.
// With no one else waiting, keep it: the round trip through the scheduler would switch
// page tables twice (two full TLB flushes) only to pick us again.
void
yield(void)
{
  struct proc *p = myproc();

  if (!others_runnable(p))
    return;
  spin_lock(&p->lock);
  switch_out(p, RUNNABLE);
  spin_unlock(&p->lock);
}

void
sleep(void *chan, struct spinlock *lk)
{
  sleep_deadline(chan, lk, 0);
}

// Unlink p from its queue wq. Caller holds wq->lock.
static void
waitq_remove(struct waitq *wq, struct proc *p)
{
  struct proc **link = &wq->head;

  while (*link != 0 && *link != p)
    link = &(*link)->wait_next;
  if (*link == p)
    *link = p->wait_next;
  p->wait_next = 0;
  __atomic_store_n(&p->waitq, 0, __ATOMIC_RELAXED);
}

// Atomically release lk and sleep on chan until a wakeup(chan), a kill(), or (if
// deadline != 0) until ticks >= deadline; then reacquire lk.
void
sleep_deadline(void *chan, struct spinlock *lk, uint64 deadline)
{
  struct proc *p = myproc();
  struct waitq *wq = waitq_of(chan);

  if (deadline != 0 && ticks >= deadline)
    return;
  // Queued and SLEEPING before lk is released: a waker that changes the condition under
  // lk finds us in the queue. p->lock is held until sched() has switched away.
  spin_lock(&wq->lock);
  spin_lock(&p->lock);
  p->chan = chan;
  p->deadline = deadline;
  p->state = SLEEPING;
  p->wait_next = wq->head;
  wq->head = p;
  p->waitq = wq;
  spin_unlock(&wq->lock);
  spin_unlock(lk);
  sched();
  p->chan = 0;
  p->deadline = 0;
  spin_unlock(&p->lock);
  // wakeup() unlinked us; a deadline or kill() did not: then leave the queue ourselves.
  if (__atomic_load_n(&p->waitq, __ATOMIC_RELAXED) != 0) {
    spin_lock(&wq->lock);
    if (p->waitq == wq)
      waitq_remove(wq, p);
    spin_unlock(&wq->lock);
  }
  spin_lock(lk);
}

// Make every process sleeping on chan RUNNABLE. Call without holding any p->lock.
void
wakeup(void *chan)
{
  struct waitq *wq = waitq_of(chan);
  struct proc *p, *next;

  spin_lock(&wq->lock);
  for (p = wq->head; p != 0; p = next) {
    next = p->wait_next;
    // chan is cleared under p->lock alone by a sleeper that woke for another reason:
    // a stale look only sends us to the check under the lock.
    if (__atomic_load_n(&p->chan, __ATOMIC_RELAXED) != chan)
      continue;
    spin_lock(&p->lock);
    if (p->state == SLEEPING && p->chan == chan)
      p->state = RUNNABLE;
    spin_unlock(&p->lock);
    waitq_remove(wq, p);  // awake either way: it need not stay queued
  }
  spin_unlock(&wq->lock);
}

// Clock tick (trap.c): wake sleepers whose deadline is now.
void
proc_tick(uint64 now)
{
  for (struct proc *p = ptable; p < &ptable[NPROC]; p++) {
    spin_lock(&p->lock);
    if (p->state == SLEEPING && p->deadline != 0 && now >= p->deadline)
      p->state = RUNNABLE;
    spin_unlock(&p->lock);
  }
}

// The live slot with this pid, returned with its lock held; or 0.
static struct proc *
find_pid(int pid)
{
  for (struct proc *p = ptable; p < &ptable[NPROC]; p++) {
    if (p->state == UNUSED || p->pid != pid)
      continue;  // unlocked look, checked again under the lock
    spin_lock(&p->lock);
    if (p->state != UNUSED && p->pid == pid)
      return p;
    spin_unlock(&p->lock);
  }
  return 0;
}

// Flag p to die and get it moving if it sleeps, so it notices soon: it exits on its way
// back to user space, and killable sleeps give up early. Caller holds p->lock.
static void
doom(struct proc *p)
{
  __atomic_store_n(&p->killed, 1, __ATOMIC_RELEASE);
  if (p->state == SLEEPING)
    p->state = RUNNABLE;
}

// kill(pid): 0, -ESRCH (no such process), or -EPERM for a kernel thread or init (an init
// that exits would take the whole kernel down with it).
int
kill(int pid)
{
  struct proc *p = find_pid(pid);
  int r = 0;

  if (p == 0)
    return -ESRCH;
  if (p->kthread || p == initproc)
    r = -EPERM;
  else
    doom(p);
  spin_unlock(&p->lock);
  return r;
}

// Flag p (normally the current process, after a fault) to die; see doom().
void
setkilled(struct proc *p)
{
  spin_lock(&p->lock);
  doom(p);
  spin_unlock(&p->lock);
}

// Has the calling process been killed? For files that do not see struct proc (myproc()
// is inline in proc.h): the console, the driver, the device layer.
int
current_killed(void)
{
  return killed(myproc());
}

// read() and write() of files and devices move bytes either to/from user memory (the
// address is checked through the page table) or kernel memory (trusted). One helper for
// both directions: out != 0 copies kbuf to addr, otherwise addr to kbuf. 0 or -1.
static int
move_bytes(int user, uint64 addr, void *kbuf, uint64 len, int out)
{
  if (user) {
    int r = out ? copy_to_user(addr, kbuf, len) : copy_from_user(kbuf, addr, len);
    return r < 0 ? -1 : 0;
  }
  if (out)
    memmove((void *)addr, kbuf, len);
  else
    memmove(kbuf, (void *)addr, len);
  return 0;
}

// Copy len bytes from kernel src to dst, a user address if user_dst. 0 or -1.
int
either_copyout(int user_dst, uint64 dst, const void *src, uint64 len)
{
  return move_bytes(user_dst, dst, (void *)src, len, 1);
}

// Copy len bytes to kernel dst from src, a user address if user_src. 0 or -1.
int
either_copyin(void *dst, int user_src, uint64 src, uint64 len)
{
  return move_bytes(user_src, src, dst, len, 0);
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
