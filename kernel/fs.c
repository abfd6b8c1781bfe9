// The file system proper: block allocation, inodes, file contents, directories and
// path names, on top of the buffer cache (bio.c) and the log (log.c). The on-disk
// format is described in fs.h.
//
// Interface (every call that changes the disk runs inside begin_op/end_op):
//   fs_init(dev)                mount: read the superblock, recover the log
//   ip = namei(path)            a referenced, unlocked inode (or 0)
//   ilock(ip) ... iunlock(ip)   the sleep lock that guards an inode's contents
//   readi/writei(ip, ...)       move bytes of a file, ip locked
//   iput(ip)                    drop a reference; the last one of an unlinked file frees it
//   dirlookup/dirlink           directory entries, dp locked
//
// In-memory inodes live in itable. A reference (ip->ref, guarded by itable.lock) keeps the
// slot for that inode; the sleep lock guards the copy of the dinode (valid once ilock has
// read it) and the file's data.

#include "types.h"
#include "param.h"
#include "stat.h"
#include "errno.h"
#include "spinlock.h"
#include "sleeplock.h"
#include "defs.h"
#include "proc.h"
#include "fs.h"
#include "buf.h"

struct superblock sb;  // read once by fs_init; constant afterwards

static struct {
  struct spinlock lock;  // guards ref, dev and inum of every inode
  struct inode inode[NINODE];
} itable;

// Mount the file system on dev. Must run in a process: it sleeps on the disk.
void
fs_init(int dev)
{
  struct buf *b = bread(dev, SUPERBLOCK);
  memmove(&sb, b->data, sizeof(sb));
  brelse(b);
  if (sb.magic != FS_MAGIC)
    panic("fs_init: bad superblock magic (rebuild fs.img)");
  log_init(dev, &sb);
}

// Fill block bno with zeros (inside a transaction).
static void
bzero(uint dev, uint bno)
{
  struct buf *b = bread(dev, bno);
  memset(b->data, 0, BSIZE);
  log_write(b);
  brelse(b);
}

// Allocate a zeroed data block; its number, or 0 when the disk is full.
static uint
balloc(uint dev)
{
  for (uint base = 0; base < sb.size; base += BPB) {
    struct buf *b = bread(dev, BBLOCK(base, sb));
    for (uint bit = 0; bit < BPB && base + bit < sb.size; bit++) {
      uchar mask = 1 << (bit % 8);
      if (b->data[bit / 8] == 0xff) {  // a full byte: skip to the next
        bit += 7;
        continue;
      }
      if (b->data[bit / 8] & mask)
        continue;
      b->data[bit / 8] |= mask;
      log_write(b);
      brelse(b);
      bzero(dev, base + bit);
      return base + bit;
    }
    brelse(b);
  }
  return 0;
}

// Mark block bno free.
static void
bfree(uint dev, uint bno)
{
  if (bno < sb.data_start || bno >= sb.size)
    panic("bfree: not a data block");
  struct buf *b = bread(dev, BBLOCK(bno, sb));
  uint bit = bno % BPB;
  uchar mask = 1 << (bit % 8);
  if ((b->data[bit / 8] & mask) == 0)
    panic("bfree: block already free");
  b->data[bit / 8] &= ~mask;
  log_write(b);
  brelse(b);
}

// Set up the empty inode table.
void
inode_init(void)
{
  spin_init(&itable.lock, "itable");
  for (int i = 0; i < NINODE; i++)
    sleeplock_init(&itable.inode[i].lock, "inode");
}

// The in-memory inode for (dev, inum), referenced; not locked and maybe not yet read.
// 0 if the table is full.
static struct inode *
iget(uint dev, uint inum)
{
  struct inode *ip, *empty = 0;

  spin_lock(&itable.lock);
  for (ip = itable.inode; ip < itable.inode + NINODE; ip++) {
    if (ip->ref > 0 && ip->dev == dev && ip->inum == inum) {
      ip->ref++;
      spin_unlock(&itable.lock);
      return ip;
    }
    if (empty == 0 && ip->ref == 0)
      empty = ip;
  }
  if (empty) {
    empty->dev = dev;
    empty->inum = inum;
    empty->ref = 1;
    empty->valid = 0;
  }
  spin_unlock(&itable.lock);
  return empty;
}

// Claim inode inum for a new file if it is free on disk: referenced, unlocked; else 0.
static struct inode *
ialloc_try(struct buf *b, uint inum, short type)
{
  struct dinode *dip = (struct dinode *)b->data + inum % IPB;
  struct inode *ip;

  if (inum == 0 || dip->type != 0 || (ip = iget(b->dev, inum)) == 0)
    return 0;
  memset(dip, 0, sizeof(*dip));
  dip->type = type;
  log_write(b);
  return ip;
}

// Allocate a free on-disk inode of the given type; it comes back referenced, unlocked.
// 0 if there are no free inodes (or no table slots). The search starts a block at a time
// where the last one ended, so creating many files does not rescan the full blocks.
struct inode *
ialloc(uint dev, short type)
{
  static uint hint;  // inode block index to try first (a guess: no lock needed)
  uint nblocks = (sb.ninodes + IPB - 1) / IPB;

  for (uint k = 0; k < nblocks; k++) {
    uint blk = (hint + k) % nblocks;
    struct buf *b = bread(dev, sb.inode_start + blk);
    for (uint inum = blk * IPB; inum < (blk + 1) * IPB && inum < sb.ninodes; inum++) {
      struct inode *ip = ialloc_try(b, inum, type);
      if (ip) {
        brelse(b);
        hint = blk;
        return ip;
      }
    }
    brelse(b);
  }
  return 0;
}

// Copy ip's metadata to its dinode (inside a transaction, ip locked).
void
iupdate(struct inode *ip)
{
  struct buf *b = bread(ip->dev, IBLOCK(ip->inum, sb));
  struct dinode *dip = (struct dinode *)b->data + ip->inum % IPB;
  dip->type = ip->type;
  dip->major = ip->major;
  dip->minor = ip->minor;
  dip->nlink = ip->nlink;
  dip->size = ip->size;
  memmove(dip->addrs, ip->addrs, sizeof(ip->addrs));
  log_write(b);
  brelse(b);
}

// One more reference to ip.
struct inode *
idup(struct inode *ip)
{
  spin_lock(&itable.lock);
  ip->ref++;
  spin_unlock(&itable.lock);
  return ip;
}

// Lock ip, reading its dinode the first time.
void
ilock(struct inode *ip)
{
  if (ip == 0 || ip->ref < 1)
    panic("ilock: no reference");
  sleeplock_acquire(&ip->lock);
  if (ip->valid)
    return;
  struct buf *b = bread(ip->dev, IBLOCK(ip->inum, sb));
  struct dinode *dip = (struct dinode *)b->data + ip->inum % IPB;
  ip->type = dip->type;
  ip->major = dip->major;
  ip->minor = dip->minor;
  ip->nlink = dip->nlink;
  ip->size = dip->size;
  memmove(ip->addrs, dip->addrs, sizeof(ip->addrs));
  brelse(b);
  ip->valid = 1;
  if (ip->type == 0)
    panic("ilock: inode is free on disk");
}

// Unlock ip.
void
iunlock(struct inode *ip)
{
  if (ip == 0 || !sleeplock_holding(&ip->lock) || ip->ref < 1)
    panic("iunlock: not locked");
  sleeplock_release(&ip->lock);
}

// Drop a reference. The last reference to an inode no directory names frees the inode
// and its blocks, so every iput must run inside a transaction.
void
iput(struct inode *ip)
{
  spin_lock(&itable.lock);
  if (ip->ref == 1 && ip->valid && ip->nlink == 0) {
    // Nobody else can find it (no links, no references), so the lock is free.
    spin_unlock(&itable.lock);
    sleeplock_acquire(&ip->lock);
    itrunc(ip);
    ip->type = 0;
    iupdate(ip);
    ip->valid = 0;
    sleeplock_release(&ip->lock);
    spin_lock(&itable.lock);
  }
  ip->ref--;
  spin_unlock(&itable.lock);
}

// Unlock, then put.
void
iunlockput(struct inode *ip)
{
  iunlock(ip);
  iput(ip);
}

// Entry i of the index block whose number is in *slot, allocating the index block
// (and storing it in *slot) and the entry when alloc is set. 0 if absent or no space.
static uint
index_get(struct inode *ip, uint *slot, uint i, int alloc)
{
  if (*slot == 0 && (!alloc || (*slot = balloc(ip->dev)) == 0))
    return 0;
  struct buf *b = bread(ip->dev, *slot);
  uint *a = (uint *)b->data;
  uint bno = a[i];
  if (bno == 0 && alloc && (bno = balloc(ip->dev)) != 0) {
    a[i] = bno;
    log_write(b);
  }
  brelse(b);
  return bno;
}

// Disk block holding block bn of the file; allocates it (and index blocks) when alloc.
// 0 when absent or the disk is full.
static uint
bmap(struct inode *ip, uint bn, int alloc)
{
  if (bn < NDIRECT) {
    if (ip->addrs[bn] == 0 && alloc)
      ip->addrs[bn] = balloc(ip->dev);
    return ip->addrs[bn];
  }
  bn -= NDIRECT;
  if (bn < NINDIRECT)
    return index_get(ip, &ip->addrs[NDIRECT], bn, alloc);
  bn -= NINDIRECT;
  if (bn >= NINDIRECT * NINDIRECT)
    return 0;
  // Double indirect: the root's entry bn / NINDIRECT names a single-indirect block.
  uint mid = index_get(ip, &ip->addrs[NDIRECT + 1], bn / NINDIRECT, alloc);
  if (mid == 0)
    return 0;
  return index_get(ip, &mid, bn % NINDIRECT, alloc);
}

// Free index block bno and, to the given depth, everything it points to.
static void
free_index(uint dev, uint bno, int depth)
{
  struct buf *b = bread(dev, bno);
  uint *a = (uint *)b->data;
  for (uint i = 0; i < NINDIRECT; i++) {
    if (a[i] == 0)
      continue;
    if (depth > 1)
      free_index(dev, a[i], depth - 1);
    else
      bfree(dev, a[i]);
  }
  brelse(b);
  bfree(dev, bno);
}

// Discard a file's contents (ip locked, inside a transaction).
void
itrunc(struct inode *ip)
{
  for (int i = 0; i < NDIRECT; i++) {
    if (ip->addrs[i])
      bfree(ip->dev, ip->addrs[i]);
    ip->addrs[i] = 0;
  }
  if (ip->addrs[NDIRECT])
    free_index(ip->dev, ip->addrs[NDIRECT], 1);
  if (ip->addrs[NDIRECT + 1])
    free_index(ip->dev, ip->addrs[NDIRECT + 1], 2);
  ip->addrs[NDIRECT] = 0;
  ip->addrs[NDIRECT + 1] = 0;
  ip->size = 0;
  iupdate(ip);
}

// Fill st from ip (locked).
void
stati(struct inode *ip, struct stat *st)
{
  st->dev = ip->dev;
  st->ino = ip->inum;
  st->type = ip->type;
  st->nlink = ip->nlink;
  st->size = ip->size;
}

// Read n bytes at off into dst (a user address if user_dst). Bytes read (short at end
// of file), or -1 if a copy failed.
int
readi(struct inode *ip, int user_dst, uint64 dst, uint off, uint n)
{
  uint done = 0;

  if (off > ip->size || off + n < off)
    return 0;
  if (off + n > ip->size)
    n = ip->size - off;
  while (done < n) {
    uint bno = bmap(ip, off / BSIZE, 0);
    uint m = BSIZE - off % BSIZE;
    if (m > n - done)
      m = n - done;
    if (bno == 0) {
      static const uchar zeros[BSIZE];  // a hole reads as zeros
      if (either_copyout(user_dst, dst, zeros, m) < 0)
        return -1;
    } else {
      struct buf *b = bread(ip->dev, bno);
      int r = either_copyout(user_dst, dst, b->data + off % BSIZE, m);
      brelse(b);
      if (r < 0)
        return -1;
    }
    done += m;
    off += m;
    dst += m;
  }
  return done;
}

// Write n bytes from src (a user address if user_src) at off, growing the file.
// Inside a transaction; the caller keeps n small enough for one (file.c).
// Returns bytes written, or -EFAULT/-ENOSPC/-EFBIG if none could be.
int
writei(struct inode *ip, int user_src, uint64 src, uint off, uint n)
{
  uint done = 0;
  int err = 0;

  // off may lie beyond the end (another descriptor truncated the file): the gap
  // becomes a hole, which reads as zeros.
  if ((uint64)off + n > (uint64)MAXFILE * BSIZE)
    return -EFBIG;
  while (done < n) {
    uint bno = bmap(ip, off / BSIZE, 1);
    if (bno == 0) {
      err = -ENOSPC;
      break;
    }
    uint m = BSIZE - off % BSIZE;
    if (m > n - done)
      m = n - done;
    struct buf *b = bread(ip->dev, bno);
    if (either_copyin(b->data + off % BSIZE, user_src, src, m) < 0) {
      brelse(b);
      err = -EFAULT;
      break;
    }
    log_write(b);
    brelse(b);
    done += m;
    off += m;
    src += m;
  }
  if (off > ip->size)
    ip->size = off;
  iupdate(ip);  // bmap may have changed addrs[] even when size did not grow
  if (done == 0 && err)
    return err;
  return done;
}

// Compare directory entry names (at most DIRSIZ characters).
int
namecmp(const char *s, const char *t)
{
  return strncmp(s, t, DIRSIZ);
}

// One pass over directory dp (locked), a block at a time: the inode number of name (0 if
// absent) with its byte offset in *poff, and in *pfree the offset of the first free slot
// before it (dp->size if none: the directory must grow).
static uint
dir_scan(struct inode *dp, char *name, uint *poff, uint *pfree)
{
  uint found = 0;

  *pfree = dp->size;
  for (uint base = 0; base < dp->size && !found; base += BSIZE) {
    uint bno = bmap(dp, base / BSIZE, 0);
    if (bno == 0)
      continue;  // a hole holds no entries
    struct buf *b = bread(dp->dev, bno);
    struct dirent *de = (struct dirent *)b->data;
    uint n = (dp->size - base < BSIZE ? dp->size - base : BSIZE) / sizeof(*de);
    for (uint i = 0; i < n && !found; i++) {
      uint off = base + i * sizeof(*de);
      if (de[i].inum == 0 && *pfree == dp->size)
        *pfree = off;
      if (de[i].inum != 0 && namecmp(name, de[i].name) == 0) {
        found = de[i].inum;
        *poff = off;
      }
    }
    brelse(b);
  }
  return found;
}

// Find name in directory dp (locked). Returns it referenced and unlocked, and its byte
// offset in *poff if poff is set; 0 if absent.
struct inode *
dirlookup(struct inode *dp, char *name, uint *poff)
{
  uint off, free;

  if (dp->type != T_DIR)
    panic("dirlookup: not a directory");
  uint inum = dir_scan(dp, name, &off, &free);
  if (inum == 0)
    return 0;
  if (poff)
    *poff = off;
  return iget(dp->dev, inum);
}

// Add the entry (name, inum) to directory dp (locked), reusing a free slot.
// 0, -EEXIST if the name is taken, or -ENOSPC.
int
dirlink(struct inode *dp, char *name, uint inum)
{
  struct dirent de;
  uint off, free;

  if (dir_scan(dp, name, &off, &free) != 0)
    return -EEXIST;
  memset(&de, 0, sizeof(de));
  strncpy(de.name, name, DIRSIZ);
  de.inum = inum;
  int r = writei(dp, 0, (uint64)&de, free, sizeof(de));
  if (r < 0)
    return r;
  return r == sizeof(de) ? 0 : -ENOSPC;
}

// Copy the first element of path into name and return the rest, without leading
// slashes: "a//bb/c" gives "a" and "bb/c". Returns 0 if there is no element, and sets
// *toolong if the element is longer than DIRSIZ.
static char *
path_next(char *path, char *name, int *toolong)
{
  while (*path == '/')
    path++;
  if (*path == 0)
    return 0;
  char *start = path;
  while (*path != '/' && *path != 0)
    path++;
  int len = path - start;
  if (len > DIRSIZ)
    *toolong = 1;
  memset(name, 0, DIRSIZ);
  memmove(name, start, len > DIRSIZ ? DIRSIZ : len);
  while (*path == '/')
    path++;
  return path;
}

// Walk path from "/" or the current directory. With parent set, stop one element early:
// return the parent directory and put the last element in name. Returns the inode
// referenced and unlocked, or 0 with *err = -ENOENT, -ENOTDIR or -ENAMETOOLONG.
struct inode *
namei_err(char *path, int parent, char *name, int *err)
{
  struct inode *ip, *next;
  int toolong = 0;

  if (*path == 0) {
    *err = -ENOENT;
    return 0;
  }
  ip = (*path == '/') ? iget(ROOTDEV, ROOTINO) : idup(myproc()->cwd);
  if (ip == 0) {
    *err = -ENFILE;
    return 0;
  }
  while ((path = path_next(path, name, &toolong)) != 0) {
    ilock(ip);
    *err = toolong ? -ENAMETOOLONG : (ip->type != T_DIR ? -ENOTDIR : 0);
    if (*err == 0 && parent && *path == 0) {
      iunlock(ip);  // name holds the last element
      return ip;
    }
    next = *err ? 0 : dirlookup(ip, name, 0);
    iunlockput(ip);
    if (next == 0) {
      if (*err == 0)
        *err = -ENOENT;
      return 0;
    }
    ip = next;
  }
  if (parent) {  // the path was "/" or only slashes: it has no last element
    iput(ip);
    *err = -ENOENT;
    return 0;
  }
  return ip;
}

// The inode path names, or 0.
struct inode *
namei(char *path)
{
  char name[DIRSIZ];
  int err;
  return namei_err(path, 0, name, &err);
}

// The directory that holds path's last element, which is copied to name; or 0.
struct inode *
nameiparent(char *path, char *name)
{
  int err;
  return namei_err(path, 1, name, &err);
}
