// Machine-mode start: runs once on every hart, straight from entry.S, then drops to
// supervisor mode in main(). Everything here is configuration of M-mode CSRs that
// S-mode cannot touch: trap delegation, physical memory protection and the timer.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "riscv.h"
#include "spinlock.h"
#include "proc.h"
#include "defs.h"

void main(void);

// Boot stacks, one per hart; entry.S points sp at the top of boot_stacks[hartid].
// main() and then the hart's scheduler run on this stack.
__attribute__((aligned(16))) char boot_stacks[NCPU][16384];  // BOOT_STACK in entry.S

#define TICK_INTERVAL 100000  // 10 ms of the 10 MHz `time` counter: 100 Hz

// CLINT (QEMU hw/intc/riscv_aclint.c, SiFive layout) at 0x2000000 on virt.
#define CLINT_MTIMECMP(hart) (0x2004000L + 8 * (hart))
#define CLINT_MTIME          0x200BFF8L

int timer_sstc;  // 1: S-mode programs stimecmp; 0: ticks come as software interrupts
uint64 mtimer_scratch[NCPU][6];  // machinevec's save area (kernelvec.S)
void machinevec(void);

// Does this hart implement stimecmp? Reading it with menvcfg.STCE set faults if not
// (machinevec skips the instruction and sets word 5 of the scratch area).
static int
has_sstc(int hart)
{
  uint64 x;

  csr_set(mcounteren, COUNTEREN_TM);  // S-mode may read `time` [priv 3.1.11]
  mtimer_scratch[hart][5] = 0;
  asm volatile("csrs 0x30a, %0" ::"r"(MENVCFG_STCE));     // menvcfg
  asm volatile("csrr %0, 0x14d" : "=r"(x) : : "memory");  // stimecmp; may fault
  return mtimer_scratch[hart][5] == 0;
}

// The timer. Preferred: the Sstc extension. With menvcfg.STCE set the hart raises the
// supervisor timer interrupt (sip.STIP) while time >= stimecmp and S-mode writes
// stimecmp itself [Sstc 1.0; priv 3.1.18]. Without it: the CLINT's machine timer,
// handled by machinevec, which forwards each tick to S-mode.
static void
timer_setup(int hart)
{
  csr_write(mtvec, (uint64)machinevec);
  csr_write(mscratch, (uint64)mtimer_scratch[hart]);
  if (has_sstc(hart)) {
    timer_sstc = 1;
    write_stimecmp(csr_read(time) + TICK_INTERVAL);
    // Park the machine timer: mip.MTIP is pending while mtime >= mtimecmp [priv 3.2.1],
    // and QEMU resets mtimecmp to 0, so it would be pending for good. MTIE is off, so the
    // hart would never take it, but QEMU wakes the thread of a hart with any mip bit set
    // on every change of any of its interrupt lines (riscv_cpu_update_mip): each PLIC
    // update, several per received frame, woke every idle hart for nothing (measured:
    // ~3.5 wakeups of each idle hart's thread per UDP round trip, 12% of a host core each).
    *(volatile uint64 *)CLINT_MTIMECMP(hart) = ~0UL;
    return;
  }
  mtimer_scratch[hart][3] = CLINT_MTIMECMP(hart);
  mtimer_scratch[hart][4] = TICK_INTERVAL;
  *(volatile uint64 *)CLINT_MTIMECMP(hart) = *(volatile uint64 *)CLINT_MTIME + TICK_INTERVAL;
  csr_set(mie, MIE_MTIE);
}

// Entered in machine mode on every hart with its stack set; ends in main() in S-mode.
volatile int harts_started;  // main() waits for this many harts to report

void
start(void)
{
  __sync_fetch_and_add(&harts_started, 1);
  timer_setup(csr_read(mhartid));  // first: its probe may trap, which resets MPP

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
  csr_write(pmpcfg0, 0x0f);  // A=TOR (bits 3-4 = 01), X, W, R

  // tp holds this hart's struct cpu for good; mycpu() and cpuid() read it.
  int hart = csr_read(mhartid);
  cpus[hart].id = hart;
  write_tp((uint64)&cpus[hart]);

  asm volatile("mret");
}
