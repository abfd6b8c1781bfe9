// The core of the user library: the program entry point, errno and the error path of
// the system-call stubs, string and memory routines, line input and small file helpers.
//
// Every program starts in _start, which runs exit(main(argc, argv)). A stub in
// user/usys.S that sees a result in [-4095, -1] jumps to __syscall_error, which stores
// the error number in errno and makes the call return -1.
#include "user/user.h"

int errno;

// Program entry: the kernel passes argc in a0 and argv in a1.
void
_start(int argc, char **argv)
{
  extern int main(int, char **);
  exit(main(argc, argv));
}

// Tail of every failing system-call stub: a0 holds -errno.
long
__syscall_error(long negerr)
{
  errno = (int)-negerr;
  return -1;
}

// Copy the string src (with its NUL) to dst.
char *
strcpy(char *dst, const char *src)
{
  char *d = dst;

  while ((*d++ = *src++) != 0)
    ;
  return dst;
}

// Copy at most n bytes of src, padding with NULs like the C library.
char *
strncpy(char *dst, const char *src, int n)
{
  int i;

  for (i = 0; i < n && src[i]; i++)
    dst[i] = src[i];
  for (; i < n; i++)
    dst[i] = 0;
  return dst;
}

// Append src to dst.
char *
strcat(char *dst, const char *src)
{
  strcpy(dst + strlen(dst), src);
  return dst;
}

// Compare two strings as unsigned bytes.
int
strcmp(const char *a, const char *b)
{
  while (*a && *a == *b) {
    a++;
    b++;
  }
  return (uchar)*a - (uchar)*b;
}

// Compare at most n bytes of two strings.
int
strncmp(const char *a, const char *b, int n)
{
  for (; n > 0; n--, a++, b++) {
    if (*a != *b)
      return (uchar)*a - (uchar)*b;
    if (*a == 0)
      return 0;
  }
  return 0;
}

// Length of s, without the NUL.
int
strlen(const char *s)
{
  int n = 0;

  while (s[n])
    n++;
  return n;
}

// First occurrence of c in s, or 0.
char *
strchr(const char *s, int c)
{
  for (; *s; s++)
    if (*s == (char)c)
      return (char *)s;
  return c == 0 ? (char *)s : 0;
}

// Last occurrence of c in s, or 0.
char *
strrchr(const char *s, int c)
{
  const char *last = 0;

  for (; *s; s++)
    if (*s == (char)c)
      last = s;
  return c == 0 ? (char *)s : (char *)last;
}

// First occurrence of needle in hay, or 0.
char *
strstr(const char *hay, const char *needle)
{
  int n = strlen(needle);

  for (; *hay; hay++)
    if (strncmp(hay, needle, n) == 0)
      return (char *)hay;
  return n == 0 ? (char *)hay : 0;
}

// Fill n bytes at dst with c.
void *
memset(void *dst, int c, uint n)
{
  uchar *d = dst;

  while (n-- > 0)
    *d++ = c;
  return dst;
}

// Copy n bytes; the areas may overlap.
void *
memmove(void *dst, const void *src, int n)
{
  uchar *d = dst;
  const uchar *s = src;

  if (s < d && s + n > d) {
    while (n-- > 0)
      d[n] = s[n];
  } else {
    while (n-- > 0)
      *d++ = *s++;
  }
  return dst;
}

// Copy n bytes (memmove, so overlap is harmless).
void *
memcpy(void *dst, const void *src, uint n)
{
  return memmove(dst, src, n);
}

// Compare n bytes.
int
memcmp(const void *a, const void *b, uint n)
{
  const uchar *x = a, *y = b;

  for (; n > 0; n--, x++, y++)
    if (*x != *y)
      return *x - *y;
  return 0;
}

// Decimal string to int, with an optional sign; stops at the first non-digit.
int
atoi(const char *s)
{
  int n = 0, neg = 0;

  while (isspace(*s))
    s++;
  if (*s == '-' || *s == '+')
    neg = *s++ == '-';
  while (isdigit(*s))
    n = n * 10 + (*s++ - '0');
  return neg ? -n : n;
}

// Is c a decimal digit?
int
isdigit(int c)
{
  return c >= '0' && c <= '9';
}

// Is c white space?
int
isspace(int c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

// Read one line from fd into buf without the '\n'; its length, or -1 at EOF with
// nothing read. A line longer than max-1 is cut; the rest comes with the next call.
int
readline(int fd, char *buf, int max)
{
  int n = 0, r = 0;
  char c;

  while (n + 1 < max && (r = read(fd, &c, 1)) == 1) {
    if (c == '\n')
      break;
    buf[n++] = c;
  }
  buf[n] = 0;
  if (r < 1 && n == 0)
    return -1;
  return n;
}

// Read one line from fd 0 into buf, keeping the '\n'; buf[0] == 0 at EOF.
char *
gets(char *buf, int max)
{
  int n = 0;
  char c;

  while (n + 1 < max && read(0, &c, 1) == 1) {
    buf[n++] = c;
    if (c == '\n' || c == '\r')
      break;
  }
  buf[n] = 0;
  return buf;
}

// fstat of a path.
int
stat(const char *path, struct stat *st)
{
  int fd, r;

  if ((fd = open(path, O_RDONLY)) < 0)
    return -1;
  r = fstat(fd, st);
  close(fd);
  return r;
}

// Write all n bytes, looping over short writes; n, or -1 with errno set.
int
writeall(int fd, const void *buf, int n)
{
  int done = 0, r;

  while (done < n) {
    if ((r = write(fd, (const char *)buf + done, n - done)) <= 0)
      return -1;
    done += r;
  }
  return n;
}

// Sleep for at least ms milliseconds (the kernel's sleep counts 100 Hz ticks).
int
sleep_ms(int ms)
{
  long end = clock_us() + (long)ms * 1000;
  long left;

  while ((left = end - clock_us()) > 0) {
    if (sleep((left + 9999) / 10000) < 0)
      return -1;
  }
  return 0;
}
