// A cached disk block. bio.c owns the cache; a buffer returned by bread is sleep-locked
// by the caller until brelse.
#pragma once
#include "types.h"
#include "sleeplock.h"
#include "fs.h"

struct buf {
  // bcache.lock guards these four
  int refcnt;         // holders + waiters + log pins; 0 = may be recycled
  struct buf *newer;  // LRU list: head.newer is the most recently released
  struct buf *older;
  uint dev;
  uint blockno;

  struct sleeplock lock;  // guards the fields below and data
  int valid;              // data holds the block's contents
  int disk_busy;          // virtio_disk owns the buffer until the device completes it
  uchar data[BSIZE];
};
