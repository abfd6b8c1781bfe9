// Physical page allocator for the 4096-byte pages from the end of the kernel image to
// PHYSTOP. Pages never handed out yet are taken in address order from `fresh`, so boot
// does not have to touch all of RAM; pages given back go on a free list, filled with
// junk first so that use-after-free shows up quickly. kalloc() returns a zeroed page.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "spinlock.h"
#include "riscv.h"
#include "defs.h"

extern char end[];  // first byte after the kernel (kernel.ld)

// A free page holds the link to the next one.
struct free_page {
  struct free_page *next;
};

static struct {
  struct spinlock lock;    // guards every field
  struct free_page *list;  // pages given back by kfree()
  uint64 nlist;
  uint64 fresh;  // pages [fresh, PHYSTOP) have never been allocated
} pages;

void
kalloc_init(void)
{
  spin_init(&pages.lock, "kalloc");
  pages.fresh = PGROUNDUP((uint64)end);
}

// Give back the page at pa (from kalloc).
void
kfree(void *pa)
{
  struct free_page *fp = pa;

  if ((uint64)pa % PGSIZE != 0 || (char *)pa < end || (uint64)pa >= PHYSTOP)
    panic("kfree: bad page address");
  memset(pa, 0x5a, PGSIZE);
  spin_lock(&pages.lock);
  fp->next = pages.list;
  pages.list = fp;
  pages.nlist++;
  spin_unlock(&pages.lock);
}

// A zero-filled page, or 0 if none is left.
void *
kalloc(void)
{
  struct free_page *fp = 0;

  spin_lock(&pages.lock);
  if (pages.list) {
    fp = pages.list;
    pages.list = fp->next;
    pages.nlist--;
  } else if (pages.fresh < PHYSTOP) {
    fp = (struct free_page *)pages.fresh;
    pages.fresh += PGSIZE;
  }
  spin_unlock(&pages.lock);
  if (fp)
    memset(fp, 0, PGSIZE);
  return fp;
}

// How many pages kalloc() could still hand out.
uint64
kalloc_free_pages(void)
{
  spin_lock(&pages.lock);
  uint64 n = pages.nlist + (PHYSTOP - pages.fresh) / PGSIZE;
  spin_unlock(&pages.lock);
  return n;
}
