// PCI on the QEMU virt machine: find devices through the ECAM window, give their BAR0 an
// address in the PCIe MMIO window, enable them, and attach the driver.
//
// Interface: pci_init() (defs.h), called by net_init once the packet pool and the stack are
// ready, because e1000_init starts receiving at once. There is no firmware (-bios none), so
// nobody has assigned addresses before us. Only bus 0 is populated on virt, but every
// bus, slot and function in the ECAM window is scanned.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "defs.h"
#include "pci.h"

static uint64 mmio_next = PCIE_MMIO;  // next free address in the MMIO window

// The 32-bit configuration register at offset off of bus/slot/fn.
static volatile uint32 *
pci_cfg(int bus, int slot, int fn, int off)
{
  return (volatile uint32 *)(PCI_ECAM_ADDR(bus, slot, fn) + off);
}

// Size BAR0 (write all-ones, read back the mask) and place it in the MMIO window.
// Returns its address, or 0 if it is not a memory BAR or does not fit.
static uint64
pci_assign_bar0(int bus, int slot, int fn)
{
  volatile uint32 *bar = pci_cfg(bus, slot, fn, PCI_BAR0);
  uint32 orig, mask;
  uint64 size, addr;

  orig = *bar;
  if (orig & PCI_BAR_IO)
    return 0;
  *bar = 0xFFFFFFFF;
  mask = *bar & PCI_BAR_MEM_MASK;
  if (mask == 0)
    return 0;
  size = (uint32)(~mask + 1);  // the BAR's size is its alignment [PCI 3.0, 6.2.5.1]
  addr = (mmio_next + size - 1) & ~(size - 1);
  if (addr + size > PCIE_MMIO + PCIE_MMIO_SIZE)
    return 0;
  mmio_next = addr + size;
  *bar = (uint32)addr;
  if (orig & PCI_BAR_TYPE64)
    bar[1] = 0;  // upper half of a 64-bit BAR: the window is below 4 GiB
  return addr;
}

// The PLIC source of a device's INTx pin. QEMU virt (hw/riscv/virt.c create_pcie_irq_map)
// swizzles INTA..INTD of slot s onto PCIE_INTX_IRQ + (pin - 1 + s) % 4. Valid on bus 0;
// a device behind a bridge would be swizzled again by the bridge.
static int
pci_irq(int bus, int slot, int fn)
{
  int pin = (*pci_cfg(bus, slot, fn, PCI_INTR) >> 8) & 0xFF;

  if (pin < 1 || pin > 4)
    return -1;
  return PCIE_INTX_IRQ + (pin - 1 + slot) % 4;
}

// Enable the e1000 at bus/slot/fn and hand it to its driver.
static void
pci_attach_e1000(int bus, int slot, int fn)
{
  volatile uint32 *cmd = pci_cfg(bus, slot, fn, PCI_COMMAND);
  uint64 regs;
  int irq;

  *cmd = *cmd & 0xFFFF & ~PCI_CMD_MEM;  // no decoding while BAR0 moves
  regs = pci_assign_bar0(bus, slot, fn);
  irq = pci_irq(bus, slot, fn);
  if (regs == 0 || irq < 0) {
    printf("pci %d:%d.%d: e1000 without a usable BAR0 or interrupt\n", bus, slot, fn);
    return;
  }
  // Writing the status half as 0 leaves its write-1-to-clear bits alone.
  *cmd = (*cmd & 0xFFFF) | PCI_CMD_MEM | PCI_CMD_BUSMASTER;
  if (e1000_init(regs, irq) < 0)
    printf("pci %d:%d.%d: e1000_init failed\n", bus, slot, fn);
}

// Look at one function; returns 1 if something is there.
static int
pci_probe(int bus, int slot, int fn)
{
  uint32 id = *pci_cfg(bus, slot, fn, PCI_ID);

  if ((id & 0xFFFF) == 0xFFFF)
    return 0;
  if ((id & 0xFFFF) == PCI_VENDOR_INTEL && (id >> 16) == PCI_DEVICE_82540EM)
    pci_attach_e1000(bus, slot, fn);
  return 1;
}

// Scan every bus, slot and function of the ECAM window.
void
pci_init(void)
{
  int bus, slot, fn, nfn;

  for (bus = 0; bus < PCI_NBUS; bus++) {
    for (slot = 0; slot < PCI_NSLOT; slot++) {
      if (!pci_probe(bus, slot, 0))
        continue;
      nfn = (*pci_cfg(bus, slot, 0, PCI_HEADER) & PCI_HEADER_MF) ? PCI_NFN : 1;
      for (fn = 1; fn < nfn; fn++)
        pci_probe(bus, slot, fn);
    }
  }
}
