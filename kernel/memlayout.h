// Physical and virtual memory layout of the QEMU `virt` machine and of our address spaces.
//
// Physical (QEMU hw/riscv/virt.c):
//   0x0C000000 PLIC
//   0x10000000 UART0 (16550, PLIC source 10)
//   0x10001000 virtio-mmio disk (PLIC source 1)
//   0x30000000 PCIe ECAM (bus << 20 | dev << 15 | fn << 12)
//   0x40000000 PCIe 32-bit MMIO window (we place BARs here)
//   0x80000000 RAM; the kernel is loaded here, free pages run to PHYSTOP.
//
// Kernel virtual memory is identity mapped (VA == PA) for RAM and devices, so a physical
// address handed to a DMA engine is simply the kernel pointer cast to uint64. At the top
// of the address space: the kernel stacks, each with unmapped guard pages below it.
//
// Every user page table holds the kernel's mappings too (without PTE_U, so user mode
// cannot touch them), so a trap or system call runs in the kernel without changing satp:
// changing satp costs a full TLB flush (and QEMU flushes its whole software TLB). User
// memory lives below USERTOP, from 0: text, data, bss, guard page, stack, heap (sbrk).
// The kernel owns every mapping at or above USERTOP; vm.c shares them with each process.
//
// The very top of the address space, root entry 511 (the sign-extended upper half of
// Sv39), holds one page in each user table only: the process's trapframe, in the page's
// upper half, so at TRAPFRAME_VA = -2048. An address within 2 KiB below zero is an
// offset from register x0 (a load or store takes a signed 12-bit offset [unpriv 2.6]),
// so uservec saves the user's registers there without first freeing a register for the
// trapframe's address, and without touching a CSR (under QEMU each CSR access leaves the
// translated code: ~0.2 us).
#pragma once

#define UART0     0x10000000L
#define UART0_IRQ 10

#define VIRTIO0     0x10001000L
#define VIRTIO0_IRQ 1

#define PLIC                 0x0c000000L
#define PLIC_PRIORITY        (PLIC + 0x0)
#define PLIC_PENDING         (PLIC + 0x1000)
#define PLIC_SENABLE(hart)   (PLIC + 0x2080 + (hart)*0x100)
#define PLIC_SPRIORITY(hart) (PLIC + 0x201000 + (hart)*0x2000)
#define PLIC_SCLAIM(hart)    (PLIC + 0x201004 + (hart)*0x2000)

#define PCIE_ECAM      0x30000000L
#define PCIE_ECAM_SIZE (16L * 1024 * 1024)  // buses 0..15 are mapped
#define PCIE_MMIO      0x40000000L
#define PCIE_MMIO_SIZE (16L * 1024 * 1024)  // BARs we assign live here
#define PCIE_INTX_IRQ  32                   // INTA..INTD -> PLIC 32..35

#define KERNBASE 0x80000000L
#define PHYSTOP  (KERNBASE + 128 * 1024 * 1024)

// One beyond the highest Sv39 virtual address (avoid sign extension).
#define MAXVA (1L << (9 + 9 + 9 + 12 - 1))

// User memory ends where the first device (the PLIC) begins: 192 MiB, more than RAM.
#define USERTOP PLIC

#define KSTACK_PAGES 2
// Kernel stack of process slot p: KSTACK_PAGES pages at the bottom of a KSTACK_STRIDE
// slot; the rest of the slot, below the next one up, stays unmapped (a guard). The
// stride is a power of two, so that myproc() finds the slot from sp with a shift.
#define KSTACK_STRIDE (4 * PGSIZE)
#define KSTACK(p)     (MAXVA - ((p) + 1) * KSTACK_STRIDE)

// Where each user table maps its process's trapframe (struct trapframe, proc.h).
#define TRAPFRAME_VA   (-2048L)
#define TRAPFRAME_PAGE (TRAPFRAME_VA - 2048)  // the page it lies in: it is the upper half
