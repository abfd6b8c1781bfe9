// The console device (major CONSOLE): line-edited input from the UART, output to it.
// Input is cooked: bytes collect in a line buffer, echoed, until newline or ^D; then
// readers get the line. Editing keys: backspace/DEL erase a byte, ^U kills the line,
// ^D ends the input (a read at the start of a line returns 0), ^P lists processes.
// Interface: devsw[CONSOLE] = { console_read, console_write, console_poll }.
#include "types.h"
#include "param.h"
#include "spinlock.h"
#include "riscv.h"
#include "defs.h"
#include "file.h"
#include "poll.h"
#include "errno.h"

#define CTRL(x)   ((x) - '@')
#define BACKSPACE 0x100  // console_putc: erase the last byte on screen
#define INBUF     128

static struct {
  struct spinlock lock;  // guards everything below
  char buf[INBUF];
  uint64 r;  // next byte a reader takes
  uint64 w;  // end of the committed lines (readers may take bytes before w)
  uint64 e;  // end of the line being edited
} cons;

// Output one byte from the kernel (printf, echo): synchronous, no sleeping.
void
console_putc(int c)
{
  if (c == BACKSPACE) {
    uart_putc_sync('\b');
    uart_putc_sync(' ');
    uart_putc_sync('\b');
  } else {
    uart_putc_sync(c);
  }
}

// write(2) on the console: copy from the user in small chunks into the UART ring.
static int
console_write(int user, uint64 src, int n)
{
  char chunk[128];  // one piece on the UART: a program's line is not split by a trace line
  int done = 0;

  while (done < n) {
    int m = n - done < sizeof(chunk) ? n - done : sizeof(chunk);
    if (either_copyin(chunk, user, src + done, m) < 0)
      return done > 0 ? done : -EFAULT;
    uart_write(chunk, m);
    done += m;
  }
  return done;
}

// read(2) on the console: up to n bytes of the current line; 0 at end of file, -EFAULT
// (nothing consumed) for a bad address.
static int
console_read(int user, uint64 dst, int n)
{
  int got = 0;

  spin_lock(&cons.lock);
  while (got < n) {
    while (cons.r == cons.w) {
      if (current_killed()) {
        spin_unlock(&cons.lock);
        return got > 0 ? got : -EINTR;
      }
      sleep(&cons.r, &cons.lock);
    }
    char c = cons.buf[cons.r % INBUF];
    if (c == CTRL('D')) {
      if (got == 0)
        cons.r++;  // consume it: this read returns 0 (end of file)
      break;       // otherwise leave it for the next read
    }
    if (either_copyout(user, dst + got, &c, 1) < 0) {
      spin_unlock(&cons.lock);  // the byte stays for the next read
      return got > 0 ? got : -EFAULT;
    }
    cons.r++;
    got++;
    if (c == '\n')
      break;
  }
  spin_unlock(&cons.lock);
  return got;
}

// Readable when a committed line (or ^D) is waiting; always writable.
int
console_poll(int events)
{
  int ready = POLLOUT;

  spin_lock(&cons.lock);
  if (cons.r != cons.w)
    ready |= POLLIN;
  spin_unlock(&cons.lock);
  return ready & (events | POLLERR | POLLHUP);
}

// Commit the edited line so readers can take it.
static void
commit_line(void)
{
  cons.w = cons.e;
  wakeup(&cons.r);
  poll_wakeup();
}

// One byte typed at the console (called from the UART interrupt).
void
console_intr(int c)
{
  int dump = 0;

  spin_lock(&cons.lock);
  switch (c) {
  case CTRL('P'):
    dump = 1;
    break;
  case CTRL('U'):
    while (cons.e != cons.w && cons.buf[(cons.e - 1) % INBUF] != '\n') {
      cons.e--;
      console_putc(BACKSPACE);
    }
    break;
  case '\b':
  case 0x7f:
    if (cons.e != cons.w) {
      cons.e--;
      console_putc(BACKSPACE);
    }
    break;
  default:
    if (c == 0 || cons.e - cons.r >= INBUF)
      break;
    if (c == '\r')
      c = '\n';
    if (c != CTRL('D'))
      console_putc(c);
    cons.buf[cons.e++ % INBUF] = c;
    if (c == '\n' || c == CTRL('D') || cons.e - cons.r == INBUF)
      commit_line();
  }
  spin_unlock(&cons.lock);
  if (dump)
    procdump();
}

void
console_init(void)
{
  spin_init(&cons.lock, "console");
  uart_init();
  devsw[CONSOLE].read = console_read;
  devsw[CONSOLE].write = console_write;
  devsw[CONSOLE].poll = console_poll;
}
