// The buffer cache: NBUF in-memory copies of disk blocks.
//
// Interface:
//   b = bread(dev, blockno)   the block, read from disk if not cached, sleep-locked;
//   ... use b->data; in a transaction call log_write(b) after changing it ...
//   brelse(b)                 unlock it and let the cache recycle it later.
// Only one process at a time holds a given block, so at most one copy of each block
// exists and changes are never lost between two holders. bwrite is for log.c.
//
// Recycling is least-recently-released first: a circular list through head, with
// head.newer the buffer released last and head.older the one released longest ago.

#include "types.h"
#include "param.h"
#include "spinlock.h"
#include "sleeplock.h"
#include "defs.h"
#include "fs.h"
#include "buf.h"

static struct {
  struct spinlock lock;  // guards refcnt, dev, blockno and the list links of every buf
  struct buf bufs[NBUF];
  struct buf head;  // list sentinel; holds no block
} bcache;

// Unlink b from the LRU list.
static void
lru_remove(struct buf *b)
{
  b->newer->older = b->older;
  b->older->newer = b->newer;
}

// Insert b at the most-recently-used end.
static void
lru_push_newest(struct buf *b)
{
  b->older = &bcache.head;
  b->newer = bcache.head.newer;
  bcache.head.newer->older = b;
  bcache.head.newer = b;
}

// Set up the empty cache.
void
bcache_init(void)
{
  spin_init(&bcache.lock, "bcache");
  bcache.head.newer = &bcache.head;
  bcache.head.older = &bcache.head;
  for (struct buf *b = bcache.bufs; b < bcache.bufs + NBUF; b++) {
    sleeplock_init(&b->lock, "buf");
    lru_push_newest(b);
  }
}

// Find the cached copy of (dev, blockno) or recycle the least recently used free
// buffer for it. Returns it referenced and sleep-locked; valid says if data is there.
static struct buf *
bget(uint dev, uint blockno)
{
  struct buf *b;

  spin_lock(&bcache.lock);
again:
  for (b = bcache.head.newer; b != &bcache.head; b = b->newer) {
    if (b->dev == dev && b->blockno == blockno) {
      b->refcnt++;
      spin_unlock(&bcache.lock);
      sleeplock_acquire(&b->lock);
      return b;
    }
  }
  for (b = bcache.head.older; b != &bcache.head; b = b->older) {
    if (b->refcnt == 0) {
      b->dev = dev;
      b->blockno = blockno;
      b->valid = 0;
      b->refcnt = 1;
      spin_unlock(&bcache.lock);
      sleeplock_acquire(&b->lock);
      return b;
    }
  }
  // Every buffer is held or pinned by the log: wait for a brelse or a commit.
  sleep(&bcache, &bcache.lock);
  goto again;
}

// Return a locked buffer holding the contents of the block.
struct buf *
bread(uint dev, uint blockno)
{
  struct buf *b = bget(dev, blockno);
  if (!b->valid) {
    virtio_disk_rw(b, 0);
    b->valid = 1;
  }
  return b;
}

// Write b's contents to disk now. The caller holds b->lock.
void
bwrite(struct buf *b)
{
  if (!sleeplock_holding(&b->lock))
    panic("bwrite: buffer not locked");
  virtio_disk_rw(b, 1);
}

// Give up a locked buffer; when nobody else wants it, it becomes the newest free one.
void
brelse(struct buf *b)
{
  if (!sleeplock_holding(&b->lock))
    panic("brelse: buffer not locked");
  sleeplock_release(&b->lock);
  spin_lock(&bcache.lock);
  b->refcnt--;
  if (b->refcnt == 0) {
    lru_remove(b);
    lru_push_newest(b);
    wakeup(&bcache);
  }
  spin_unlock(&bcache.lock);
}

// Keep b cached while the log holds a change to it that is not yet on disk.
void
bpin(struct buf *b)
{
  spin_lock(&bcache.lock);
  b->refcnt++;
  spin_unlock(&bcache.lock);
}

// Drop the log's hold on b.
void
bunpin(struct buf *b)
{
  spin_lock(&bcache.lock);
  b->refcnt--;
  if (b->refcnt == 0)
    wakeup(&bcache);
  spin_unlock(&bcache.lock);
}
