// System calls about processes, memory and time: argument decoding only; the work is
// in proc.c, exec.c and vm.c.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "riscv.h"
#include "spinlock.h"
#include "proc.h"
#include "errno.h"
#include "sysinfo.h"
#include "net/skbuff.h"
#include "defs.h"

int64
sys_fork(void)
{
  return fork();
}

int64
sys_exit(void)
{
  exit(argint(0));
}

int64
sys_wait(void)
{
  return wait(argaddr(0));
}

int64
sys_kill(void)
{
  return kill(argint(0));
}

int64
sys_getpid(void)
{
  return myproc()->pid;
}

// sbrk(n): grow or shrink memory by n bytes; returns the old break.
int64
sys_sbrk(void)
{
  uint64 old = myproc()->sz;

  if (growproc(argint(0)) < 0)
    return -ENOMEM;
  return old;
}

// sleep(n): n clock ticks (10 ms each); -EINTR if killed meanwhile.
int64
sys_sleep(void)
{
  int n = argint(0);

  if (n < 0)
    return -EINVAL;
  spin_lock(&tickslock);
  uint64 until = ticks + n;
  while (ticks < until) {
    if (killed(myproc())) {
      spin_unlock(&tickslock);
      return -EINTR;
    }
    // A channel of its own: only the deadline (or kill) wakes it, not every tick.
    sleep_deadline(&myproc()->deadline, &tickslock, until);
  }
  spin_unlock(&tickslock);
  return 0;
}

int64
sys_uptime(void)
{
  return ticks;
}

int64
sys_clock_us(void)
{
  return time_us();
}

// exec(path, argv): argv is a user array of user strings, 0-terminated.
int64
sys_exec(void)
{
  char path[MAXPATH];
  char *argv[MAXARG + 1];
  uint64 uargv = argaddr(1);
  int r, argc;

  if ((r = argstr(0, path, sizeof(path))) < 0)
    return r;
  memset(argv, 0, sizeof(argv));
  for (argc = 0;; argc++) {
    uint64 ua;
    if (argc > MAXARG) {
      r = -E2BIG;
      goto out;
    }
    if ((r = fetchaddr(uargv + argc * sizeof(uint64), &ua)) < 0)
      goto out;
    if (ua == 0)
      break;
    if ((argv[argc] = kalloc()) == 0) {
      r = -ENOMEM;
      goto out;
    }
    if ((r = fetchstr(ua, argv[argc], PGSIZE)) < 0)
      goto out;
  }
  r = exec(path, argv);
out:
  for (int i = 0; i <= MAXARG && argv[i]; i++)
    kfree(argv[i]);
  return r;
}

int64
sys_sysinfo(void)
{
  struct sysinfo info;
  struct skb_stats st;

  skb_get_stats(&st);
  info.freepages = kalloc_free_pages();
  info.nproc = nproc_used();
  info.skb_inuse = st.inuse;
  info.skb_free = st.free;
  info.uptime_us = time_us();
  return copy_to_user(argaddr(0), &info, sizeof(info));
}
