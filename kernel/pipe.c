// Pipes: a bounded byte queue between a read end and a write end.
//
// Interface: pipealloc makes the two files; piperead blocks while the pipe is empty and
// a writer remains (then 0 = end of file); pipewrite blocks while it is full and returns
// -EPIPE once no reader remains; both return -EINTR when the process is killed before
// moving anything. Every state change calls poll_wakeup() for poll(2).

#include "types.h"
#include "param.h"
#include "errno.h"
#include "poll.h"
#include "spinlock.h"
#include "defs.h"
#include "proc.h"
#include "file.h"

#define PIPE_BUF_SIZE 512

struct pipe {
  struct spinlock lock;  // guards everything below
  uchar buf[PIPE_BUF_SIZE];
  uint64 rpos;       // bytes ever read; free-running, index with % PIPE_BUF_SIZE
  uint64 wpos;       // bytes ever written
  int readers_open;  // the read end is still open
  int writers_open;  // the write end is still open
};

// Make a pipe and its two files: *rf reads, *wf writes. 0 or -ENFILE/-ENOMEM.
int
pipealloc(struct file **rf, struct file **wf)
{
  struct pipe *pi;
  int err = -ENFILE;

  *rf = filealloc();
  *wf = *rf ? filealloc() : 0;
  if (*wf == 0)
    goto bad;
  err = -ENOMEM;
  if ((pi = kalloc()) == 0)
    goto bad;
  spin_init(&pi->lock, "pipe");
  pi->readers_open = 1;
  pi->writers_open = 1;
  (*rf)->type = FD_PIPE;
  (*rf)->readable = 1;
  (*rf)->pipe = pi;
  (*wf)->type = FD_PIPE;
  (*wf)->writable = 1;
  (*wf)->pipe = pi;
  return 0;

bad:
  if (*rf)
    fileclose(*rf);
  if (*wf)
    fileclose(*wf);
  return err;
}

// Close one end; the pipe is freed when both are closed.
void
pipeclose(struct pipe *pi, int writable)
{
  spin_lock(&pi->lock);
  if (writable)
    pi->writers_open = 0;
  else
    pi->readers_open = 0;
  wakeup(&pi->rpos);
  wakeup(&pi->wpos);
  int dead = !pi->readers_open && !pi->writers_open;
  spin_unlock(&pi->lock);
  poll_wakeup();
  if (dead)
    kfree(pi);
}

// Copy up to n bytes from user memory into the pipe, sleeping while it is full.
int
pipewrite(struct pipe *pi, uint64 addr, int n)
{
  int done = 0;
  struct proc *p = myproc();

  spin_lock(&pi->lock);
  while (done < n) {
    if (!pi->readers_open) {
      done = done ? done : -EPIPE;
      break;
    }
    if (killed(p)) {
      done = done ? done : -EINTR;
      break;
    }
    if (pi->wpos - pi->rpos == PIPE_BUF_SIZE) {
      wakeup(&pi->rpos);
      sleep(&pi->wpos, &pi->lock);
      continue;
    }
    // Copy one contiguous run: up to the end of the buffer or of the free space.
    uint at = pi->wpos % PIPE_BUF_SIZE;
    uint room = PIPE_BUF_SIZE - (pi->wpos - pi->rpos);
    uint m = PIPE_BUF_SIZE - at;
    if (m > room)
      m = room;
    if (m > n - done)
      m = n - done;
    if (copy_from_user(pi->buf + at, addr + done, m) < 0) {
      done = done ? done : -EFAULT;
      break;
    }
    pi->wpos += m;
    done += m;
  }
  wakeup(&pi->rpos);
  spin_unlock(&pi->lock);
  poll_wakeup();
  return done;
}

// Copy up to n bytes out of the pipe, sleeping while it is empty and writable.
int
piperead(struct pipe *pi, uint64 addr, int n)
{
  int done = 0;
  struct proc *p = myproc();

  spin_lock(&pi->lock);
  while (pi->rpos == pi->wpos && pi->writers_open) {
    if (killed(p)) {
      spin_unlock(&pi->lock);
      return -EINTR;
    }
    sleep(&pi->rpos, &pi->lock);
  }
  while (done < n && pi->rpos != pi->wpos) {
    uint at = pi->rpos % PIPE_BUF_SIZE;
    uint m = PIPE_BUF_SIZE - at;
    if (m > pi->wpos - pi->rpos)
      m = pi->wpos - pi->rpos;
    if (m > n - done)
      m = n - done;
    if (copy_to_user(addr + done, pi->buf + at, m) < 0) {
      done = done ? done : -EFAULT;
      break;
    }
    pi->rpos += m;
    done += m;
  }
  wakeup(&pi->wpos);
  spin_unlock(&pi->lock);
  poll_wakeup();
  return done;
}

// Readiness of one end. Read end: POLLIN when there is data or end of file, POLLHUP
// when the writers are gone. Write end: POLLOUT when there is room, POLLERR when the
// readers are gone (a write would fail with EPIPE).
int
pipe_poll(struct pipe *pi, int writable, int events)
{
  int r = 0;

  spin_lock(&pi->lock);
  if (!writable) {
    if (pi->rpos != pi->wpos || !pi->writers_open)
      r |= events & POLLIN;
    if (!pi->writers_open)
      r |= POLLHUP;
  } else {
    if (pi->wpos - pi->rpos < PIPE_BUF_SIZE)
      r |= events & POLLOUT;
    if (!pi->readers_open)
      r |= POLLERR;
  }
  spin_unlock(&pi->lock);
  return r;
}
