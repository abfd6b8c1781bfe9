// File-system system calls: argument checking and descriptors here, the work in
// file.c, fs.c and pipe.c. Each handler returns >= 0 or -E... (errno.h).
//
// Path calls run inside one transaction (begin_op/end_op); reads and writes of files
// make their own (file.c).

#include "types.h"
#include "param.h"
#include "errno.h"
#include "stat.h"
#include "fcntl.h"
#include "spinlock.h"
#include "sleeplock.h"
#include "defs.h"
#include "proc.h"
#include "fs.h"
#include "file.h"

// Fetch system-call argument n as a descriptor of the current process.
int
argfd(int n, int *pfd, struct file **pf)
{
  int fd = argint(n);
  struct file *f = fd_file(fd);

  if (f == 0)
    return -EBADF;
  if (pfd)
    *pfd = fd;
  if (pf)
    *pf = f;
  return 0;
}

// Give f the lowest free descriptor of the current process (the caller's reference).
int
fdalloc(struct file *f)
{
  struct proc *p = myproc();

  for (int fd = 0; fd < NOFILE; fd++) {
    if (p->ofile[fd] == 0) {
      p->ofile[fd] = f;
      return fd;
    }
  }
  return -EMFILE;
}

// dup(fd): a second descriptor for the same open file.
int64
sys_dup(void)
{
  struct file *f;
  int r;

  if ((r = argfd(0, 0, &f)) < 0)
    return r;
  if ((r = fdalloc(f)) < 0)
    return r;
  filedup(f);
  return r;
}

// read(fd, buf, n): bytes read, 0 at end of file.
int64
sys_read(void)
{
  struct file *f;
  int r;

  if ((r = argfd(0, 0, &f)) < 0)
    return r;
  return fileread(f, argaddr(1), argint(2));
}

// write(fd, buf, n): bytes written.
int64
sys_write(void)
{
  struct file *f;
  int r;

  if ((r = argfd(0, 0, &f)) < 0)
    return r;
  return filewrite(f, argaddr(1), argint(2));
}

// close(fd).
int64
sys_close(void)
{
  struct file *f;
  int fd, r;

  if ((r = argfd(0, &fd, &f)) < 0)
    return r;
  myproc()->ofile[fd] = 0;
  fileclose(f);
  return 0;
}

// fstat(fd, st): what the descriptor names (T_PIPE, T_SOCKET for those).
int64
sys_fstat(void)
{
  struct file *f;
  int r;

  if ((r = argfd(0, 0, &f)) < 0)
    return r;
  return filestat(f, argaddr(1));
}

// Fetch a path argument; its length or -EFAULT/-ENAMETOOLONG/-ENOENT (empty).
static int
argpath(int n, char *path)
{
  int r = argstr(n, path, MAXPATH);
  if (r == 0)
    return -ENOENT;
  return r;
}

// Is directory dp (locked) free of entries other than "." and ".."? 1 yes, 0 no,
// -EIO if it cannot be read.
static int
dir_is_empty(struct inode *dp)
{
  struct dirent de;

  for (uint off = 2 * sizeof(de); off < dp->size; off += sizeof(de)) {
    if (readi(dp, 0, (uint64)&de, off, sizeof(de)) != sizeof(de))
      return -EIO;
    if (de.inum != 0)
      return 0;
  }
  return 1;
}

// The shared first step of link and unlink: the directory that is to hold (or holds)
// path's last element, returned locked in *pdp with the element in name. 0 or -errno.
static int
lock_parent(char *path, char *name, struct inode **pdp)
{
  int err;
  struct inode *dp = namei_err(path, 1, name, &err);

  if (dp == 0)
    return err;
  ilock(dp);
  *pdp = dp;
  return 0;
}

#define LINK_MAX 32767  // nlink is a short on disk (fs.h): never let it wrap

// Give ip (locked, a file or device) the name `name` in dp (locked). 0 or -errno.
// Entry and count change in one transaction, so neither can reach the disk alone.
static int
add_link(struct inode *dp, char *name, struct inode *ip)
{
  int r;

  if (ip->nlink == 0)
    return -ENOENT;  // the old name was removed while we looked for the new one
  if (ip->nlink >= LINK_MAX)
    return -EMLINK;
  if (dp->dev != ip->dev)
    return -EXDEV;
  if ((r = dirlink(dp, name, ip->inum)) < 0)
    return r;
  ip->nlink++;
  iupdate(ip);
  return 0;
}

// link(old, new): a second name for a file (not a directory), at most LINK_MAX names.
int64
sys_link(void)
{
  char name[DIRSIZ], old[MAXPATH], new[MAXPATH];
  struct inode *dp = 0, *ip;
  int r;

  if ((r = argpath(0, old)) < 0 || (r = argpath(1, new)) < 0)
    return r;
  begin_op();
  if ((ip = namei_err(old, 0, name, &r)) == 0)
    goto done;
  // A directory gets no second name (the tree would become a graph). Refuse it before
  // locking dp: ip could be dp itself ("."), or above it, and locks go parent first.
  ilock(ip);
  r = ip->type == T_DIR ? -EPERM : 0;
  iunlock(ip);
  if (r == 0 && (r = lock_parent(new, name, &dp)) == 0) {
    ilock(ip);  // a file is never dp's ancestor: parent-then-child order holds
    r = add_link(dp, name, ip);
    iunlock(ip);
    iunlockput(dp);
  }
  iput(ip);
done:
  end_op();
  return r;
}

// Take away the name at offset off of dp, which refers to ip (both locked). 0 or -errno;
// on an error nothing has changed.
static int
drop_link(struct inode *dp, struct inode *ip, uint off)
{
  struct dirent blank;
  int r;

  if (ip->nlink <= 0)
    return -EIO;  // the on-disk count is already wrong: leave it for fsck
  if (ip->type == T_DIR && (r = dir_is_empty(ip)) != 1)
    return r < 0 ? r : -ENOTEMPTY;
  memset(&blank, 0, sizeof(blank));
  if ((r = writei(dp, 0, (uint64)&blank, off, sizeof(blank))) != sizeof(blank))
    return r < 0 ? r : -EIO;
  if (ip->type == T_DIR) {
    dp->nlink--;  // ip's ".." named dp
    iupdate(dp);
  }
  ip->nlink--;
  iupdate(ip);  // iput frees ip once the last reference goes and nlink is 0
  return 0;
}

// unlink(path): remove a name; an empty directory may be removed, a full one not.
int64
sys_unlink(void)
{
  char name[DIRSIZ], path[MAXPATH];
  struct inode *dp = 0, *ip;
  uint off;
  int r;

  if ((r = argpath(0, path)) < 0)
    return r;
  begin_op();
  if ((r = lock_parent(path, name, &dp)) < 0)
    goto done;
  if (namecmp(name, ".") == 0 || namecmp(name, "..") == 0) {
    r = -EINVAL;
  } else if ((ip = dirlookup(dp, name, &off)) == 0) {
    r = -ENOENT;
  } else {
    ilock(ip);
    r = drop_link(dp, ip, off);
    iunlockput(ip);
  }
  iunlockput(dp);
done:
  end_op();
  return r;
}

// Fill in the new directory ip with "." and ".." (parent dp); both locked.
static int
init_dir(struct inode *ip, struct inode *dp)
{
  int r;

  if ((r = dirlink(ip, ".", ip->inum)) < 0 || (r = dirlink(ip, "..", dp->inum)) < 0)
    return r;
  dp->nlink++;  // for ".."
  iupdate(dp);
  return 0;
}

// For create(): ip is already named in the directory. open(O_CREATE) of a file or device
// uses it (returned locked); anything else fails with *err set.
static struct inode *
create_existing(struct inode *ip, short type, int *err)
{
  ilock(ip);
  if (type == T_FILE && (ip->type == T_FILE || ip->type == T_DEVICE))
    return ip;
  *err = (type == T_FILE && ip->type == T_DIR) ? -EISDIR : -EEXIST;
  iunlockput(ip);
  return 0;
}

// Make a new inode named path, of the given type. Returns it locked, or 0 with *err set.
static struct inode *
create(char *path, short type, short major, short minor, int *err)
{
  char name[DIRSIZ];
  struct inode *dp, *ip;

  if ((dp = namei_err(path, 1, name, err)) == 0)
    return 0;
  ilock(dp);
  // A removed directory (still someone's cwd) takes no new entries.
  *err = dp->nlink == 0 ? -ENOENT : -ENOSPC;
  if (dp->nlink > 0 && (ip = dirlookup(dp, name, 0)) != 0) {
    iunlockput(dp);
    return create_existing(ip, type, err);
  }
  if (dp->nlink == 0 || (ip = ialloc(dp->dev, type)) == 0) {
    iunlockput(dp);
    return 0;
  }
  ilock(ip);
  ip->major = major;
  ip->minor = minor;
  ip->nlink = 1;
  iupdate(ip);
  if (type == T_DIR && (*err = init_dir(ip, dp)) < 0)
    goto undo;
  if ((*err = dirlink(dp, name, ip->inum)) < 0) {
    if (type == T_DIR) {  // init_dir counted its ".." in dp
      dp->nlink--;
      iupdate(dp);
    }
    goto undo;
  }
  iunlockput(dp);
  return ip;

undo:  // free the new inode: iput does it once nlink is 0
  ip->nlink = 0;
  iupdate(ip);
  iunlockput(ip);
  iunlockput(dp);
  return 0;
}

// Make an open file for ip (locked) with the given open(2) flags; its fd or -errno.
static int
open_inode(struct inode *ip, int flags)
{
  struct file *f;
  int fd;

  if ((f = filealloc()) == 0)
    return -ENFILE;
  if ((fd = fdalloc(f)) < 0) {
    fileclose(f);
    return fd;
  }
  if (ip->type == T_DEVICE) {
    f->type = FD_DEVICE;
    f->major = ip->major;
  } else {
    f->type = FD_INODE;
    f->off = 0;
  }
  f->ip = ip;
  f->readable = !(flags & O_WRONLY);
  f->writable = (flags & O_WRONLY) || (flags & O_RDWR);
  if ((flags & O_TRUNC) && ip->type == T_FILE && f->writable)
    itrunc(ip);
  return fd;
}

// open(path, flags): O_CREATE makes a file, O_TRUNC empties it.
int64
sys_open(void)
{
  char path[MAXPATH], name[DIRSIZ];
  struct inode *ip;
  int flags, r;

  if ((r = argpath(0, path)) < 0)
    return r;
  flags = argint(1);
  begin_op();
  if (flags & O_CREATE) {
    ip = create(path, T_FILE, 0, 0, &r);
  } else if ((ip = namei_err(path, 0, name, &r)) != 0) {
    ilock(ip);
  }
  if (ip == 0)
    goto out;
  if (ip->type == T_DIR && (flags & (O_WRONLY | O_RDWR | O_TRUNC)))
    r = -EISDIR;
  else if (ip->type == T_DEVICE && (ip->major < 0 || ip->major >= NDEV))
    r = -ENODEV;
  else
    r = open_inode(ip, flags);
  if (r < 0)
    iunlockput(ip);
  else
    iunlock(ip);  // the file keeps the reference
out:
  end_op();
  return r;
}

// mkdir(path).
int64
sys_mkdir(void)
{
  char path[MAXPATH];
  struct inode *ip;
  int r;

  if ((r = argpath(0, path)) < 0)
    return r;
  begin_op();
  if ((ip = create(path, T_DIR, 0, 0, &r)) != 0) {
    iunlockput(ip);
    r = 0;
  }
  end_op();
  return r;
}

// mknod(path, major, minor): a device file for devsw[major].
int64
sys_mknod(void)
{
  char path[MAXPATH];
  struct inode *ip;
  int r, major = argint(1), minor = argint(2);

  if ((r = argpath(0, path)) < 0)
    return r;
  if (major < 0 || major >= NDEV)
    return -EINVAL;
  begin_op();
  if ((ip = create(path, T_DEVICE, major, minor, &r)) != 0) {
    if (ip->type != T_DEVICE || ip->major != major)
      r = -EEXIST;
    else
      r = 0;
    iunlockput(ip);
  }
  end_op();
  return r;
}

// chdir(path): the directory relative paths start from.
int64
sys_chdir(void)
{
  char path[MAXPATH], name[DIRSIZ];
  struct inode *ip;
  struct proc *p = myproc();
  int r;

  if ((r = argpath(0, path)) < 0)
    return r;
  begin_op();
  if ((ip = namei_err(path, 0, name, &r)) == 0)
    goto out;
  ilock(ip);
  if (ip->type != T_DIR) {
    iunlockput(ip);
    r = -ENOTDIR;
    goto out;
  }
  iunlock(ip);
  iput(p->cwd);
  p->cwd = ip;
  r = 0;
out:
  end_op();
  return r;
}

// pipe(fds): fds[0] reads what fds[1] writes.
int64
sys_pipe(void)
{
  uint64 uarr = argaddr(0);
  struct file *rf, *wf;
  struct proc *p = myproc();
  int fds[2], r;

  if ((r = pipealloc(&rf, &wf)) < 0)
    return r;
  fds[0] = fds[1] = -1;
  if ((fds[0] = fdalloc(rf)) < 0 || (fds[1] = fdalloc(wf)) < 0) {
    r = -EMFILE;
    goto bad;
  }
  if ((r = copy_to_user(uarr, fds, sizeof(fds))) < 0)
    goto bad;
  return 0;

bad:
  if (fds[0] >= 0)
    p->ofile[fds[0]] = 0;
  if (fds[1] >= 0)
    p->ofile[fds[1]] = 0;
  fileclose(rf);
  fileclose(wf);
  return r;
}
