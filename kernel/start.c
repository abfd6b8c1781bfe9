// Machine-mode start: runs once on every hart, straight from entry.S, then drops to
// supervisor mode in main(). Everything here is configuration of M-mode CSRs that
// S-mode cannot touch: trap delegation, physical memory protection and the timer.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "riscv.h"
#include "defs.h"

void main(void);

// Boot stacks, one per hart; entry.S points sp at the top of boot_stacks[hartid].
// main() and then the hart's scheduler run on this stack.
__attribute__((aligned(16))) char boot_stacks[NCPU][16384];   // BOOT_STACK in entry.S

// Ask for the first S-mode timer interrupt through the Sstc extension: with menvcfg.STCE
// set, the hart raises the supervisor timer interrupt (sip.STIP) whenever
// time >= stimecmp, and S-mode writes stimecmp itself [Sstc 1.0; priv 3.1.18].
static void
timer_setup(void)
{
  csr_set(mie, 1L << 5);                 // mie.STIE [priv 3.1.9]
  csr_set(0x30a, MENVCFG_STCE);          // menvcfg
  csr_set(mcounteren, COUNTEREN_TM);     // S-mode may read `time` [priv 3.1.11]
  write_stimecmp(csr_read(time) + 100000);   // first tick in 10 ms
}

// Entered in machine mode on every hart with its stack set; ends in main() in S-mode.
void
start(void)
{
  // mret returns to supervisor mode at main() [priv 3.1.6.1, 3.3.2].
  uint64 ms = csr_read(mstatus);
  ms = (ms & ~MSTATUS_MPP_MASK) | MSTATUS_MPP_S;
  csr_write(mstatus, ms);
  csr_write(mepc, (uint64)main);

  // No paging until kvm_inithart().
  csr_write(satp, 0);

  // Hand every exception and interrupt to S-mode [priv 3.1.8].
  csr_write(medeleg, 0xffff);
  csr_write(mideleg, 0xffff);
  csr_set(sie, SIE_SEIE | SIE_STIE | SIE_SSIE);

  // PMP entry 0, TOR with pmpaddr0 = all ones: S and U may access all of physical
  // memory with R, W and X [priv 3.7.1]. Without an entry S-mode may access nothing.
  csr_write(pmpaddr0, 0x3fffffffffffffUL);
  csr_write(pmpcfg0, 0x0f);   // A=TOR (bits 3-4 = 01), X, W, R

  timer_setup();

  // Keep the hart id in tp; cpuid() reads it.
  write_tp(csr_read(mhartid));

  asm volatile("mret");
}
