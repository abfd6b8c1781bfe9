// The workload and the checker of the host-side crash test (see fake.c).
//
// workload(): mounts the image and runs real system-call handlers from sysfile.c
// (open/write/close/mkdir/link/unlink), with their arguments faked here.
// fsck(): mounts the image (which replays a committed log) and checks it with its own
// reading of the on-disk format, independent of fs.c: every directory entry names an
// allocated inode, link counts match the entries, "." and ".." are right, no block is
// used twice, the bitmap marks exactly the blocks in use, no inode is orphaned.

#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/errno.h"
#include "kernel/stat.h"
#include "kernel/fcntl.h"
#include "kernel/spinlock.h"
#include "kernel/sleeplock.h"
#include "kernel/defs.h"
#include "kernel/proc.h"
#include "kernel/fs.h"
#include "kernel/buf.h"
#include "kernel/file.h"

int64 sys_open(void);
int64 sys_write(void);
int64 sys_read(void);
int64 sys_close(void);
int64 sys_mkdir(void);
int64 sys_link(void);
int64 sys_unlink(void);
int64 sys_chdir(void);

// ---- fake system-call arguments ----
static uint64 args[3];

// argint and argaddr (defs.h) read their argument through argraw.
uint64
argraw(int n)
{
  return args[n];
}

int
argstr(int n, char *buf, int max)
{
  const char *s = (const char *)args[n];
  for (int i = 0; i < max; i++) {
    buf[i] = s[i];
    if (s[i] == 0)
      return i;
  }
  return -ENAMETOOLONG;
}

int
copy_to_user(uint64 dst, const void *src, uint64 len)
{
  memmove((void *)dst, src, len);
  return 0;
}
int
copy_from_user(void *dst, uint64 src, uint64 len)
{
  memmove(dst, (void *)src, len);
  return 0;
}

// One thread: a sleep could never end.
void
sleep(void *chan, struct spinlock *lk)
{
  panic("sleep: one thread would sleep forever");
}
void
wakeup(void *chan)
{
}

// file.c's other back ends are not part of this test.
int
pipealloc(struct file **r, struct file **w)
{
  panic("pipe");
}
void
pipeclose(struct pipe *pi, int w)
{
  panic("pipe");
}
int
piperead(struct pipe *pi, uint64 a, int n)
{
  panic("pipe");
}
int
pipewrite(struct pipe *pi, uint64 a, int n)
{
  panic("pipe");
}
int
pipe_poll(struct pipe *pi, int w, int e)
{
  panic("pipe");
}
int
sock_read(struct socket *so, uint64 a, int n)
{
  panic("sock");
}
int
sock_write(struct socket *so, uint64 a, int n)
{
  panic("sock");
}
void
sock_close(struct socket *so)
{
  panic("sock");
}
int
sock_poll(struct socket *so, int e)
{
  panic("sock");
}

// Call a handler with up to three arguments.
static int64
call(int64 (*fn)(void), uint64 a0, uint64 a1, uint64 a2)
{
  args[0] = a0;
  args[1] = a1;
  args[2] = a2;
  return fn();
}

static int failures;

// Expect r to be ok (>= 0) or, with want < 0, exactly want.
static void
expect(int64 r, int64 want, const char *what)
{
  if ((want >= 0 && r < 0) || (want < 0 && r != want)) {
    printf("workload: %s returned %d (wanted %d)\n", what, (int)r, (int)want);
    failures++;
  }
}

// Create path and fill it with n bytes of a pattern, written in pieces of chunk.
static void
make_file(char *path, int n, int chunk)
{
  static char data[8192];
  for (int i = 0; i < (int)sizeof(data); i++)
    data[i] = 'a' + i % 23;
  int fd = call(sys_open, (uint64)path, O_CREATE | O_RDWR, 0);
  expect(fd, 0, path);
  for (int done = 0; done < n; done += chunk) {
    int m = n - done < chunk ? n - done : chunk;
    expect(call(sys_write, fd, (uint64)data, m), 0, "write");
  }
  expect(call(sys_close, fd, 0, 0), 0, "close");
}

int
workload(void)
{
  char name[] = "/d/f0";

  file_init();
  bcache_init();
  inode_init();
  fs_init(ROOTDEV);
  myproc()->cwd = namei("/");
  expect(call(sys_mkdir, (uint64) "/d", 0, 0), 0, "mkdir /d");
  expect(call(sys_mkdir, (uint64) "/d", 0, 0), -EEXIST, "mkdir /d again");
  for (int i = 0; i < 6; i++) {
    name[4] = '0' + i;
    make_file(name, 100 + i * 1500, 700);
  }
  // 300 blocks: direct, single indirect and into the double-indirect tree.
  make_file("/big", 300 * BSIZE, 8192);
  expect(call(sys_unlink, (uint64) "/d/f3", 0, 0), 0, "unlink f3");
  expect(call(sys_link, (uint64) "/d/f1", (uint64) "/d/g1", 0), 0, "link f1 g1");
  expect(call(sys_unlink, (uint64) "/d/f1", 0, 0), 0, "unlink f1");
  expect(call(sys_chdir, (uint64) "/d", 0, 0), 0, "chdir /d");
  expect(call(sys_mkdir, (uint64) "sub", 0, 0), 0, "mkdir sub");
  make_file("sub/../sub/x", 3000, 3000);
  expect(call(sys_unlink, (uint64) "sub", 0, 0), -ENOTEMPTY, "unlink full dir");
  expect(call(sys_unlink, (uint64) "/d/sub/x", 0, 0), 0, "unlink x");
  expect(call(sys_unlink, (uint64) "./sub", 0, 0), 0, "unlink sub");
  expect(call(sys_open, (uint64) "/d/f3", O_RDONLY, 0), -ENOENT, "open removed");
  expect(call(sys_open, (uint64) "/big/x", O_RDONLY, 0), -ENOTDIR, "open through file");
  expect(call(sys_unlink, (uint64) "/big", 0, 0), 0, "unlink big");
  // A removed directory that is still the cwd takes no new names and is freed on chdir.
  expect(call(sys_mkdir, (uint64) "/e", 0, 0), 0, "mkdir /e");
  expect(call(sys_chdir, (uint64) "/e", 0, 0), 0, "chdir /e");
  expect(call(sys_unlink, (uint64) "/e", 0, 0), 0, "unlink cwd");
  expect(call(sys_open, (uint64) "x", O_CREATE | O_RDWR, 0), -ENOENT, "create in removed dir");
  expect(call(sys_mkdir, (uint64) "y", 0, 0), -ENOENT, "mkdir in removed dir");
  expect(call(sys_chdir, (uint64) "/", 0, 0), 0, "chdir /");
  expect(call(sys_mkdir, (uint64) "/d/toolongname_abcdef", 0, 0), -ENAMETOOLONG, "long name");
  expect(call(sys_open, (uint64) "", O_RDONLY, 0), -ENOENT, "empty path");
  make_file("/d/f5", 5000, 5000);
  // Truncated under another descriptor: writing at the old offset leaves a hole of zeros.
  int fd1 = call(sys_open, (uint64) "/d/f5", O_RDWR, 0);
  char buf[3];
  expect(call(sys_read, fd1, (uint64)buf, 3), 3, "read f5");
  int fd2 = call(sys_open, (uint64) "/d/f5", O_RDWR | O_TRUNC, 0);
  expect(call(sys_close, fd2, 0, 0), 0, "close trunc fd");
  expect(call(sys_write, fd1, (uint64) "xyz", 3), 3, "write past the end");
  expect(call(sys_close, fd1, 0, 0), 0, "close");
  fd1 = call(sys_open, (uint64) "/d/f5", O_RDONLY, 0);
  buf[0] = 1;
  if (call(sys_read, fd1, (uint64)buf, 3) != 3 || buf[0] != 0 || buf[1] != 0 || buf[2] != 0)
    expect(-1, 0, "hole reads as zeros");
  expect(call(sys_read, fd1, (uint64)buf, 3), 3, "read after hole");
  if (buf[0] != 'x')
    expect(-1, 0, "data after the hole");
  expect(call(sys_close, fd1, 0, 0), 0,
         "close");  // O_CREATE of an existing file: rewritten in place
  return failures;
}

// ---- the checker ----
static int errors;
static uchar block_refs[8192];
static uchar inode_refs[1024];  // directory entries naming each inode (but ".")
static uchar inode_seen[1024];
static int verbose_fsck;
static int orphans;
int fsck_allow_orphans;  // fake.c: set for images from a real (QEMU) crash

// Report one inconsistency.
static void
bad(const char *what, uint a, uint b)
{
  errors++;
  if (verbose_fsck)
    printf("fsck: %s (%d, %d)\n", what, a, b);
}

// Read dinode inum.
static struct dinode
dinode_get(uint inum)
{
  struct buf *b = bread(ROOTDEV, IBLOCK(inum, sb));
  struct dinode di = ((struct dinode *)b->data)[inum % IPB];
  brelse(b);
  return di;
}

// Count a reference to block bno (owned by inode inum).
static void
use_block(uint bno, uint inum)
{
  if (bno < sb.data_start || bno >= sb.size)
    bad("block out of the data area", bno, inum);
  else if (block_refs[bno]++)
    bad("block used twice", bno, inum);
}

// Count the blocks under index block bno, depth levels deep; returns how many data
// blocks it maps.
static uint
use_index(uint bno, int depth, uint inum)
{
  uint a[NINDIRECT], n = 0;
  use_block(bno, inum);
  struct buf *b = bread(ROOTDEV, bno);
  memmove(a, b->data, BSIZE);
  brelse(b);
  for (uint i = 0; i < NINDIRECT; i++) {
    if (a[i] == 0)
      continue;
    if (depth > 1)
      n += use_index(a[i], depth - 1, inum);
    else {
      use_block(a[i], inum);
      n++;
    }
  }
  return n;
}

// Disk block of file block bn of di (0 = hole), reading index blocks.
static uint
file_bno(struct dinode *di, uint bn)
{
  uint idx[NINDIRECT], bno;
  if (bn < NDIRECT)
    return di->addrs[bn];
  bn -= NDIRECT;
  int single = bn < NINDIRECT;
  bno = single ? di->addrs[NDIRECT] : di->addrs[NDIRECT + 1];
  if (!single)
    bn -= NINDIRECT;
  for (int level = single ? 1 : 2; level > 0 && bno; level--) {
    struct buf *b = bread(ROOTDEV, bno);
    memmove(idx, b->data, BSIZE);
    brelse(b);
    bno = idx[level == 2 ? bn / NINDIRECT : bn % NINDIRECT];
  }
  return bno;
}

// Check directory dir (parent parent) and everything under it.
static void
check_dir(uint dir, uint parent)
{
  struct dinode di = dinode_get(dir);
  if (di.size % sizeof(struct dirent))
    bad("directory size not whole entries", dir, di.size);
  for (uint off = 0; off + sizeof(struct dirent) <= di.size; off += sizeof(struct dirent)) {
    uint bno = file_bno(&di, off / BSIZE);
    if (bno == 0) {
      bad("hole in directory", dir, off);
      continue;
    }
    struct buf *b = bread(ROOTDEV, bno);
    struct dirent de = *(struct dirent *)(b->data + off % BSIZE);
    brelse(b);
    if (de.inum == 0)
      continue;
    if (de.inum >= sb.ninodes || dinode_get(de.inum).type == 0) {
      bad("entry names a free inode", dir, de.inum);
      continue;
    }
    if (off == 0 && de.inum != dir)
      bad("\".\" is not the directory", dir, de.inum);
    if (off == sizeof(de) && de.inum != parent)
      bad("\"..\" is not the parent", dir, de.inum);
    if (off == 0)
      continue;
    inode_refs[de.inum]++;
    if (off > sizeof(de) && dinode_get(de.inum).type == T_DIR) {
      if (inode_seen[de.inum]++)
        bad("directory reached twice", de.inum, dir);
      else
        check_dir(de.inum, dir);
    }
  }
}

int
fsck(int verbose)
{
  verbose_fsck = verbose;
  bcache_init();
  inode_init();
  fs_init(ROOTDEV);
  if (sb.size > sizeof(block_refs) || sb.ninodes > sizeof(inode_refs))
    panic("fsck: image too big for the checker");
  for (uint b = 0; b < sb.data_start; b++)
    block_refs[b] = 1;
  inode_seen[ROOTINO] = 1;
  check_dir(ROOTINO, ROOTINO);
  for (uint inum = 1; inum < sb.ninodes; inum++) {
    struct dinode di = dinode_get(inum);
    if (di.type == 0)
      continue;
    if (inode_refs[inum] == 0 && di.nlink == 0 && fsck_allow_orphans) {
      // Unlinked while open when the machine stopped: a leak, not corruption.
      if (verbose_fsck)
        printf("fsck: note: orphan inode %d (unlinked while open)\n", inum);
      orphans++;
    } else if (inode_refs[inum] == 0) {
      bad("allocated inode in no directory", inum, di.type);
    }
    if (di.nlink != inode_refs[inum])
      bad("nlink differs from the entries", inum, di.nlink);
    uint nblocks = 0;
    for (int i = 0; i < NDIRECT; i++)
      if (di.addrs[i]) {
        use_block(di.addrs[i], inum);
        nblocks++;
      }
    if (di.addrs[NDIRECT])
      nblocks += use_index(di.addrs[NDIRECT], 1, inum);
    if (di.addrs[NDIRECT + 1])
      nblocks += use_index(di.addrs[NDIRECT + 1], 2, inum);
    if (nblocks > (di.size + BSIZE - 1) / BSIZE)
      bad("more blocks than the size needs", inum, nblocks);
  }
  for (uint bno = 0; bno < sb.size; bno++) {
    struct buf *b = bread(ROOTDEV, BBLOCK(bno, sb));
    int bit = (b->data[(bno % BPB) / 8] >> (bno % 8)) & 1;
    brelse(b);
    if (bit != (block_refs[bno] > 0))
      bad(bit ? "block marked used but unused" : "block in use but marked free", bno, 0);
  }
  if (verbose)
    printf("fsck: %d errors, %d orphan inodes\n", errors, orphans);
  return errors;
}
