// Open files: the system-wide file table and the operations every descriptor supports,
// dispatched on what is behind the file (pipe, inode, device, socket).
//
// Interface: filealloc() a zeroed file with ref 1; filedup/fileclose count references;
// fileread/filewrite/filestat/file_poll work for any type. devsw[] maps a device
// inode's major number to its driver.

#include "types.h"
#include "param.h"
#include "errno.h"
#include "stat.h"
#include "poll.h"
#include "spinlock.h"
#include "sleeplock.h"
#include "defs.h"
#include "fs.h"
#include "file.h"
#include "net/sock.h"

struct devsw devsw[NDEV];

static struct {
  struct spinlock lock;  // guards ref and type of every file
  struct file file[NFILE];
} ftable;

// Set up the file table.
void
file_init(void)
{
  spin_init(&ftable.lock, "ftable");
}

// A free file with ref 1, or 0 if the table is full.
struct file *
filealloc(void)
{
  spin_lock(&ftable.lock);
  for (struct file *f = ftable.file; f < ftable.file + NFILE; f++) {
    if (f->ref == 0) {
      memset(f, 0, sizeof(*f));
      f->ref = 1;
      spin_unlock(&ftable.lock);
      return f;
    }
  }
  spin_unlock(&ftable.lock);
  return 0;
}

// One more reference to f.
struct file *
filedup(struct file *f)
{
  spin_lock(&ftable.lock);
  if (f->ref < 1)
    panic("filedup: free file");
  f->ref++;
  spin_unlock(&ftable.lock);
  return f;
}

// Drop a reference; the last one releases what is behind the file.
void
fileclose(struct file *f)
{
  spin_lock(&ftable.lock);
  if (f->ref < 1)
    panic("fileclose: free file");
  if (--f->ref > 0) {
    spin_unlock(&ftable.lock);
    return;
  }
  struct file copy = *f;  // release outside the lock: it may sleep
  f->type = FD_NONE;
  spin_unlock(&ftable.lock);

  if (copy.type == FD_PIPE) {
    pipeclose(copy.pipe, copy.writable);
  } else if (copy.type == FD_INODE || copy.type == FD_DEVICE) {
    begin_op();
    iput(copy.ip);
    end_op();
  } else if (copy.type == FD_SOCKET) {
    sock_close(copy.sock);
  }
}

// Copy f's metadata to the user's struct stat at addr.
int
filestat(struct file *f, uint64 addr)
{
  struct stat st;

  memset(&st, 0, sizeof(st));
  if (f->type == FD_INODE || f->type == FD_DEVICE) {
    ilock(f->ip);
    stati(f->ip, &st);
    iunlock(f->ip);
  } else if (f->type == FD_PIPE) {
    st.type = T_PIPE;
    st.nlink = 1;
  } else if (f->type == FD_SOCKET) {
    st.type = T_SOCKET;
    st.nlink = 1;
  } else {
    return -EBADF;
  }
  return copy_to_user(addr, &st, sizeof(st));
}

// Read up to n bytes into user memory at addr.
int
fileread(struct file *f, uint64 addr, int n)
{
  if (!f->readable)
    return -EBADF;
  if (n < 0)
    return -EINVAL;
  switch (f->type) {
  case FD_PIPE:
    return piperead(f->pipe, addr, n);
  case FD_SOCKET:
    return sock_read(f->sock, addr, n);
  case FD_DEVICE:
    if (f->major < 0 || f->major >= NDEV || !devsw[f->major].read)
      return -ENODEV;
    return devsw[f->major].read(1, addr, n);
  case FD_INODE: {
    ilock(f->ip);
    int r = readi(f->ip, 1, addr, f->off, n);
    if (r > 0)
      f->off += r;
    iunlock(f->ip);
    return r < 0 ? -EFAULT : r;
  }
  default:
    return -EBADF;
  }
}

// Blocks one transaction of inode_write may change besides its data blocks: the inode,
// two bitmap blocks (the new blocks may straddle a bitmap block), and three index blocks
// (single indirect; double-indirect root and one of its children).
#define WRITE_OVERHEAD 6

// Write n bytes from user memory at addr to an inode, in pieces small enough that each
// fits one transaction: at most MAXOPBLOCKS - WRITE_OVERHEAD data blocks per piece.
static int
inode_write(struct file *f, uint64 addr, int n)
{
  int max = (MAXOPBLOCKS - WRITE_OVERHEAD) * BSIZE;
  int done = 0;

  while (done < n) {
    begin_op();
    ilock(f->ip);  // guards f->off too
    int m = n - done;
    if (m > max - (int)(f->off % BSIZE))  // end the piece on a block boundary
      m = max - f->off % BSIZE;
    int r = writei(f->ip, 1, addr + done, f->off, m);
    if (r > 0)
      f->off += r;
    iunlock(f->ip);
    end_op();
    if (r < 0)
      return done > 0 ? done : r;
    done += r;
    if (r != m)
      break;  // disk full part way
  }
  return done;
}

// Write n bytes from user memory at addr.
int
filewrite(struct file *f, uint64 addr, int n)
{
  if (!f->writable)
    return -EBADF;
  if (n < 0)
    return -EINVAL;
  switch (f->type) {
  case FD_PIPE:
    return pipewrite(f->pipe, addr, n);
  case FD_SOCKET:
    return sock_write(f->sock, addr, n);
  case FD_DEVICE:
    if (f->major < 0 || f->major >= NDEV || !devsw[f->major].write)
      return -ENODEV;
    return devsw[f->major].write(1, addr, n);
  case FD_INODE:
    return inode_write(f, addr, n);
  default:
    return -EBADF;
  }
}

// Which of events are ready on f now (POLLHUP/POLLERR are reported whatever events asks).
int
file_poll(struct file *f, int events)
{
  switch (f->type) {
  case FD_PIPE:
    return pipe_poll(f->pipe, f->writable, events);
  case FD_SOCKET:
    return sock_poll(f->sock, events);
  case FD_DEVICE:
    if (f->major >= 0 && f->major < NDEV && devsw[f->major].poll)
      return devsw[f->major].poll(events);
    return events & (POLLIN | POLLOUT);
  case FD_INODE:
    return events & (POLLIN | POLLOUT);  // a disk file never blocks
  default:
    return POLLNVAL;
  }
}
