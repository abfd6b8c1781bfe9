// The 16550 UART at UART0 (QEMU virt), interrupt driven.
// Output: uart_putc() puts bytes into a ring drained by the transmit-empty interrupt
// (and sleeps while the ring is full); uart_putc_sync() spins on the line status and
// is for printf, echo and panic. Input: each received byte goes to console_intr().
// Register offsets and bits: the 16550D data sheet (National Semiconductor), table 2.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "spinlock.h"
#include "riscv.h"
#include "defs.h"

#define RHR 0  // receive holding (read)
#define THR 0  // transmit holding (write)
#define DLL 0  // divisor latch low (with LCR_DLAB)
#define IER 1  // interrupt enable
#define DLM 1  // divisor latch high (with LCR_DLAB)
#define FCR 2  // FIFO control (write)
#define ISR 2  // interrupt status (read)
#define LCR 3  // line control
#define LSR 5  // line status

#define IER_RX     0x01  // received data available
#define IER_TX     0x02  // transmit holding register empty
#define FCR_ENABLE 0x01
#define FCR_CLEAR  0x06  // clear both FIFOs
#define LCR_8N1    0x03
#define LCR_DLAB   0x80
#define LSR_DR     0x01  // a byte is waiting in RHR
#define LSR_THRE   0x20  // THR can take a byte

#define reg(r) ((volatile uchar *)(UART0 + (r)))

extern volatile int panicked;

#define TXBUF 256
static struct {
  struct spinlock lock;  // guards buf, head and tail
  char buf[TXBUF];
  uint64 head;  // next byte to send (buf[head % TXBUF])
  uint64 tail;  // next free slot
} tx;

static void uart_irq(void *arg);

void
uart_init(void)
{
  *reg(IER) = 0;
  *reg(LCR) = LCR_DLAB;
  *reg(DLL) = 3;  // 115200 / 3 = 38400 baud (QEMU ignores it)
  *reg(DLM) = 0;
  *reg(LCR) = LCR_8N1;
  *reg(FCR) = FCR_ENABLE | FCR_CLEAR;
  *reg(IER) = IER_RX | IER_TX;
  spin_init(&tx.lock, "uart");
  irq_register(UART0_IRQ, uart_irq, 0);
}

// Move bytes from the ring to the UART while it has room. Caller holds tx.lock.
static void
uart_kick(void)
{
  uint64 head = tx.head;

  while (tx.head != tx.tail && (*reg(LSR) & LSR_THRE)) {
    *reg(THR) = tx.buf[tx.head % TXBUF];
    tx.head++;
  }
  if (tx.head != head)
    wakeup(&tx.head);  // room in the ring for uart_write(): once, not for every byte
}

// Queue one byte for output; sleeps while the ring is full. Process context only.
void
uart_putc(int c)
{
  spin_lock(&tx.lock);
  while (panicked)
    ;
  while (tx.tail - tx.head == TXBUF)
    sleep(&tx.head, &tx.lock);
  tx.buf[tx.tail % TXBUF] = c;
  tx.tail++;
  uart_kick();
  spin_unlock(&tx.lock);
}

// Queue n bytes (n <= TXBUF) as one piece: another writer's bytes cannot land inside
// them. Sleeps until there is room for all of them. Process context only.
void
uart_write(const char *s, int n)
{
  if (n > TXBUF)
    panic("uart_write: too long");
  spin_lock(&tx.lock);
  while (TXBUF - (tx.tail - tx.head) < (uint64)n)
    sleep(&tx.head, &tx.lock);
  for (int i = 0; i < n; i++)
    tx.buf[(tx.tail + i) % TXBUF] = s[i];
  tx.tail += n;
  uart_kick();
  spin_unlock(&tx.lock);
}

// Kernel printf: own the UART for one message. First send what user programs queued
// (so output stays in order), then the caller writes with uart_putc_sync and calls
// uart_sync_end. A trace line from another hart cannot split a program's line.
void
uart_sync_begin(void)
{
  spin_lock(&tx.lock);
  while (tx.head != tx.tail) {
    uart_putc_sync(tx.buf[tx.head % TXBUF]);
    tx.head++;
  }
  wakeup(&tx.head);
}

void
uart_sync_end(void)
{
  spin_unlock(&tx.lock);
}

// Write one byte, spinning until the UART takes it. Usable with interrupts off.
void
uart_putc_sync(int c)
{
  irq_push_off();
  while (panicked)
    ;
  while ((*reg(LSR) & LSR_THRE) == 0)
    ;
  *reg(THR) = c;
  irq_pop_off();
}

// Interrupt: deliver received bytes, then keep transmitting.
void
uart_intr(void)
{
  (void)*reg(ISR);  // reading ISR acknowledges a transmit-empty interrupt
  while (*reg(LSR) & LSR_DR)
    console_intr(*reg(RHR));
  spin_lock(&tx.lock);
  uart_kick();
  spin_unlock(&tx.lock);
}

static void
uart_irq(void *arg)
{
  uart_intr();
}
