// Formatted output for the kernel: printf to the console, snprintf into a buffer, panic.
// Conversions: %d %u %x %p %s %c %% and the long forms %ld %lu %lx (also %lld...).
// printf holds print_lock so lines from different harts do not interleave; panic
// skips the lock, sets `panicked` and stops this hart; the others stop when they next
// print or take a timer interrupt (see trap.c).
#include <stdarg.h>
#include "types.h"
#include "param.h"
#include "spinlock.h"
#include "riscv.h"
#include "defs.h"

volatile int panicked;
static struct spinlock print_lock;
static int print_locking;  // 0 until printf_init and after a panic

// Where formatted characters go: the console, or a bounded buffer.
struct sink {
  char *buf;  // 0: console
  int size;
  int len;  // characters produced (may exceed size)
};

static void
emit(struct sink *s, int c)
{
  if (s->buf == 0)
    console_putc(c);
  else if (s->len < s->size - 1)
    s->buf[s->len] = c;
  s->len++;
}

// Write x in base (10 or 16); sign applies to base 10 only.
static void
emit_num(struct sink *s, uint64 x, int base, int is_signed)
{
  char digits[24];
  int n = 0;

  if (is_signed && (int64)x < 0) {
    emit(s, '-');
    x = -(int64)x;
  }
  do {
    digits[n++] = "0123456789abcdef"[x % base];
    x /= base;
  } while (x != 0);
  while (n > 0)
    emit(s, digits[--n]);
}

// Fetch one integer argument of the given size and signedness.
static uint64
take_int(va_list *ap, int longs, int is_signed)
{
  if (longs > 0)
    return va_arg(*ap, uint64);
  if (is_signed)
    return (uint64)(int64)va_arg(*ap, int);
  return va_arg(*ap, uint);
}

// One conversion (the character after % and any l's).
static void
emit_conv(struct sink *s, char conv, int longs, va_list *ap)
{
  char *str;

  switch (conv) {
  case 'd':
    emit_num(s, take_int(ap, longs, 1), 10, 1);
    break;
  case 'u':
    emit_num(s, take_int(ap, longs, 0), 10, 0);
    break;
  case 'x':
    emit_num(s, take_int(ap, longs, 0), 16, 0);
    break;
  case 'p':
    emit(s, '0');
    emit(s, 'x');
    emit_num(s, va_arg(*ap, uint64), 16, 0);
    break;
  case 's':
    for (str = va_arg(*ap, char *) ?: "(null)"; *str; str++)
      emit(s, *str);
    break;
  case 'c':
    emit(s, va_arg(*ap, int));
    break;
  case '%':
    emit(s, '%');
    break;
  default:  // unknown: print it as written
    emit(s, '%');
    emit(s, conv);
  }
}

// The formatter shared by printf and snprintf.
static void
format(struct sink *s, const char *fmt, va_list ap)
{
  for (; *fmt; fmt++) {
    if (*fmt != '%') {
      emit(s, *fmt);
      continue;
    }
    int longs = 0;
    while (*++fmt == 'l')
      longs++;
    if (*fmt == 0)
      return;  // a lone % at the end
    emit_conv(s, *fmt, longs, &ap);
  }
}

// Print to the console; returns the number of characters.
int
printf(const char *fmt, ...)
{
  struct sink s = { 0, 0, 0 };
  va_list ap;
  int locking = print_locking;

  if (locking) {
    spin_lock(&print_lock);
    uart_sync_begin();  // the whole message goes out in one piece, after queued output
  }
  va_start(ap, fmt);
  format(&s, fmt, ap);
  va_end(ap);
  if (locking) {
    uart_sync_end();
    spin_unlock(&print_lock);
  }
  return s.len;
}

// Format into buf (at most size-1 characters and a NUL); returns the untruncated length.
int
snprintf(char *buf, int size, const char *fmt, ...)
{
  struct sink s = { buf, size, 0 };
  va_list ap;

  if (size <= 0)
    return 0;
  va_start(ap, fmt);
  format(&s, fmt, ap);
  va_end(ap);
  buf[s.len < size ? s.len : size - 1] = 0;
  return s.len;
}

// Print the call chain by walking saved frame pointers (-fno-omit-frame-pointer).
static void
backtrace(void)
{
  uint64 fp = read_fp();
  uint64 top = PGROUNDUP(fp);

  printf("backtrace:\n");
  while (fp > top - PGSIZE && fp < top) {
    printf("  %p\n", *(void **)(fp - 8));
    fp = *(uint64 *)(fp - 16);
  }
}

// A broken invariant: report it and stop this hart for good.
void
panic(const char *msg)
{
  intr_off();
  print_locking = 0;
  printf("panic (hart %d): %s\n", cpuid(), msg);
  backtrace();
  panicked = 1;
  for (;;)
    asm volatile("wfi");
}

void
printf_init(void)
{
  spin_init(&print_lock, "printf");
  print_locking = 1;
}
