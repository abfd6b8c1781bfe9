// Byte and string helpers (the kernel has no libc).
#include "types.h"
#include "defs.h"

// Fill n bytes with c: aligned 8-byte words (page zeroing), after the bytes up to the
// first word's start when dst is not aligned. Under QEMU each pass of a loop is a block of
// translated code (copy_forward in defs.h says more).
void *
memset(void *dst, int c, uint64 n)
{
  uchar *d = dst;
  uint64 i = 0;

  if ((uint64)d % 8 != 0 && n >= 16) {
    for (; (uint64)(d + i) % 8 != 0; i++)
      d[i] = c;
  }
  if ((uint64)(d + i) % 8 == 0) {
    uint64 w = (uchar)c * 0x0101010101010101UL;
#pragma GCC unroll 4
    for (; i + 8 <= n; i += 8)
      *(uint64 *)(d + i) = w;
  }
  for (; i < n; i++)
    d[i] = c;
  return dst;
}

// Copy n bytes; the regions may overlap.
void *
memmove(void *dst, const void *src, uint64 n)
{
  uchar *d = dst;
  const uchar *s = src;

  if (d == s || n == 0)
    return dst;
  if (d < s || d >= s + n) {
    copy_forward(d, s, n);
  } else {
    for (uint64 i = n; i > 0; i--)
      d[i - 1] = s[i - 1];
  }
  return dst;
}

// The compiler emits calls to memcpy for struct copies; it must exist.
void *
memcpy(void *dst, const void *src, uint64 n)
{
  return memmove(dst, src, n);
}

int
memcmp(const void *a, const void *b, uint64 n)
{
  const uchar *x = a, *y = b;

  for (uint64 i = 0; i < n; i++) {
    if (x[i] != y[i])
      return x[i] - y[i];
  }
  return 0;
}

int
strncmp(const char *a, const char *b, uint64 n)
{
  for (uint64 i = 0; i < n; i++) {
    if (a[i] != b[i])
      return (uchar)a[i] - (uchar)b[i];
    if (a[i] == 0)
      return 0;
  }
  return 0;
}

// Copy at most n bytes of src and pad with NULs to n (like C's strncpy: may leave
// dst unterminated).
char *
strncpy(char *dst, const char *src, int n)
{
  int i = 0;

  for (; i < n && src[i]; i++)
    dst[i] = src[i];
  for (; i < n; i++)
    dst[i] = 0;
  return dst;
}

// Copy at most n-1 bytes and always terminate.
char *
safestrcpy(char *dst, const char *src, int n)
{
  int i = 0;

  if (n <= 0)
    return dst;
  for (; i < n - 1 && src[i]; i++)
    dst[i] = src[i];
  dst[i] = 0;
  return dst;
}

int
strlen(const char *s)
{
  int n = 0;

  while (s[n])
    n++;
  return n;
}
