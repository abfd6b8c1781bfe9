// sysinfo(2): counters user programs (and tests) read to prove nothing leaked.
#pragma once
#include "types.h"

struct sysinfo {
  uint64 freepages;  // free physical pages
  uint64 nproc;      // process slots in use
  uint64 skb_inuse;  // packet buffers allocated and not yet freed
  uint64 skb_free;   // packet buffers available in the pool
  uint64 uptime_us;
};
