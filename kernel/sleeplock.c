// Sleep locks: held across disk I/O and other long waits. A waiter sleeps instead of
// spinning; lk->lk (a spin lock) guards the fields.
#include "types.h"
#include "param.h"
#include "spinlock.h"
#include "sleeplock.h"
#include "proc.h"
#include "defs.h"

void
sleeplock_init(struct sleeplock *lk, char *name)
{
  spin_init(&lk->lk, "sleeplock");
  lk->name = name;
  lk->locked = 0;
  lk->pid = 0;
}

void
sleeplock_acquire(struct sleeplock *lk)
{
  spin_lock(&lk->lk);
  while (lk->locked)
    sleep(lk, &lk->lk);
  lk->locked = 1;
  lk->pid = myproc() ? myproc()->pid : 0;
  spin_unlock(&lk->lk);
}

void
sleeplock_release(struct sleeplock *lk)
{
  spin_lock(&lk->lk);
  lk->locked = 0;
  lk->pid = 0;
  wakeup(lk);
  spin_unlock(&lk->lk);
}

// Does the current process hold lk?
int
sleeplock_holding(struct sleeplock *lk)
{
  int mine;

  spin_lock(&lk->lk);
  mine = lk->locked && lk->pid == (myproc() ? myproc()->pid : 0);
  spin_unlock(&lk->lk);
  return mine;
}
