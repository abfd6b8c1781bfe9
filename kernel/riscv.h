// RISC-V privileged architecture: CSR access, status bits, Sv39 page-table entries.
// Interface: csr_read(sstatus), csr_write(stvec, x), csr_set(sie, SIE_STIE), csr_clear(...),
// csr_read_clear(sstatus, SSTATUS_SIE),
// intr_on/intr_off/intr_get, read_tp/write_tp, sfence_vma, and the PTE/page macros.
// Bit positions cite "The RISC-V Instruction Set Manual, Volume II: Privileged Architecture"
// (version 20211203), abbreviated [priv x.y.z].
#pragma once
#ifndef __ASSEMBLER__
#include "types.h"

// CSRs are named by their assembler names, e.g. csr_read(sepc).
#define csr_read(csr)                           \
  ({                                            \
    uint64 __v;                                 \
    asm volatile("csrr %0, " #csr : "=r"(__v)); \
    __v;                                        \
  })
#define csr_write(csr, val)  asm volatile("csrw " #csr ", %0" ::"r"((uint64)(val)))
#define csr_set(csr, bits)   asm volatile("csrs " #csr ", %0" ::"r"((uint64)(bits)))
#define csr_clear(csr, bits) asm volatile("csrc " #csr ", %0" ::"r"((uint64)(bits)))
// Clear bits and return the value from before, in one access (csrrc).
#define csr_read_clear(csr, bits)                                             \
  ({                                                                          \
    uint64 __v;                                                               \
    asm volatile("csrrc %0, " #csr ", %1" : "=r"(__v) : "r"((uint64)(bits))); \
    __v;                                                                      \
  })

// mstatus [priv 3.1.6]
#define MSTATUS_MPP_MASK (3L << 11)  // previous privilege mode
#define MSTATUS_MPP_S    (1L << 11)
#define MSTATUS_MIE      (1L << 3)

// sstatus [priv 4.1.1]
#define SSTATUS_SPP  (1L << 8)   // previous mode: 1 supervisor, 0 user
#define SSTATUS_SPIE (1L << 5)   // interrupts enabled before the trap
#define SSTATUS_SIE  (1L << 1)   // supervisor interrupt enable
#define SSTATUS_SUM  (1L << 18)  // supervisor may access user pages

// sie / sip [priv 4.1.3]
#define SIE_SSIE (1L << 1)  // software
#define SIE_STIE (1L << 5)  // timer
#define SIE_SEIE (1L << 9)  // external (PLIC)

// mie [priv 3.1.9]
#define MIE_MTIE (1L << 7)

// scause [priv 4.1.9]: the top bit says interrupt; the rest is the code.
#define SCAUSE_INTR          (1L << 63)
#define IRQ_S_SOFT           1
#define IRQ_S_TIMER          5
#define IRQ_S_EXT            9
#define EXC_INST_MISALIGNED  0
#define EXC_INST_ACCESS      1
#define EXC_ILLEGAL_INST     2
#define EXC_BREAKPOINT       3
#define EXC_LOAD_MISALIGNED  4
#define EXC_LOAD_ACCESS      5
#define EXC_STORE_MISALIGNED 6
#define EXC_STORE_ACCESS     7
#define EXC_ECALL_U          8
#define EXC_INST_PAGE_FAULT  12
#define EXC_LOAD_PAGE_FAULT  13
#define EXC_STORE_PAGE_FAULT 15

// menvcfg.STCE: S-mode may use stimecmp (Sstc extension) [Sstc spec, priv 3.1.18]
#define MENVCFG_STCE (1UL << 63)
// mcounteren / scounteren: bit 1 lets the lower mode read `time` [priv 3.1.11]
#define COUNTEREN_TM (1L << 1)

// satp [priv 4.1.11]: MODE=8 selects Sv39; PPN of the root table in the low bits.
#define SATP_SV39     (8L << 60)
#define MAKE_SATP(pt) (SATP_SV39 | (((uint64)(pt)) >> 12))

static inline void
intr_on(void)
{
  csr_set(sstatus, SSTATUS_SIE);
}

static inline void
intr_off(void)
{
  csr_clear(sstatus, SSTATUS_SIE);
}

static inline int
intr_get(void)
{
  return (csr_read(sstatus) & SSTATUS_SIE) != 0;
}

// tp holds the address of this hart's struct cpu (set in start(), kept by uservec).
static inline uint64
read_tp(void)
{
  uint64 x;
  asm volatile("mv %0, tp" : "=r"(x));
  return x;
}

// This hart's id: the first field of the struct cpu that tp points at (proc.h checks the
// layout). Call holding a spin lock or with interrupts off: otherwise the thread may
// move to another hart right after reading it.
static inline int
cpuid(void)
{
  return *(int *)read_tp();
}

static inline void
write_tp(uint64 x)
{
  asm volatile("mv tp, %0" ::"r"(x));
}

static inline uint64
read_sp(void)
{
  uint64 x;
  asm volatile("mv %0, sp" : "=r"(x));
  return x;
}

static inline uint64
read_fp(void)
{
  uint64 x;
  asm volatile("mv %0, s0" : "=r"(x));
  return x;
}

// stimecmp (CSR 0x14D, Sstc extension): the supervisor timer interrupt is pending
// while time >= stimecmp. Named by number: older assemblers do not know the name.
static inline void
write_stimecmp(uint64 x)
{
  asm volatile("csrw 0x14d, %0" ::"r"(x));
}

// Flush every TLB entry of this hart [priv 4.2.1].
static inline void
sfence_vma(void)
{
  asm volatile("sfence.vma zero, zero");
}
#endif

#define PGSIZE         4096
#define PGSHIFT        12
#define PGROUNDUP(a)   (((a) + PGSIZE - 1) & ~(uint64)(PGSIZE - 1))
#define PGROUNDDOWN(a) ((a) & ~(uint64)(PGSIZE - 1))

// Sv39 PTE bits [priv 4.3.1, 4.4.1]
#define PTE_V          (1L << 0)
#define PTE_R          (1L << 1)
#define PTE_W          (1L << 2)
#define PTE_X          (1L << 3)
#define PTE_U          (1L << 4)
#define PTE_A          (1L << 6)
#define PTE_D          (1L << 7)
#define PTE_FLAGS(pte) ((pte)&0x3FF)
// The PPN sits at bit 10 of a PTE and at bit 12 of an address.
#define PTE_TO_PA(pte) (((pte) >> 10) << 12)
#define PA_TO_PTE(pa)  ((((uint64)(pa)) >> 12) << 10)
// Index into the table of a given level (2 = root) for va: 9 bits per level.
#define VPN(level, va) ((((uint64)(va)) >> (PGSHIFT + 9 * (level))) & 0x1FF)
