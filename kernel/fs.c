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
// In-memory inodes live in the inode cache (itable, below the block allocator).

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

// The inode cache.
//
// itable holds NINODE slots; each caches at most one inode (dev, inum). Two fields say
// what a slot holds:
//   ref    the number of pointers to the slot handed out (open files, a cwd, a path walk
//          in progress, a new file being set up). While ref > 0 the slot keeps naming
//          (dev, inum) and is not reused. At 0 it joins the free list but stays in its
//          hash chain: the next icache_get of the same inode takes it back as it is.
//   valid  the type .. addrs fields hold the on-disk dinode. ilock sets it by loading
//          the dinode (inode_load); it is cleared when a slot is reused for another
//          inode and when the inode is freed on disk.
// So "find or make the slot" (icache_get, under itable.lock, never sleeps) and "read it
// from disk" (inode_load, under the slot's sleep lock, may sleep) are separate steps.
// Lookup is a hash probe; a miss reuses the free slot released longest ago.
#define NIHASH 17  // hash chains of the inode cache

static struct {
  struct spinlock lock;  // guards the chains, the free list, and ref/dev/inum of each slot
  struct inode slot[NINODE];
  struct inode *chain[NIHASH];
  struct list free;  // the free slots, most recently released first (list.h)
} itable;

// The hash chain of inode (dev, inum).
static struct inode **
ichain(uint dev, uint inum)
{
  return &itable.chain[(dev * 5 + inum) % NIHASH];
}

// Set up the empty inode cache: every slot free and in no chain.
void
inode_init(void)
{
  spin_init(&itable.lock, "itable");
  list_init(&itable.free);
  for (int h = 0; h < NIHASH; h++)
    itable.chain[h] = 0;
  for (struct inode *ip = itable.slot; ip < itable.slot + NINODE; ip++) {
    sleeplock_init(&ip->lock, "inode");
    ip->ref = 0;
    ip->valid = 0;
    ip->dev = ~0U;  // names no inode, so unhashing it finds nothing
    list_push_front(&itable.free, &ip->free);
  }
}

// Move the longest-free slot to (dev, inum); 0 if every slot is referenced.
// Caller holds itable.lock.
static struct inode *
islot_reuse(uint dev, uint inum)
{
  struct inode *ip, **pp;

  if (list_empty(&itable.free))
    return 0;
  ip = list_entry(itable.free.prev, struct inode, free);  // free the longest
  for (pp = ichain(ip->dev, ip->inum); *pp; pp = &(*pp)->hash_next) {
    if (*pp == ip) {
      *pp = ip->hash_next;
      break;
    }
  }
  ip->dev = dev;
  ip->inum = inum;
  ip->valid = 0;  // ref is 0, so nobody holds ip->lock
  pp = ichain(dev, inum);
  ip->hash_next = *pp;
  *pp = ip;
  return ip;
}

// Find or make the slot for (dev, inum): referenced, unlocked, maybe not yet loaded
// (ilock loads it). 0 if the cache is full of referenced inodes.
static struct inode *
icache_get(uint dev, uint inum)
{
  struct inode *ip;

  spin_lock(&itable.lock);
  for (ip = *ichain(dev, inum); ip; ip = ip->hash_next)
    if (ip->dev == dev && ip->inum == inum)
      break;
  if (ip == 0)
    ip = islot_reuse(dev, inum);
  if (ip && ip->ref++ == 0)
    list_remove(&ip->free);
  spin_unlock(&itable.lock);
  return ip;
}

// The dinode of ip inside its inode-table block, which comes back locked in *bp.
static struct dinode *
dinode_get(struct inode *ip, struct buf **bp)
{
  *bp = bread(ip->dev, IBLOCK(ip->inum, sb));
  return (struct dinode *)(*bp)->data + ip->inum % IPB;
}

// Copy ip's dinode into ip (ip's sleep lock held). 0, or -1 if the dinode is free.
static int
inode_load(struct inode *ip)
{
  struct buf *b;
  struct dinode *d = dinode_get(ip, &b);

  ip->type = d->type;
  ip->major = d->major;
  ip->minor = d->minor;
  ip->nlink = d->nlink;
  ip->size = d->size;
  memmove(ip->addrs, d->addrs, sizeof(ip->addrs));
  brelse(b);
  ip->valid = 1;
  return ip->type == 0 ? -1 : 0;
}

// Claim inode inum, a dinode in block b, for a new file if it is free on disk.
// Returns its slot referenced and unlocked, or 0.
static struct inode *
ialloc_try(struct buf *b, uint inum, short type)
{
  struct dinode *d = (struct dinode *)b->data + inum % IPB;
  struct inode *ip;

  if (inum == 0 || d->type != 0 || (ip = icache_get(b->dev, inum)) == 0)
    return 0;
  memset(d, 0, sizeof(*d));
  d->type = type;  // from here on the inode is taken: log it in this transaction
  log_write(b);
  return ip;
}

// A free on-disk inode made into a new inode of the given type: referenced, unlocked.
// 0 if no inode is free (or the cache is full). The search resumes in the inode-table
// block where the last one succeeded, so making many files does not rescan full blocks.
struct inode *
ialloc(uint dev, short type)
{
  static uint hint;  // a guess of a block with free inodes: needs no lock
  uint nblocks = (sb.ninodes + IPB - 1) / IPB;

  for (uint k = 0; k < nblocks; k++) {
    uint blk = (hint + k) % nblocks;
    struct buf *b = bread(dev, sb.inode_start + blk);
    struct inode *ip = 0;
    for (uint i = 0; i < IPB && blk * IPB + i < sb.ninodes && ip == 0; i++)
      ip = ialloc_try(b, blk * IPB + i, type);
    brelse(b);
    if (ip) {
      hint = blk;
      return ip;
    }
  }
  return 0;
}

// Write ip's fields back to its dinode (ip locked, inside a transaction).
void
iupdate(struct inode *ip)
{
  struct buf *b;
  struct dinode *d = dinode_get(ip, &b);

  d->type = ip->type;
  d->major = ip->major;
  d->minor = ip->minor;
  d->nlink = ip->nlink;
  d->size = ip->size;
  memmove(d->addrs, ip->addrs, sizeof(d->addrs));
  log_write(b);
  brelse(b);
}

// Take another reference to ip; returns ip.
struct inode *
idup(struct inode *ip)
{
  spin_lock(&itable.lock);
  ip->ref += 1;
  spin_unlock(&itable.lock);
  return ip;
}

// Acquire ip's sleep lock; the first holder after the slot was (re)filled loads it.
void
ilock(struct inode *ip)
{
  if (ip == 0 || ip->ref <= 0)
    panic("ilock: caller holds no reference to the inode");
  sleeplock_acquire(&ip->lock);
  if (!ip->valid && inode_load(ip) < 0)
    panic("ilock: a directory names a free inode (corrupt file system)");
}

// Release ip's sleep lock.
void
iunlock(struct inode *ip)
{
  if (ip == 0 || ip->ref <= 0 || !sleeplock_holding(&ip->lock))
    panic("iunlock: caller does not hold the inode");
  sleeplock_release(&ip->lock);
}

// Give the inode's blocks and its dinode back to the disk. Called by iput when the last
// reference to an inode with no names goes away, so nobody else can reach ip.
static void
inode_free(struct inode *ip)
{
  sleeplock_acquire(&ip->lock);
  itrunc(ip);
  ip->type = 0;
  iupdate(ip);
  ip->valid = 0;  // the slot no longer mirrors a live dinode
  sleeplock_release(&ip->lock);
}

// Drop a reference. The last reference to an inode that no directory names frees it,
// so iput must run inside a transaction.
void
iput(struct inode *ip)
{
  spin_lock(&itable.lock);
  if (ip->ref == 1 && ip->valid && ip->nlink == 0) {
    spin_unlock(&itable.lock);  // inode_free sleeps on the disk
    inode_free(ip);
    spin_lock(&itable.lock);
  }
  if (--ip->ref == 0)
    list_push_front(&itable.free, &ip->free);
  spin_unlock(&itable.lock);
}

// iunlock(ip) and then iput(ip): the usual end of using a locked inode.
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

// Free the tree of blocks rooted at bno: levels 0 is a data block, 1 an index block of
// data blocks, 2 an index block of level-1 index blocks. bno 0 means an empty tree.
static void
free_tree(uint dev, uint bno, int levels)
{
  if (bno == 0)
    return;
  if (levels > 0) {
    struct buf *b = bread(dev, bno);
    uint *child = (uint *)b->data;
    for (uint i = 0; i < NINDIRECT; i++)
      free_tree(dev, child[i], levels - 1);
    brelse(b);
  }
  bfree(dev, bno);
}

// Discard a file's contents (ip locked, inside a transaction). addrs[] holds NDIRECT
// trees of level 0, then one of level 1 and one of level 2 (fs.h).
void
itrunc(struct inode *ip)
{
  for (int i = 0; i < NDIRECT + 2; i++) {
    int levels = i < NDIRECT ? 0 : i - NDIRECT + 1;
    free_tree(ip->dev, ip->addrs[i], levels);
    ip->addrs[i] = 0;
  }
  ip->size = 0;
  iupdate(ip);
}

// Describe ip (locked) in st.
void
stati(struct inode *ip, struct stat *st)
{
  memset(st, 0, sizeof(*st));
  st->type = ip->type;
  st->size = ip->size;
  st->nlink = ip->nlink;
  st->ino = ip->inum;
  st->dev = ip->dev;
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
  return icache_get(dp->dev, inum);
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
  ip = (*path == '/') ? icache_get(ROOTDEV, ROOTINO) : idup(myproc()->cwd);
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
