// main(): where every hart arrives in supervisor mode from start(). Hart 0 initializes
// the kernel's subsystems in dependency order and creates the first process; the other
// harts wait for it, then turn on paging, traps and interrupts and join the scheduler.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "riscv.h"
#include "defs.h"
#include "file.h"
#include "fs.h"
#include "net/net.h"

// Boot stages, set by hart 0: the other harts may turn on paging and traps at
// BOOT_PAGING, and enter the scheduler at BOOT_DONE.
#define BOOT_PAGING 1
#define BOOT_DONE   2
static volatile int boot_stage;
extern volatile int harts_started;  // start.c: harts that came out of reset
static volatile int harts_ready;    // harts other than 0 that have said hello

// Hart 0: bring up the kernel.
static void
boot_hart0(void)
{
  console_init();  // uart too, so printf works from here on
  printf_init();
  printf("\nrvnet kernel is booting (%ld us)\n\n", (long)time_us());
  kalloc_init();
  kvm_init();
  kvm_inithart();
  proc_init();
  trap_init();
  trap_inithart();
  plic_init();
  plic_inithart();
  __sync_synchronize();
  boot_stage = BOOT_PAGING;
  bcache_init();
  inode_init();
  file_init();
  virtio_disk_init();
  net_init();
  // Let every hart print its line before user programs start writing to the console.
  while (harts_ready < harts_started - 1)
    ;
  user_init();
  __sync_synchronize();
  boot_stage = BOOT_DONE;
}

// Harts other than 0: wait for the kernel page table, then for the end of boot.
static void
boot_other(void)
{
  while (boot_stage < BOOT_PAGING)
    ;
  __sync_synchronize();
  kvm_inithart();
  trap_inithart();
  plic_inithart();
  printf("hart %d starting\n", cpuid());
  __sync_fetch_and_add(&harts_ready, 1);
  while (boot_stage < BOOT_DONE)
    ;
  __sync_synchronize();
}

// Every hart arrives here in supervisor mode; all end in the scheduler.
void
main(void)
{
  if (cpuid() == 0)
    boot_hart0();
  else
    boot_other();
  scheduler();
}
