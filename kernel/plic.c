// The platform-level interrupt controller (PLIC) and device-interrupt dispatch.
// Drivers call irq_register(irq, handler, arg); the source gets priority 1 and is
// enabled in the supervisor context of one hart, IRQ_HART: enabled on every hart, each
// interrupt would wake every idle hart, all but one of which would claim nothing (under
// QEMU, host threads woken for no work). On an external interrupt: claim, call the
// handler, complete.
// Register layout: RISC-V PLIC specification 1.0 and QEMU hw/intc/sifive_plic.c;
// hart h's S-mode context is context 2h+1 on virt (memlayout.h).
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "riscv.h"
#include "spinlock.h"
#include "defs.h"

#define reg32(a) (*(volatile uint32 *)(a))

#define IRQ_HART 0  // the hart that takes device interrupts (hart 0 always boots)

static struct {
  struct spinlock lock;  // guards the table and ready[]
  void (*fn[NIRQ])(void *);
  void *arg[NIRQ];
  int ready[NCPU];  // hart has run plic_inithart
} irqs;

void
plic_init(void)
{
  spin_init(&irqs.lock, "irq");
}

// Enable source irq in hart's supervisor context. Caller holds irqs.lock.
static void
enable_on(int hart, int irq)
{
  volatile uint32 *en = (volatile uint32 *)PLIC_SENABLE(hart) + irq / 32;
  *en |= 1U << (irq % 32);
}

// This hart: accept every priority above 0; on IRQ_HART, every registered source.
void
plic_inithart(void)
{
  int hart = cpuid();

  spin_lock(&irqs.lock);
  reg32(PLIC_SPRIORITY(hart)) = 0;  // threshold
  for (int irq = 1; irq < NIRQ && hart == IRQ_HART; irq++) {
    if (irqs.fn[irq])
      enable_on(hart, irq);
  }
  irqs.ready[hart] = 1;
  spin_unlock(&irqs.lock);
}

// Route PLIC source irq to handler(arg), on IRQ_HART.
void
irq_register(int irq, void (*handler)(void *), void *arg)
{
  if (irq <= 0 || irq >= NIRQ)
    panic("irq_register: bad irq");
  spin_lock(&irqs.lock);
  irqs.fn[irq] = handler;
  irqs.arg[irq] = arg;
  reg32(PLIC_PRIORITY + irq * 4) = 1;
  if (irqs.ready[IRQ_HART])
    enable_on(IRQ_HART, irq);
  spin_unlock(&irqs.lock);
}

// A supervisor external interrupt: claim the source, run its handler, complete it.
void
irq_dispatch(void)
{
  int hart = cpuid();
  uint32 irq = reg32(PLIC_SCLAIM(hart));  // 0: another hart took it

  if (irq == 0)
    return;
  if (irq < NIRQ && irqs.fn[irq])
    irqs.fn[irq](irqs.arg[irq]);
  else
    printf("irq %d: no handler\n", irq);
  reg32(PLIC_SCLAIM(hart)) = irq;  // complete
}
