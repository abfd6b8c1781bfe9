// System-call dispatch and argument fetching. The user stub (user/usys.S) puts the
// call number in a7 and the arguments in a0..a5; the handler's int64 result goes back
// in a0 (>= 0, or -errno). The table comes from kernel/syscalls.tbl via
// tools/gensyscalls.sh.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "riscv.h"
#include "spinlock.h"
#include "proc.h"
#include "errno.h"
#include "syscall_nr.h"
#include "defs.h"
#include "syscall_tbl.h"

// Read the 8 bytes at user address addr. 0 or -EFAULT.
int
fetchaddr(uint64 addr, uint64 *ip)
{
  return copy_from_user(ip, addr, sizeof(*ip));
}

// Copy the NUL-terminated user string at addr into buf (max bytes with the NUL).
// Its length, -EFAULT, or -ENAMETOOLONG.
int
fetchstr(uint64 addr, char *buf, int max)
{
  struct proc *p = myproc();

  if (max <= 0 || p->pagetable == 0 || addr >= p->sz)
    return -EFAULT;
  if (copyinstr(p->pagetable, buf, addr, max) == 0)
    return strlen(buf);
  // Either a bad address or no NUL within max bytes: readable means too long.
  if (addr + max <= p->sz && copyin(p->pagetable, buf, addr, max) == 0) {
    buf[max - 1] = 0;
    return -ENAMETOOLONG;
  }
  return -EFAULT;
}

// The n-th argument as a string: its length, -EFAULT or -ENAMETOOLONG.
int
argstr(int n, char *buf, int max)
{
  return fetchstr(argaddr(n), buf, max);
}

// The system calls that run with interrupts off from the trap to the sret (on_ecall in
// trap.c says why): each does a bounded amount of work (it copies one datagram at most)
// and sleeps when it must wait, and the scheduler takes interrupts while it sleeps.
// Every other call turns them on first: a long one (fork, exec, sbrk, a large read) must
// not hold this hart's interrupts back, and hart 0 takes every device interrupt (plic.c).
static const char intr_off_calls[NSYSCALL] = {
  [SYS_getpid] = 1,   [SYS_uptime] = 1, [SYS_clock_us] = 1, [SYS_sendto] = 1,
  [SYS_recvfrom] = 1, [SYS_send] = 1,   [SYS_recv] = 1,
};

// Run the system call the current process asked for, with interrupts turned on first
// unless it is one of intr_off_calls. Returns 1 if interrupts stayed off throughout.
int
syscall(void)
{
  struct proc *p = myproc();
  uint64 num = p->trapframe->a7;
  int intr_off = num < NSYSCALL && intr_off_calls[num];

  if (!intr_off)
    intr_on();

  if (num > 0 && num < NSYSCALL && syscall_table[num]) {
    p->trapframe->a0 = syscall_table[num]();
  } else {
    printf("pid %d %s: unknown sys call %d\n", p->pid, p->name, (int)num);
    p->trapframe->a0 = -ENOSYS;
  }
  return intr_off;
}
