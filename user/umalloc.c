// The user heap: malloc, free, realloc and calloc on memory obtained with sbrk.
//
// Every block starts with a 16-byte header holding its total size. Free blocks are kept
// in one list sorted by address, so free() can merge a block with its neighbours; malloc
// takes the first free block that is big enough and splits off the remainder. When no
// block fits, the heap grows by at least HEAP_GROW bytes.
#include "user/user.h"

#define ALIGN     16
#define HEAP_GROW (16 * 4096)

struct block {
  uint64 size;         // whole block, header included; a multiple of ALIGN
  struct block *next;  // next free block (by address); unused while allocated
};

static struct block *freelist;

// Insert b into the address-ordered free list, merging with adjacent blocks.
static void
freelist_insert(struct block *b)
{
  struct block **pp = &freelist;
  struct block *prev = 0;

  while (*pp && *pp < b) {
    prev = *pp;
    pp = &(*pp)->next;
  }
  b->next = *pp;
  *pp = b;
  if (b->next && (char *)b + b->size == (char *)b->next) {
    b->size += b->next->size;
    b->next = b->next->next;
  }
  if (prev && (char *)prev + prev->size == (char *)b) {
    prev->size += b->size;
    prev->next = b->next;
  }
}

// Ask the kernel for at least need bytes and put them on the free list.
static int
heap_grow(uint64 need)
{
  char *p;

  if (need < HEAP_GROW)
    need = HEAP_GROW;
  if (need > 0x7fffffff)
    return -1;
  // the break need not be aligned: move it to the next ALIGN boundary first
  p = sbrk(0);
  if ((uint64)p % ALIGN && sbrk(ALIGN - (uint64)p % ALIGN) == (char *)-1)
    return -1;
  p = sbrk((int)need);
  if (p == (char *)-1)
    return -1;
  ((struct block *)p)->size = need;
  freelist_insert((struct block *)p);
  return 0;
}

// Allocate n bytes aligned to 16; 0 when memory is exhausted.
void *
malloc(uint n)
{
  uint64 need = ((uint64)n + sizeof(struct block) + ALIGN - 1) & ~(uint64)(ALIGN - 1);
  struct block **pp, *b, *rest;

  for (;;) {
    for (pp = &freelist; (b = *pp) != 0; pp = &b->next) {
      if (b->size < need)
        continue;
      if (b->size - need >= 2 * sizeof(struct block)) {
        rest = (struct block *)((char *)b + need);
        rest->size = b->size - need;
        rest->next = b->next;
        b->size = need;
        *pp = rest;
      } else {
        *pp = b->next;
      }
      return b + 1;
    }
    if (heap_grow(need) < 0)
      return 0;
  }
}

// Return a block from malloc to the free list (free(0) does nothing).
void
free(void *p)
{
  if (p)
    freelist_insert((struct block *)p - 1);
}

// Resize a block, keeping its contents.
void *
realloc(void *p, uint n)
{
  struct block *b;
  void *q;

  if (p == 0)
    return malloc(n);
  b = (struct block *)p - 1;
  if (b->size - sizeof(struct block) >= n)
    return p;
  if ((q = malloc(n)) == 0)
    return 0;
  memmove(q, p, b->size - sizeof(struct block));
  free(p);
  return q;
}

// Allocate n * size zeroed bytes.
void *
calloc(uint n, uint size)
{
  uint64 total = (uint64)n * size;
  void *p;

  if (total > 0xffffffffUL || (p = malloc(total)) == 0)
    return 0;
  memset(p, 0, total);
  return p;
}
