// poll(2): wait until one of several descriptors is ready, with a timeout.
//
// One global wait channel instead of per-file wait queues. Whatever can make a
// descriptor ready (a pipe, the console, a socket) calls poll_wakeup(), which bumps a
// sequence number and wakes every poller. A poller
//   1. reads the sequence number,
//   2. asks every descriptor (file_poll),
//   3. sleeps only if the sequence number is still the one it read.
// A change between 1 and 3 has bumped the number, so no wakeup is lost; a spurious
// wakeup only costs another scan.

#include "types.h"
#include "param.h"
#include "errno.h"
#include "poll.h"
#include "spinlock.h"
#include "defs.h"
#include "proc.h"
#include "file.h"

#define POLL_MAX 64  // most descriptors one call may watch

static struct spinlock poll_lock = { .name = "poll" };  // guards poll_seq
static uint64 poll_seq;

// Something a poller may be waiting for has changed: wake them all.
void
poll_wakeup(void)
{
  spin_lock(&poll_lock);
  poll_seq++;
  wakeup(&poll_seq);
  spin_unlock(&poll_lock);
}

// The current sequence number.
static uint64
poll_seq_read(void)
{
  spin_lock(&poll_lock);
  uint64 s = poll_seq;
  spin_unlock(&poll_lock);
  return s;
}

// Fill in revents of every entry; returns how many have some.
static int
poll_scan(struct pollfd *fds, int nfds)
{
  struct proc *p = myproc();
  int ready = 0;

  for (int i = 0; i < nfds; i++) {
    int fd = fds[i].fd;
    fds[i].revents = 0;
    if (fd < 0)
      continue;  // ignored, as in POSIX
    if (fd >= NOFILE || p->ofile[fd] == 0)
      fds[i].revents = POLLNVAL;
    else
      fds[i].revents =
          file_poll(p->ofile[fd], fds[i].events) & (fds[i].events | POLLHUP | POLLERR | POLLNVAL);
    if (fds[i].revents)
      ready++;
  }
  return ready;
}

// poll(fds, nfds, timeout_ms): -1 waits forever, 0 does not wait.
int64
sys_poll(void)
{
  struct pollfd fds[POLL_MAX];
  uint64 ufds = argaddr(0);
  int nfds = argint(1), timeout_ms = argint(2);
  uint64 deadline = 0;  // in ticks; 0 = wait forever
  int ready;

  if (nfds < 0 || nfds > POLL_MAX)
    return -EINVAL;
  if (copy_from_user(fds, ufds, nfds * sizeof(fds[0])) < 0)
    return -EFAULT;
  if (timeout_ms > 0)
    deadline = ticks + (timeout_ms + 9) / 10;  // 100 Hz: round up to whole ticks
  for (;;) {
    uint64 seq = poll_seq_read();
    ready = poll_scan(fds, nfds);
    if (ready > 0 || timeout_ms == 0)
      break;
    if (killed(myproc()))
      return -EINTR;
    if (deadline && ticks >= deadline)
      break;
    spin_lock(&poll_lock);
    if (poll_seq == seq)
      sleep_deadline(&poll_seq, &poll_lock, deadline);
    spin_unlock(&poll_lock);
  }
  if (copy_to_user(ufds, fds, nfds * sizeof(fds[0])) < 0)
    return -EFAULT;
  return ready;
}
