// The write-ahead log: makes each file-system system call atomic with respect to crashes.
//
// Interface:
//   begin_op();  ... bread, change, log_write(b), brelse ...  end_op();
// A system call brackets its changes with begin_op/end_op and calls log_write(b) instead
// of bwrite(b). Changed blocks stay pinned in the buffer cache until the commit.
//
// Group commit: several system calls may be inside begin_op/end_op at once; their
// changes form one transaction that is committed when the last of them calls end_op.
// begin_op reserves MAXOPBLOCKS log slots per running call and sleeps while the log
// might overflow or while a commit is in progress.
//
// On disk (see fs.h): block log_start is the header, the next LOGBLOCKS blocks hold
// copies of the changed blocks. Commit:
//   1. copy each changed block into its log slot (all requests in flight at once);
//   2. write the header with n > 0        <- the commit point
//   3. write each block to its home location;
//   4. write the header with n = 0 (the next commit waits for this write before step 1).
// A crash before 2 loses the transaction; after 2, mounting (log_init) redoes 3 and 4.

#include "types.h"
#include "param.h"
#include "spinlock.h"
#include "sleeplock.h"
#include "defs.h"
#include "fs.h"
#include "buf.h"

// The header block, in memory and on disk.
struct log_header {
  uint n;                   // blocks in the committed transaction (0 = none)
  uint blockno[LOGBLOCKS];  // home block number of log slot i
};

static struct {
  struct spinlock lock;  // guards every field below
  uint dev;
  uint start;            // block number of the header
  int running;           // calls between begin_op and end_op
  int committing;        // a commit is writing; begin_op waits
  struct log_header lh;  // the transaction being built
} wal;

// A private buffer for the header block, so a commit never needs a free slot in the
// buffer cache (the log's own blocks are written straight from their cached copies).
static struct buf header_buf;

// Start writing the in-memory header to disk (with n > 0 this is the commit point) and
// return; virtio_disk_wait(&header_buf) waits for it. A header write still in flight
// finishes first, so header writes reach the disk in order.
static void
header_start(void)
{
  virtio_disk_wait(&header_buf);
  memset(header_buf.data, 0, BSIZE);
  memmove(header_buf.data, &wal.lh, sizeof(wal.lh));
  header_buf.dev = wal.dev;
  header_buf.blockno = wal.start;
  virtio_disk_submit(&header_buf, wal.start, 1);
}

// Copy committed log slots to their home blocks (mount-time recovery).
static void
replay(void)
{
  for (uint i = 0; i < wal.lh.n; i++) {
    struct buf *from = bread(wal.dev, wal.start + 1 + i);
    struct buf *to = bread(wal.dev, wal.lh.blockno[i]);
    memmove(to->data, from->data, BSIZE);
    bwrite(to);
    brelse(from);
    brelse(to);
  }
}

// Read the log header at mount time and finish any committed transaction.
void
log_init(int dev, struct superblock *sb)
{
  if (sizeof(struct log_header) > BSIZE || sb->nlog < LOGBLOCKS + 1)
    panic("log_init: log too small");
  spin_init(&wal.lock, "log");
  sleeplock_init(&header_buf.lock, "logheader");
  wal.dev = dev;
  wal.start = sb->log_start;
  struct buf *h = bread(dev, wal.start);
  memmove(&wal.lh, h->data, sizeof(wal.lh));
  brelse(h);
  if (wal.lh.n > LOGBLOCKS)
    panic("log_init: corrupt log header");
  if (wal.lh.n > 0)
    printf("log: replaying %d blocks\n", wal.lh.n);
  replay();
  wal.lh.n = 0;
  header_start();
  virtio_disk_wait(&header_buf);
}

// Write every block of the transaction (cached and pinned) to its log slot (to_log) or to
// its home location. All requests are in flight at once; return when all are done. The
// blocks stay in the cache: installing them also drops the log's pin.
static void
write_blocks(int to_log)
{
  struct buf *bs[LOGBLOCKS];
  uint n = wal.lh.n;

  for (uint i = 0; i < n; i++) {
    bs[i] = bread(wal.dev, wal.lh.blockno[i]);
    virtio_disk_submit(bs[i], to_log ? wal.start + 1 + i : bs[i]->blockno, 1);
  }
  for (uint i = 0; i < n; i++) {
    virtio_disk_wait(bs[i]);
    if (!to_log)
      bunpin(bs[i]);
    brelse(bs[i]);
  }
}

// Write the current transaction to disk (steps 1-4 above). Called with no other
// call running and committing set, so nobody changes the cached blocks meanwhile.
static void
commit(void)
{
  if (wal.lh.n == 0)
    return;
  virtio_disk_wait(&header_buf);  // the last commit's n = 0 is on disk: slots are free
  write_blocks(1);
  header_start();  // commit point
  virtio_disk_wait(&header_buf);
  write_blocks(0);
  wal.lh.n = 0;
  header_start();  // installed; this write finishes while the next calls run
}

// Start a file-system system call: wait for room in the log and no commit running.
void
begin_op(void)
{
  spin_lock(&wal.lock);
  while (wal.committing || wal.lh.n + (wal.running + 1) * MAXOPBLOCKS > LOGBLOCKS)
    sleep(&wal, &wal.lock);
  wal.running++;
  spin_unlock(&wal.lock);
}

// Finish a file-system system call; the last one out commits the group.
void
end_op(void)
{
  int do_commit = 0;

  spin_lock(&wal.lock);
  if (wal.running <= 0 || wal.committing)
    panic("end_op: not in a transaction");
  wal.running--;
  if (wal.running == 0) {
    do_commit = 1;
    wal.committing = 1;
  } else {
    wakeup(&wal);  // our reservation is free for a waiting begin_op
  }
  spin_unlock(&wal.lock);

  if (do_commit) {
    commit();  // sleeps on the disk: not under wal.lock
    spin_lock(&wal.lock);
    wal.committing = 0;
    wakeup(&wal);
    spin_unlock(&wal.lock);
  }
}

// Record that b (locked by the caller) changed in this transaction and pin it in the
// cache until the commit. Writing the same block twice uses one slot (absorption).
void
log_write(struct buf *b)
{
  uint i;

  spin_lock(&wal.lock);
  if (wal.running < 1)
    panic("log_write: outside a transaction");
  for (i = 0; i < wal.lh.n; i++)
    if (wal.lh.blockno[i] == b->blockno)
      break;
  if (i == wal.lh.n) {
    if (wal.lh.n >= LOGBLOCKS)
      panic("log_write: transaction too big");
    wal.lh.blockno[wal.lh.n++] = b->blockno;
    bpin(b);
  }
  spin_unlock(&wal.lock);
}
