// The buffer cache: NBUF in-memory copies of disk blocks.
//
// Interface:
//   b = bread(dev, blockno)   the block, read from disk if not cached, sleep-locked;
//   ... use b->data; in a transaction call log_write(b) after changing it ...
//   brelse(b)                 unlock it and let the cache recycle it later.
// Only one process at a time holds a given block, so at most one copy of each block
// exists and changes are never lost between two holders. bwrite is for log.c.
//
// Design. Two structures, both under bcache.lock:
//   - a hash table: chain[h] lists every buffer that currently caches a block whose
//     (dev, blockno) hashes to h, so finding a block is one short chain walk;
//   - the idle list: the buffers nobody references (refcnt == 0), most recently
//     released at the front. They keep their contents, so a later bread of the same
//     block still hits; a miss takes the buffer at the back (idle the longest) and
//     moves it to the chain of its new block.
// A buffer with refcnt > 0 is on no idle list and is never recycled. A buffer that was
// never used sits on the idle list but in no chain.

#include "types.h"
#include "param.h"
#include "spinlock.h"
#include "sleeplock.h"
#include "defs.h"
#include "fs.h"
#include "buf.h"

#define NBHASH 31  // hash chains; a prime so that consecutive block numbers spread out

static struct {
  struct spinlock lock;  // guards the chains, the idle list and every buf's refcnt/dev/blockno
  struct buf bufs[NBUF];
  struct buf *chain[NBHASH];
  struct list idle;  // the idle buffers, most recently used first (list.h)
} bcache;

// The hash chain a block belongs in.
static struct buf **
chain_of(uint dev, uint blockno)
{
  return &bcache.chain[(dev * 7 + blockno) % NBHASH];
}

// Take b out of the chain it is in, if any.
static void
chain_remove(struct buf *b)
{
  for (struct buf **pp = chain_of(b->dev, b->blockno); *pp; pp = &(*pp)->hash_next) {
    if (*pp == b) {
      *pp = b->hash_next;
      return;
    }
  }
}

// Set up the empty cache: every buffer idle, none cached.
void
bcache_init(void)
{
  spin_init(&bcache.lock, "bcache");
  list_init(&bcache.idle);
  for (int h = 0; h < NBHASH; h++)
    bcache.chain[h] = 0;
  for (struct buf *b = bcache.bufs; b < bcache.bufs + NBUF; b++) {
    sleeplock_init(&b->lock, "buf");
    b->refcnt = 0;
    b->valid = 0;
    b->dev = ~0U;  // matches no real device, so chain_remove finds nothing
    list_push_front(&bcache.idle, &b->idle);
  }
}

// The buffer caching (dev, blockno), or 0. Caller holds bcache.lock.
static struct buf *
lookup(uint dev, uint blockno)
{
  for (struct buf *b = *chain_of(dev, blockno); b; b = b->hash_next)
    if (b->dev == dev && b->blockno == blockno)
      return b;
  return 0;
}

// Reuse the longest-idle buffer for (dev, blockno); 0 if every buffer is in use.
// Caller holds bcache.lock.
static struct buf *
recycle(uint dev, uint blockno)
{
  struct buf *b;
  struct buf **chain;

  if (list_empty(&bcache.idle))
    return 0;
  b = list_entry(bcache.idle.prev, struct buf, idle);  // the longest idle
  chain_remove(b);
  b->dev = dev;
  b->blockno = blockno;
  b->valid = 0;  // nobody holds b, so its sleep lock does not guard this write
  chain = chain_of(dev, blockno);
  b->hash_next = *chain;
  *chain = b;
  return b;
}

// A referenced, sleep-locked buffer for (dev, blockno); b->valid says if it holds data.
static struct buf *
bget(uint dev, uint blockno)
{
  struct buf *b;

  spin_lock(&bcache.lock);
  // Every buffer may be held or pinned by the log: wait for a brelse or a commit.
  while ((b = lookup(dev, blockno)) == 0 && (b = recycle(dev, blockno)) == 0)
    sleep(&bcache, &bcache.lock);
  if (b->refcnt++ == 0)
    list_remove(&b->idle);
  spin_unlock(&bcache.lock);
  sleeplock_acquire(&b->lock);
  return b;
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

// Drop one reference to b; the last one makes it the most recently used idle buffer.
static void
unref(struct buf *b)
{
  spin_lock(&bcache.lock);
  if (--b->refcnt == 0) {
    list_push_front(&bcache.idle, &b->idle);  // the last one to be recycled
    wakeup(&bcache);
  }
  spin_unlock(&bcache.lock);
}

// Give up a locked buffer.
void
brelse(struct buf *b)
{
  if (!sleeplock_holding(&b->lock))
    panic("brelse: buffer not locked");
  sleeplock_release(&b->lock);
  unref(b);
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
  unref(b);
}
