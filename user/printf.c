// Formatted output for user programs: printf (fd 1), fprintf (any fd) and snprintf.
//
// Conversions: %d %i %u %x %X %p %s %c %%, with an optional 'l' or 'll' (64-bit), a field
// width, and the '-' (left-justify) and '0' (zero-pad) flags. Output to a descriptor is
// gathered in a small buffer and written in as few write() calls as possible.
#include "user/user.h"

// Where formatted bytes go: a descriptor (through buf) or a caller's string.
struct sink {
  int fd;  // -1 for a string sink
  char *buf;
  int cap;    // usable bytes in buf (string sink: size - 1 for the NUL)
  int len;    // bytes held in buf
  int total;  // bytes produced, including any that did not fit
};

// Write out what a descriptor sink holds.
static void
sink_flush(struct sink *s)
{
  if (s->fd >= 0 && s->len > 0) {
    writeall(s->fd, s->buf, s->len);
    s->len = 0;
  }
}

// Add one byte to the sink (a string sink drops what does not fit).
static void
sink_putc(struct sink *s, char c)
{
  if (s->len >= s->cap)
    sink_flush(s);
  if (s->len < s->cap)
    s->buf[s->len++] = c;
  s->total++;
}

// Emit str padded to width (negative width: pad on the right).
static void
put_padded(struct sink *s, const char *str, int n, int width, char pad)
{
  int left = width > n ? width - n : 0;

  if (pad == '-') {
    while (n-- > 0)
      sink_putc(s, *str++);
    while (left-- > 0)
      sink_putc(s, ' ');
    return;
  }
  // zero padding goes after a sign
  if (pad == '0' && n > 0 && *str == '-') {
    sink_putc(s, *str++);
    n--;
  }
  while (left-- > 0)
    sink_putc(s, pad);
  while (n-- > 0)
    sink_putc(s, *str++);
}

// Format an unsigned 64-bit value in base into out (backwards), return its start.
static char *
fmt_unsigned(char *end, uint64 v, int base, int upper)
{
  const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  char *p = end;

  *p = 0;
  do {
    *--p = digits[v % base];
    v /= base;
  } while (v);
  return p;
}

// Format one integer conversion c with the given length modifier.
static void
put_int(struct sink *s, va_list *ap, char c, int lng, int width, char pad)
{
  char tmp[24];
  char *p;
  int64 v;

  if (c == 'd' || c == 'i') {
    v = lng ? va_arg(*ap, int64) : va_arg(*ap, int);
    p = fmt_unsigned(tmp + sizeof(tmp) - 1, v < 0 ? -(uint64)v : (uint64)v, 10, 0);
    if (v < 0)
      *--p = '-';
  } else if (c == 'p') {
    p = fmt_unsigned(tmp + sizeof(tmp) - 1, va_arg(*ap, uint64), 16, 0);
    *--p = 'x';
    *--p = '0';
  } else {
    uint64 u = lng ? va_arg(*ap, uint64) : va_arg(*ap, uint);
    p = fmt_unsigned(tmp + sizeof(tmp) - 1, u, c == 'u' ? 10 : 16, c == 'X');
  }
  put_padded(s, p, strlen(p), width, pad);
}

// The formatting engine shared by every entry point.
static void
vformat(struct sink *s, const char *fmt, va_list ap)
{
  char pad, c;
  int width, lng;
  const char *str;

  for (; (c = *fmt) != 0; fmt++) {
    if (c != '%') {
      sink_putc(s, c);
      continue;
    }
    pad = ' ';
    width = 0;
    lng = 0;
    for (; fmt[1] == '-' || fmt[1] == '0'; fmt++)
      pad = (fmt[1] == '-' || pad == '-') ? '-' : '0';
    for (; isdigit(fmt[1]); fmt++)
      width = width * 10 + (fmt[1] - '0');
    for (; fmt[1] == 'l'; fmt++)
      lng = 1;
    c = *++fmt;
    if (c == 0)
      break;
    if (c == 's') {
      str = va_arg(ap, const char *);
      if (str == 0)
        str = "(null)";
      put_padded(s, str, strlen(str), width, pad == '0' ? ' ' : pad);
    } else if (c == 'c') {
      char ch = (char)va_arg(ap, int);
      put_padded(s, &ch, 1, width, pad == '0' ? ' ' : pad);
    } else if (strchr("diuxXp", c)) {
      put_int(s, &ap, c, lng, width, pad);
    } else {
      sink_putc(s, '%');
      if (c != '%')
        sink_putc(s, c);
    }
  }
}

// Formatted output to fd from a va_list.
int
vfprintf(int fd, const char *fmt, va_list ap)
{
  char buf[256];
  struct sink s = { fd, buf, sizeof(buf), 0, 0 };

  vformat(&s, fmt, ap);
  sink_flush(&s);
  return s.total;
}

// Formatted output to standard output.
int
printf(const char *fmt, ...)
{
  va_list ap;
  int n;

  va_start(ap, fmt);
  n = vfprintf(1, fmt, ap);
  va_end(ap);
  return n;
}

// Formatted output to fd.
int
fprintf(int fd, const char *fmt, ...)
{
  va_list ap;
  int n;

  va_start(ap, fmt);
  n = vfprintf(fd, fmt, ap);
  va_end(ap);
  return n;
}

// Formatted output into buf (always NUL-terminated when size > 0); returns the length
// the whole output would have had.
int
snprintf(char *buf, int size, const char *fmt, ...)
{
  va_list ap;
  int n;

  va_start(ap, fmt);
  n = vsnprintf(buf, size, fmt, ap);
  va_end(ap);
  return n;
}

// snprintf from a va_list.
int
vsnprintf(char *buf, int size, const char *fmt, va_list ap)
{
  struct sink s = { -1, buf, size > 0 ? size - 1 : 0, 0, 0 };

  vformat(&s, fmt, ap);
  if (size > 0)
    buf[s.len] = 0;
  return s.total;
}
