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

static volatile int boot_done;  // set by hart 0 when the others may proceed

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
  bcache_init();
  inode_init();
  file_init();
  virtio_disk_init();
  net_init();
  user_init();
  __sync_synchronize();
  boot_done = 1;
}

// Every hart: after hart 0 is done, join the scheduler.
void
main(void)
{
  if (cpuid() == 0) {
    boot_hart0();
  } else {
    while (boot_done == 0)
      ;
    __sync_synchronize();
    kvm_inithart();
    trap_inithart();
    plic_inithart();
    printf("hart %d starting\n", cpuid());
  }
  scheduler();
}
