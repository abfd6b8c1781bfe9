// Virtual memory: Sv39 page tables for the kernel and for user processes.
// The kernel table identity-maps devices and RAM (memlayout.h) plus one kernel stack per
// process slot. A user table maps the program from 0 up to p->sz (below USERTOP), shares
// every kernel mapping, without PTE_U, and maps the process's trapframe at TRAPFRAME_PAGE:
// a trap from user mode keeps satp, and satp changes only when a hart switches processes
// (vm_switch, which sets the trap vector to match). copyin/copyout/copyinstr move
// bytes between the kernel and a user address space and refuse any address the user
// could not touch.
// Sv39: three levels of 512 PTEs, 9 bits of VA each, 4096-byte pages [priv 4.4].
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "riscv.h"
#include "spinlock.h"
#include "proc.h"
#include "errno.h"
#include "defs.h"

pagetable_t kernel_pagetable;
extern char etext[];  // kernel.ld: end of kernel text

// A user table owns root entry 0's second-level table and, in it, the slots below
// USERTOP (2 MiB each); every other slot and root entry is the kernel's, shared.
#define USER_L1_SLOTS VPN(1, USERTOP)
_Static_assert(USERTOP % (1L << 21) == 0 && USERTOP < (1L << 30),
               "USERTOP must be 2 MiB aligned and inside root entry 0");

// The leaf PTE for va, allocating intermediate tables when create != 0; 0 on failure.
static inline pte_t *
pte_find(pagetable_t pt, uint64 va, int create)
{
  if (va >= MAXVA)
    return 0;
  for (int level = 2; level > 0; level--) {
    pte_t *pte = &pt[VPN(level, va)];
    if (*pte & PTE_V) {
      pt = (pagetable_t)PTE_TO_PA(*pte);
    } else {
      if (!create || (pt = kalloc()) == 0)
        return 0;
      *pte = PA_TO_PTE(pt) | PTE_V;
    }
  }
  return &pt[VPN(0, va)];
}

// Map [va, va+sz) to [pa, pa+sz) with perm; va and sz page aligned. 0, or -1 when out
// of memory (some pages may then be mapped; the caller unmaps them).
static int
map_range(pagetable_t pt, uint64 va, uint64 pa, uint64 sz, int perm)
{
  for (uint64 off = 0; off < sz; off += PGSIZE) {
    pte_t *pte = pte_find(pt, va + off, 1);
    if (pte == 0)
      return -1;
    if (*pte & PTE_V)
      panic("map_range: remap");
    *pte = PA_TO_PTE(pa + off) | perm | PTE_V | PTE_A | PTE_D;
  }
  return 0;
}

// Remove npages mappings starting at va; free the pages too if do_free.
static void
unmap_range(pagetable_t pt, uint64 va, uint64 npages, int do_free)
{
  for (uint64 i = 0; i < npages; i++) {
    pte_t *pte = pte_find(pt, va + i * PGSIZE, 0);
    if (pte == 0 || (*pte & PTE_V) == 0)
      continue;
    if (do_free)
      kfree((void *)PTE_TO_PA(*pte));
    *pte = 0;
  }
}

// Map into the kernel page table at boot; running out of memory here is fatal. Boot
// only: user tables copy the kernel's root and low second-level entries when created.
static void
kvm_map(pagetable_t kpt, uint64 va, uint64 pa, uint64 sz, int perm)
{
  if (map_range(kpt, PGROUNDDOWN(va), PGROUNDDOWN(pa), PGROUNDUP(sz), perm) < 0)
    panic("kvm_map: out of memory");
}

// Build the kernel page table (hart 0, once).
void
kvm_init(void)
{
  pagetable_t kpt = kalloc();

  kvm_map(kpt, UART0, UART0, PGSIZE, PTE_R | PTE_W);
  kvm_map(kpt, VIRTIO0, VIRTIO0, 8 * PGSIZE, PTE_R | PTE_W);  // virtio-mmio slots 0..7
  kvm_map(kpt, PLIC, PLIC, 0x400000, PTE_R | PTE_W);
  kvm_map(kpt, PCIE_ECAM, PCIE_ECAM, PCIE_ECAM_SIZE, PTE_R | PTE_W);
  kvm_map(kpt, PCIE_MMIO, PCIE_MMIO, PCIE_MMIO_SIZE, PTE_R | PTE_W);
  kvm_map(kpt, KERNBASE, KERNBASE, (uint64)etext - KERNBASE, PTE_R | PTE_X);
  kvm_map(kpt, (uint64)etext, (uint64)etext, PHYSTOP - (uint64)etext, PTE_R | PTE_W);
  for (int i = 0; i < NPROC; i++) {
    for (int j = 0; j < KSTACK_PAGES; j++) {
      char *pa = kalloc();
      if (pa == 0)
        panic("kvm_init: kernel stacks");
      kvm_map(kpt, KSTACK(i) + j * PGSIZE, (uint64)pa, PGSIZE, PTE_R | PTE_W);
    }
  }
  pagetable_t low = (pagetable_t)PTE_TO_PA(kpt[0]);
  for (int i = 0; i < USER_L1_SLOTS; i++) {
    if (low[i] & PTE_V)
      panic("kvm_init: a kernel mapping below USERTOP");
  }
  if (kpt[VPN(2, TRAPFRAME_PAGE)] & PTE_V)
    panic("kvm_init: a kernel mapping in the trapframe's root entry");
  kernel_pagetable = kpt;
}

// Make pt this hart's page table, unless it already is, with the trap vector that goes
// with it: uservec for a user table, kernelvec for the kernel's, which does not map the
// trapframe uservec works in (uservec.S). Switched in the order that keeps the vector's
// table loaded. The sfence.vma after the satp write orders earlier page-table stores
// before later translations and drops the old table's cached ones (no ASIDs here) [priv
// 4.1.11, 4.2.1].
void
vm_switch(pagetable_t pt)
{
  extern char uservec[], kernelvec[];
  uint64 satp = MAKE_SATP(pt);

  if (csr_read(satp) == satp)
    return;
  if (pt == kernel_pagetable)
    csr_write(stvec, (uint64)kernelvec);
  csr_write(satp, satp);
  sfence_vma();
  if (pt != kernel_pagetable)
    csr_write(stvec, (uint64)uservec);
}

// Turn on paging with the kernel page table on this hart.
void
kvm_inithart(void)
{
  vm_switch(kernel_pagetable);
}

// The page-table pages of root entry 511 that map the trapframe page at TRAPFRAME_PAGE:
// tab[0] its second level, tab[1] its third.
#define TF_TABLES 2

// A user page table with no user memory yet, or 0. Root entries 1..510 point at the
// kernel's own tables; root entry 0 gets a second-level table of its own whose slots
// from USERTOP up point at the kernel's (the devices) and whose lower slots are the user's;
// root entry 511 gets two tables of its own that map the page holding tf (kernel only).
pagetable_t
uvm_create(struct trapframe *tf)
{
  pagetable_t root = kalloc(), low = kalloc(), tab[TF_TABLES] = { kalloc(), kalloc() };
  pagetable_t klow = (pagetable_t)PTE_TO_PA(kernel_pagetable[0]);

  if (root == 0 || low == 0 || tab[0] == 0 || tab[1] == 0) {
    void *all[] = { root, low, tab[0], tab[1] };
    for (int i = 0; i < NELEM(all); i++) {
      if (all[i])
        kfree(all[i]);
    }
    return 0;
  }
  for (int i = 0; i < 512; i++) {
    root[i] = kernel_pagetable[i];
    low[i] = i < USER_L1_SLOTS ? 0 : klow[i];
    tab[0][i] = tab[1][i] = 0;
  }
  root[0] = PA_TO_PTE(low) | PTE_V;
  root[VPN(2, TRAPFRAME_PAGE)] = PA_TO_PTE(tab[0]) | PTE_V;
  tab[0][VPN(1, TRAPFRAME_PAGE)] = PA_TO_PTE(tab[1]) | PTE_V;
  tab[1][VPN(0, TRAPFRAME_PAGE)] =
      PA_TO_PTE(PGROUNDDOWN((uint64)tf)) | PTE_R | PTE_W | PTE_A | PTE_D | PTE_V;
  return root;
}

// Grow user memory from oldsz to newsz with zeroed pages (R, U and xperm, e.g. PTE_W).
// Returns newsz, or 0 if memory ran out (nothing is left allocated then).
uint64
uvm_alloc(pagetable_t pt, uint64 oldsz, uint64 newsz, int xperm)
{
  if (newsz <= oldsz)
    return oldsz;
  if (newsz > USERTOP)
    return 0;
  // Refuse at once what cannot succeed, rather than take every page and give them back
  // (the page-table pages it would add stay allocated until the process exits).
  if ((PGROUNDUP(newsz) - PGROUNDUP(oldsz)) / PGSIZE > kalloc_free_pages())
    return 0;
  for (uint64 va = PGROUNDUP(oldsz); va < newsz; va += PGSIZE) {
    char *pa = kalloc();
    if (pa == 0 || map_range(pt, va, (uint64)pa, PGSIZE, PTE_R | PTE_U | xperm) < 0) {
      if (pa)
        kfree(pa);
      uvm_dealloc(pt, va, oldsz);
      return 0;
    }
  }
  return newsz;
}

// Shrink user memory from oldsz to newsz, freeing the pages; returns newsz.
uint64
uvm_dealloc(pagetable_t pt, uint64 oldsz, uint64 newsz)
{
  if (newsz >= oldsz)
    return oldsz;
  uint64 from = PGROUNDUP(newsz), to = PGROUNDUP(oldsz);
  if (to > from)
    unmap_range(pt, from, (to - from) / PGSIZE, 1);
  return newsz;
}

// Copy a parent's memory [0, sz) into a child's table. 0, or -1 (child left empty).
int
uvm_copy(pagetable_t old, pagetable_t new, uint64 sz)
{
  for (uint64 va = 0; va < sz; va += PGSIZE) {
    pte_t *pte = pte_find(old, va, 0);
    if (pte == 0 || (*pte & PTE_V) == 0)
      continue;
    char *pa = kalloc();
    if (pa == 0 || map_range(new, va, (uint64)pa, PGSIZE, PTE_FLAGS(*pte) & ~PTE_V) < 0) {
      if (pa)
        kfree(pa);
      unmap_range(new, 0, va / PGSIZE, 1);
      return -1;
    }
    memmove(pa, (void *)PTE_TO_PA(*pte), PGSIZE);
  }
  return 0;
}

// Free user memory [0, sz), the user's page-table pages and the table itself; the
// kernel's tables it shared stay. Every user page must lie below sz.
void
uvm_free(pagetable_t pt, uint64 sz)
{
  pagetable_t low = (pagetable_t)PTE_TO_PA(pt[0]);

  if (sz > 0)
    unmap_range(pt, 0, PGROUNDUP(sz) / PGSIZE, 1);
  for (int i = 0; i < USER_L1_SLOTS; i++) {
    if ((low[i] & PTE_V) == 0)
      continue;
    pagetable_t leaves = (pagetable_t)PTE_TO_PA(low[i]);
    for (int j = 0; j < 512; j++) {
      if (leaves[j] & PTE_V)
        panic("uvm_free: a user page above sz is still mapped");
    }
    kfree(leaves);
  }
  kfree(low);
  // The trapframe's two tables; the trapframe page is the process's (proc.c frees it).
  pagetable_t mid = (pagetable_t)PTE_TO_PA(pt[VPN(2, TRAPFRAME_PAGE)]);
  kfree((void *)PTE_TO_PA(mid[VPN(1, TRAPFRAME_PAGE)]));
  kfree(mid);
  kfree(pt);
}

// Take away user access to the page at va (the stack guard page).
void
uvm_clear(pagetable_t pt, uint64 va)
{
  pte_t *pte = pte_find(pt, va, 0);

  if (pte == 0)
    panic("uvm_clear: no page");
  *pte &= ~PTE_U;
}

// Physical address of the user page holding va, or 0 if the user may not touch it.
uint64
walkaddr(pagetable_t pt, uint64 va)
{
  pte_t *pte = pte_find(pt, va, 0);

  if (pte == 0 || (*pte & (PTE_V | PTE_U)) != (PTE_V | PTE_U))
    return 0;
  return PTE_TO_PA(*pte);
}

// Physical address for va if its page has all of need (PTE_W for stores), else 0.
// (inline, like user_range and pte_find: every system call that copies runs them)
static inline char *
user_page(pagetable_t pt, uint64 va, int need)
{
  pte_t *pte = pte_find(pt, va, 0);
  int want = PTE_V | PTE_U | need;

  if (pte == 0 || (*pte & want) != want)
    return 0;
  return (char *)PTE_TO_PA(*pte) + (va % PGSIZE);
}

// user_page, with *n set to how many of the len bytes from va lie on va's page: one step
// of a walk over user memory a page at a time.
static inline char *
user_span(pagetable_t pt, uint64 va, uint64 len, int need, uint64 *n)
{
  *n = PGSIZE - va % PGSIZE;
  if (*n > len)
    *n = len;
  return user_page(pt, va, need);
}

// Copy len bytes from kernel src to user dstva. 0, or -1 on a bad address.
int
copyout(pagetable_t pt, uint64 dstva, const void *src, uint64 len)
{
  uint64 n;

  while (len > 0) {
    char *pa = user_span(pt, dstva, len, PTE_W, &n);
    if (pa == 0)
      return -1;
    copy_forward(pa, src, n);  // a kernel buffer and a user page never overlap
    len -= n;
    src = (const char *)src + n;
    dstva += n;
  }
  return 0;
}

// Copy len bytes from user srcva to kernel dst. 0, or -1 on a bad address. (Inline for
// copy_from_user, which every send calls twice; copyin is the same for other callers.)
static inline __attribute__((always_inline)) int
copy_in(pagetable_t pt, void *dst, uint64 srcva, uint64 len)
{
  uint64 n;

  while (len > 0) {
    char *pa = user_span(pt, srcva, len, PTE_R, &n);
    if (pa == 0)
      return -1;
    copy_forward(dst, pa, n);  // a user page and a kernel buffer never overlap
    len -= n;
    dst = (char *)dst + n;
    srcva += n;
  }
  return 0;
}

int
copyin(pagetable_t pt, void *dst, uint64 srcva, uint64 len)
{
  return copy_in(pt, dst, srcva, len);
}

// Copy a NUL-terminated string of at most max bytes (with the NUL). 0, or -1 on a bad
// address or when no NUL is found within max bytes.
int
copyinstr(pagetable_t pt, char *dst, uint64 srcva, uint64 max)
{
  while (max > 0) {
    char *pa = user_page(pt, srcva, PTE_R);
    if (pa == 0)
      return -1;
    uint64 n = PGSIZE - srcva % PGSIZE;
    for (; n > 0 && max > 0; n--, max--, srcva++) {
      *dst = *pa++;
      if (*dst++ == 0)
        return 0;
    }
  }
  return -1;
}

// Is [va, va+len) inside the current process's memory?
static inline struct proc *
user_range(uint64 va, uint64 len)
{
  struct proc *p = myproc();

  if (p == 0 || p->pagetable == 0 || va >= MAXVA || len > p->sz || va > p->sz - len)
    return 0;
  return p;
}

int
copy_to_user(uint64 dstva, const void *src, uint64 len)
{
  struct proc *p = user_range(dstva, len);

  if (p == 0 || copyout(p->pagetable, dstva, src, len) < 0)
    return -EFAULT;
  return 0;
}

// Where user address va of the current process is in the kernel's view, with *n set to
// how many of the len bytes from va lie on va's page; 0 if [va, va+len) is not all in the
// process's memory or va's page may not be read. For code that works on user memory in
// place, a page at a time (csum_copy_from_user); a plain copy is copy_from_user.
void *
user_chunk(uint64 va, uint64 len, uint64 *n)
{
  struct proc *p = user_range(va, len);

  return p == 0 ? 0 : user_span(p->pagetable, va, len, PTE_R, n);
}

int
copy_from_user(void *dst, uint64 srcva, uint64 len)
{
  struct proc *p = user_range(srcva, len);

  if (p == 0 || copy_in(p->pagetable, dst, srcva, len) < 0)
    return -EFAULT;
  return 0;
}
