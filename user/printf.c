// Formatted output for user programs: printf (fd 1), fprintf (any fd) and snprintf.
//
// Conversions: %d %i %u %x %X %p %s %c %%, with an optional 'l' or 'll' (64-bit), a field
// width, a precision for %s ("%.14s": at most 14 bytes), and the '-' (left-justify) and
// '0' (zero-pad) flags. Output to a descriptor is gathered in a small buffer and written
// in as few write() calls as possible.
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

// A conversion's flags, width and precision: "%-08.3ld" and the like.
struct spec {
  char pad;  // ' ', '0' or '-' (left-justify)
  int width;
  int prec;  // %s: at most this many bytes; -1 if none given
  int lng;   // 'l' or 'll'
};

// Parse the flags, width, precision and length after a '%'; returns the conversion
// character and advances *fmtp to it.
static char
parse_spec(const char **fmtp, struct spec *sp)
{
  const char *f = *fmtp;

  sp->pad = ' ';
  sp->width = 0;
  sp->prec = -1;
  sp->lng = 0;
  for (; f[1] == '-' || f[1] == '0'; f++)
    sp->pad = (f[1] == '-' || sp->pad == '-') ? '-' : '0';
  for (; isdigit(f[1]); f++)
    sp->width = sp->width * 10 + (f[1] - '0');
  if (f[1] == '.')
    for (f++, sp->prec = 0; isdigit(f[1]); f++)
      sp->prec = sp->prec * 10 + (f[1] - '0');
  for (; f[1] == 'l'; f++)
    sp->lng = 1;
  *fmtp = ++f;
  return *f;
}

// Length of str, looking at no more than max bytes (for "%.14s" of a dirent name).
static int
strnlen_max(const char *str, int max)
{
  int n = 0;

  while (n < max && str[n])
    n++;
  return n;
}

// Emit a %s or %c argument.
static void
put_text(struct sink *s, const char *str, int n, struct spec *sp)
{
  if (sp->prec >= 0 && n > sp->prec)
    n = sp->prec;
  put_padded(s, str, n, sp->width, sp->pad == '0' ? ' ' : sp->pad);
}

// The formatting engine shared by every entry point.
static void
vformat(struct sink *s, const char *fmt, va_list ap)
{
  struct spec sp;
  const char *str;
  char c, ch;

  for (; (c = *fmt) != 0; fmt++) {
    if (c != '%') {
      sink_putc(s, c);
      continue;
    }
    if ((c = parse_spec(&fmt, &sp)) == 0)
      break;
    if (c == 's') {
      str = va_arg(ap, const char *);
      if (str == 0)
        str = "(null)";
      put_text(s, str, sp.prec >= 0 ? strnlen_max(str, sp.prec) : strlen(str), &sp);
    } else if (c == 'c') {
      ch = (char)va_arg(ap, int);
      put_text(s, &ch, 1, &sp);
    } else if (strchr("diuxXp", c)) {
      put_int(s, &ap, c, sp.lng, sp.width, sp.pad);
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
