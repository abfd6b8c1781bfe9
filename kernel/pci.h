// PCI configuration space (PCI Local Bus spec 3.0, 6.1: the type 0 header) as pci.c
// reads it through the ECAM window, and the drivers pci.c attaches to what it finds.
#pragma once
#include "types.h"

// ECAM: the 4 KiB configuration space of bus/slot/function [PCIe base spec 7.2.2].
#define PCI_ECAM_ADDR(bus, slot, fn) \
  (PCIE_ECAM + ((uint64)(bus) << 20) + ((uint64)(slot) << 15) + ((uint64)(fn) << 12))
#define PCI_NBUS  16  // buses mapped by PCIE_ECAM_SIZE
#define PCI_NSLOT 32
#define PCI_NFN   8

// Type 0 header, byte offsets (read as 32-bit words)
#define PCI_ID      0x00  // device id 31:16, vendor id 15:0 (0xFFFF: nothing there)
#define PCI_COMMAND 0x04  // command 15:0, status 31:16
#define PCI_HEADER  0x0C  // header type 23:16; bit 23 = multi-function
#define PCI_BAR0    0x10
#define PCI_INTR    0x3C  // interrupt pin 15:8 (1 = INTA .. 4 = INTD), line 7:0

#define PCI_CMD_MEM       (1u << 1)  // respond to memory space accesses
#define PCI_CMD_BUSMASTER (1u << 2)  // may DMA (e1000: no DMA, no receive without it)
#define PCI_HEADER_MF     (1u << 23)

#define PCI_BAR_IO       0x1          // BAR bit 0: I/O space
#define PCI_BAR_TYPE64   0x4          // BAR bits 2:1 = 10: 64-bit memory BAR
#define PCI_BAR_MEM_MASK 0xFFFFFFF0u  // address bits of a memory BAR

#define PCI_VENDOR_INTEL   0x8086
#define PCI_DEVICE_82540EM 0x100E  // QEMU `-device e1000`

// Drivers the scan attaches (regs: the BAR0 address, mapped; irq: the PLIC source).
int e1000_init(uint64 regs, int irq);
