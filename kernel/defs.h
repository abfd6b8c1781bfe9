// Prototypes of the kernel's core services, grouped by the file that defines them.
// Subsystems with their own header (fs.h, file.h, net/*.h) declare their functions there.
#pragma once
#include "types.h"

struct spinlock;
struct sleeplock;
struct proc;
struct cpu;
struct trapframe;
struct file;
struct inode;
struct stat;
struct pipe;
struct buf;
struct superblock;

// printf.c
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int snprintf(char *buf, int size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void panic(const char *msg) __attribute__((noreturn));
void printf_init(void);

// uart.c
void uart_init(void);
void uart_intr(void);
void uart_putc(int c);                  // may sleep until there is room in the output buffer
void uart_putc_sync(int c);             // spins; usable with interrupts off (printf, panic, echo)
void uart_write(const char *s, int n);  // n <= 256 bytes as one piece (console writes)
void uart_sync_begin(void);             // printf: own the UART for one message
void uart_sync_end(void);

// console.c
void console_init(void);
void console_intr(int c);  // a byte typed at the console
void console_putc(int c);
int console_poll(int events);  // POLLIN when a line is ready

// kalloc.c: 4096-byte physical pages
void kalloc_init(void);
void *kalloc(void);  // a zero-filled page, or 0 when memory is exhausted
void kfree(void *pa);
uint64 kalloc_free_pages(void);

// string.c
void *memset(void *dst, int c, uint64 n);
void *memmove(void *dst, const void *src, uint64 n);
void *memcpy(void *dst, const void *src, uint64 n);
int memcmp(const void *a, const void *b, uint64 n);
int strncmp(const char *a, const char *b, uint64 n);
char *strncpy(char *dst, const char *src, int n);
char *safestrcpy(char *dst, const char *src, int n);  // always NUL-terminates
int strlen(const char *s);

// Copy n bytes from src to dst, first to last (memmove's way when dst is below src or
// they do not overlap). Inline: every send copies its data in from the user with it, and
// under QEMU a call and its return each cost a lookup of the next block of translated
// code. For the same reason each pass of a loop (a block) moves as much as it can: 8-byte
// words when both are aligned (the common case, tested first) or equally placed within a
// word (after the bytes up to the word's start), 4-byte words when they are within a half
// word, and bytes eight to a pass otherwise (a received payload starts 42 bytes into its
// frame, so its copy to a user buffer is one of those: 1400 bytes in 175 passes, not
// 1400). The words are aligned: RISC-V may trap on a misaligned access [unpriv 2.6], and
// we have no handler that would emulate it.
static inline __attribute__((always_inline)) void
copy_forward(void *dst, const void *src, uint64 n)
{
  char *d = dst;
  const char *s = src;
  uint64 i = 0, skew = (uint64)d ^ (uint64)s;

  if (((uint64)d | (uint64)s) % 8 == 0) {
#pragma GCC unroll 4
    for (; i + 8 <= n; i += 8)
      *(uint64 *)(d + i) = *(const uint64 *)(s + i);
  } else if (n >= 16) {  // shorter ones (addresses, a MAC) are done byte by byte below
    if (skew % 8 == 0) {
      for (; (uint64)(d + i) % 8 != 0; i++)
        d[i] = s[i];
#pragma GCC unroll 4
      for (; i + 8 <= n; i += 8)
        *(uint64 *)(d + i) = *(const uint64 *)(s + i);
    } else if (skew % 4 == 0) {
      for (; (uint64)(d + i) % 4 != 0; i++)
        d[i] = s[i];
#pragma GCC unroll 4
      for (; i + 4 <= n; i += 4)
        *(uint32 *)(d + i) = *(const uint32 *)(s + i);
    }
    for (; i + 8 <= n; i += 8) {
      d[i] = s[i];
      d[i + 1] = s[i + 1];
      d[i + 2] = s[i + 2];
      d[i + 3] = s[i + 3];
      d[i + 4] = s[i + 4];
      d[i + 5] = s[i + 5];
      d[i + 6] = s[i + 6];
      d[i + 7] = s[i + 7];
    }
  }
  for (; i < n; i++)
    d[i] = s[i];
}

// spinlock.c
// spin_init, spin_lock, spin_unlock, spin_holding, irq_push_off, irq_pop_off: spinlock.h

// sleeplock.c
void sleeplock_init(struct sleeplock *lk, char *name);
void sleeplock_acquire(struct sleeplock *lk);
void sleeplock_release(struct sleeplock *lk);
int sleeplock_holding(struct sleeplock *lk);

// vm.c
void kvm_init(void);
void kvm_inithart(void);
extern pagetable_t kernel_pagetable;
void vm_switch(pagetable_t pt);  // load pt into satp unless it is there already
pagetable_t uvm_create(struct trapframe *tf);
uint64 uvm_alloc(pagetable_t pt, uint64 oldsz, uint64 newsz, int xperm);
uint64 uvm_dealloc(pagetable_t pt, uint64 oldsz, uint64 newsz);
int uvm_copy(pagetable_t old, pagetable_t new, uint64 sz);
void uvm_free(pagetable_t pt, uint64 sz);
void uvm_clear(pagetable_t pt, uint64 va);   // make a page inaccessible to user (guard)
uint64 walkaddr(pagetable_t pt, uint64 va);  // PA of a user page, or 0
int copyout(pagetable_t pt, uint64 dstva, const void *src, uint64 len);  // 0 or -1
int copyin(pagetable_t pt, void *dst, uint64 srcva, uint64 len);         // 0 or -1
int copyinstr(pagetable_t pt, char *dst, uint64 srcva, uint64 max);      // 0 or -1
// The same for the current process; these are what system calls use.
int copy_to_user(uint64 dstva, const void *src, uint64 len);  // 0 or -EFAULT
int copy_from_user(void *dst, uint64 srcva, uint64 len);      // 0 or -EFAULT
void *user_chunk(uint64 va, uint64 len, uint64 *n);           // va's page, or 0

// proc.c
void proc_init(void);
void user_init(void);
void scheduler(void) __attribute__((noreturn));
void sched(void);
void yield(void);
int fork(void);
void exit(int status) __attribute__((noreturn));
int wait(uint64 status_addr);
int kill(int pid);
int current_killed(void);  // killed(myproc()) (proc.h), for files without proc.h
void setkilled(struct proc *p);
int growproc(int n);
void sleep(void *chan, struct spinlock *lk);
// Sleep on chan until woken or until the tick counter reaches deadline (0: no deadline).
void sleep_deadline(void *chan, struct spinlock *lk, uint64 deadline);
void wakeup(void *chan);
int either_copyout(int user_dst, uint64 dst, const void *src, uint64 len);
int either_copyin(void *dst, int user_src, uint64 src, uint64 len);
void procdump(void);
// Start a kernel thread running fn(arg) in its own process slot; returns its pid or -1.
int kthread_create(const char *name, void (*fn)(void *), void *arg);
int nproc_used(void);
void proc_tick(uint64 now);  // clock tick: wake sleepers whose deadline has passed

// trap.c
extern volatile uint64 ticks;  // 100 Hz tick counter; wakeup(&ticks) on every tick
extern struct spinlock tickslock;
void trap_init(void);
void trap_inithart(void);
void usertrapret(void);
#define TIME_HZ 10000000  // the virt machine's `time` counts at 10 MHz
#ifdef __riscv
// Microseconds since boot, from the `time` CSR. Inline: every send reads it.
static inline uint64
time_us(void)
{
  uint64 t;

  asm volatile("csrr %0, time" : "=r"(t));
  return t / (TIME_HZ / 1000000);
}
#else
uint64 time_us(void);  // host-side unit tests fake it
#endif
void timer_alarm(uint64 us, void (*fn)(void));  // fn on this hart after us (trap.c)
void timer_idle(void);                          // scheduler: about to wfi

// plic.c and interrupt dispatch
void plic_init(void);
void plic_inithart(void);
// Route PLIC source irq to handler(arg) on every hart; used by virtio, uart and PCI drivers.
void irq_register(int irq, void (*handler)(void *), void *arg);
void irq_dispatch(void);  // supervisor external interrupt: claim, handle, complete

// exec.c
int exec(char *path, char **argv);

// syscall.c: argument fetch for sys_* handlers (argraw, argint, argaddr: proc.h)
int argstr(int n, char *buf, int max);   // length, or -EFAULT / -ENAMETOOLONG
int fetchaddr(uint64 addr, uint64 *ip);  // 0 or -EFAULT
int fetchstr(uint64 addr, char *buf, int max);
int syscall(void);  // 1: it ran with interrupts off throughout

// sysfile.c
int argfd(int n, int *pfd, struct file **pf);  // 0, or -EBADF
int fdalloc(struct file *f);                   // fd, or -EMFILE

// poll.c
void poll_wakeup(void);  // something a poller may wait for has changed

// pci.c
void pci_init(void);

#define NELEM(x) (sizeof(x) / sizeof((x)[0]))
