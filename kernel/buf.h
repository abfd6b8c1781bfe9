// A cached disk block. bio.c owns the cache; a buffer returned by bread is sleep-locked
// by the caller until brelse.
#pragma once
#include "types.h"
#include "sleeplock.h"
#include "fs.h"
#include "list.h"

struct buf {
  // bcache.lock guards refcnt, dev, blockno and the links
  int refcnt;             // holders + waiters + log pins; 0 = on the idle list
  uint dev;               // which block this buffer caches, if cached
  uint blockno;           //   (meaningful only while the buffer is in a hash chain)
  struct buf *hash_next;  // next buffer in the same hash chain
  struct list idle;       // idle list (refcnt == 0 only): next toward the least recently used

  struct sleeplock lock;  // guards the fields below and data
  int valid;              // data holds the block's contents
  int disk_busy;          // virtio_disk owns the buffer until the device completes it
  uchar data[BSIZE];
};
