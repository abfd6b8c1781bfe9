// exec(): replace the current process's memory with a program from the file system.
// The new image is built in a fresh page table: ELF LOAD segments from 0 up, then a
// guard page and USERSTACK stack pages holding argv. Only when all of it is in place
// does the process switch to it, so a failed exec (bad ELF: -ENOEXEC, no memory:
// -ENOMEM, too many or too long arguments: -E2BIG) leaves the caller untouched.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "riscv.h"
#include "spinlock.h"
#include "proc.h"
#include "errno.h"
#include "elf.h"
#include "fs.h"
#include "defs.h"

// Is this an executable we can run? 0 or -ENOEXEC.
static int
check_elf(struct elfhdr *eh)
{
  if (eh->magic != ELF_MAGIC || eh->class != ELFCLASS64 || eh->data != ELFDATA2LSB)
    return -ENOEXEC;
  if (eh->type != ET_EXEC || eh->machine != EM_RISCV)
    return -ENOEXEC;
  if (eh->phentsize != sizeof(struct proghdr) || eh->phnum > 16)
    return -ENOEXEC;
  return 0;
}

// Read filesz bytes at file offset off into the (already mapped) pages at va.
static int
load_segment(pagetable_t pt, struct inode *ip, uint64 va, uint off, uint64 filesz)
{
  for (uint64 i = 0; i < filesz; i += PGSIZE) {
    uint64 pa = walkaddr(pt, va + i);
    uint n = filesz - i < PGSIZE ? filesz - i : PGSIZE;
    if (pa == 0 || readi(ip, 0, pa, off + i, n) != n)
      return -1;
  }
  return 0;
}

// Map and fill one LOAD segment above *sz; *sz becomes its end. 0 or -errno.
static int
load_ph(pagetable_t pt, struct inode *ip, struct proghdr *ph, uint64 *sz)
{
  uint64 end = ph->vaddr + ph->memsz;
  int perm = (ph->flags & PF_W ? PTE_W : 0) | (ph->flags & PF_X ? PTE_X : 0);

  if (ph->memsz < ph->filesz || end < ph->vaddr || ph->vaddr % PGSIZE != 0)
    return -ENOEXEC;
  if (ph->vaddr < *sz || end > USERTOP || ph->off + ph->filesz < ph->off)
    return -ENOEXEC;
  if (ph->memsz == 0)
    return 0;
  uint64 nsz = uvm_alloc(pt, *sz, end, perm);
  if (nsz == 0)
    return -ENOMEM;
  *sz = nsz;
  if (load_segment(pt, ip, ph->vaddr, ph->off, ph->filesz) < 0)
    return -ENOEXEC;
  return 0;
}

// Load every LOAD segment of ip into pt; *sz is the end of the image. 0 or -errno.
static int
load_program(pagetable_t pt, struct inode *ip, struct elfhdr *eh, uint64 *sz)
{
  struct proghdr ph;

  for (int i = 0; i < eh->phnum; i++) {
    uint off = eh->phoff + i * sizeof(ph);
    if (readi(ip, 0, (uint64)&ph, off, sizeof(ph)) != sizeof(ph))
      return -ENOEXEC;
    if (ph.type != PT_LOAD)
      continue;
    int r = load_ph(pt, ip, &ph, sz);
    if (r < 0)
      return r;
  }
  return 0;
}

// Add a guard page and the stack above *sz, and copy argv's strings and pointer array
// onto it. Sets *spp (16-byte aligned) and returns argc, or -errno.
static int
setup_stack(pagetable_t pt, uint64 *sz, char **argv, uint64 *spp)
{
  uint64 ustack[MAXARG + 1];
  uint64 base = PGROUNDUP(*sz);
  uint64 top = uvm_alloc(pt, base, base + (USERSTACK + 1) * PGSIZE, PTE_W);
  int argc;

  if (top == 0)
    return -ENOMEM;
  *sz = top;
  uvm_clear(pt, base);  // the guard page: a stack overflow faults
  base += PGSIZE;
  uint64 sp = top;
  for (argc = 0; argv[argc]; argc++) {
    int len = strlen(argv[argc]) + 1;
    if (argc >= MAXARG || sp - base < len + 16)
      return -E2BIG;
    sp = (sp - len) & ~15UL;
    if (copyout(pt, sp, argv[argc], len) < 0)
      return -E2BIG;
    ustack[argc] = sp;
  }
  ustack[argc] = 0;
  uint64 n = (argc + 1) * sizeof(uint64);
  if (sp - base < n + 16)
    return -E2BIG;
  sp = (sp - n) & ~15UL;
  if (copyout(pt, sp, ustack, n) < 0)
    return -E2BIG;
  *spp = sp;
  return argc;
}

// Install the new image in the current process and free the old one.
static void
commit(struct proc *p, pagetable_t pt, uint64 sz, uint64 entry, uint64 sp, char *path)
{
  pagetable_t old = p->pagetable;
  uint64 oldsz = p->sz;
  char *last = path;

  for (char *s = path; *s; s++) {
    if (*s == '/')
      last = s + 1;
  }
  safestrcpy(p->name, last, sizeof(p->name));
  p->pagetable = pt;
  p->sz = sz;
  p->heap_base = sz;
  p->trapframe->epc = entry;
  p->trapframe->sp = sp;
  p->trapframe->a1 = sp;  // main(argc, argv): argv; argc is exec's return value (a0)
  vm_switch(pt);          // off the old table before it is freed (a tick in between is harmless:
                          // the scheduler loads p->pagetable, already the new one)
  uvm_free(old, oldsz);
}

// Run the program at path with the arguments argv (kernel strings, 0-terminated).
// Returns argc (the new program's a0) or -errno.
int
exec(char *path, char **argv)
{
  struct proc *p = myproc();
  struct elfhdr eh;
  pagetable_t pt = 0;
  uint64 sz = 0, sp = 0;
  int r;

  begin_op();
  struct inode *ip = namei(path);
  if (ip == 0) {
    end_op();
    return -ENOENT;
  }
  ilock(ip);
  r = -ENOEXEC;
  if (readi(ip, 0, (uint64)&eh, 0, sizeof(eh)) != sizeof(eh) || check_elf(&eh) < 0)
    goto bad;
  r = -ENOMEM;
  if ((pt = uvm_create(p->trapframe)) == 0)
    goto bad;
  if ((r = load_program(pt, ip, &eh, &sz)) < 0)
    goto bad;
  iunlockput(ip);
  end_op();
  ip = 0;
  if ((r = setup_stack(pt, &sz, argv, &sp)) < 0)
    goto bad;
  commit(p, pt, sz, eh.entry, sp, path);
  return r;

bad:
  if (pt)
    uvm_free(pt, sz);
  if (ip) {
    iunlockput(ip);
    end_op();
  }
  return r;
}
