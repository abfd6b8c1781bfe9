// wc: count lines, words and bytes of each file (or standard input).
#include "user/user.h"

struct counts {
  long lines, words, bytes;
};

// Count fd into c; 0, or -1 on a read error.
static int
count(int fd, struct counts *c)
{
  static char buf[2048];
  int n, i, inword = 0;

  memset(c, 0, sizeof(*c));
  while ((n = read(fd, buf, sizeof(buf))) > 0) {
    c->bytes += n;
    for (i = 0; i < n; i++) {
      if (buf[i] == '\n')
        c->lines++;
      if (isspace(buf[i])) {
        inword = 0;
      } else if (!inword) {
        inword = 1;
        c->words++;
      }
    }
  }
  return n < 0 ? -1 : 0;
}

// Count one file and print its line; 0 or -1.
static int
wc_one(int fd, const char *name, struct counts *total)
{
  struct counts c;

  if (count(fd, &c) < 0) {
    fprintf(2, "wc: %s: %s\n", name, strerror(errno));
    return -1;
  }
  printf("%7ld %7ld %7ld%s%s\n", c.lines, c.words, c.bytes, *name ? " " : "", name);
  total->lines += c.lines;
  total->words += c.words;
  total->bytes += c.bytes;
  return 0;
}

int
main(int argc, char **argv)
{
  struct counts total = { 0, 0, 0 };
  int i, fd, status = 0;

  if (argc < 2)
    return wc_one(0, "", &total) < 0;
  for (i = 1; i < argc; i++) {
    if ((fd = open(argv[i], O_RDONLY)) < 0) {
      fprintf(2, "wc: %s: %s\n", argv[i], strerror(errno));
      status = 1;
      continue;
    }
    if (wc_one(fd, argv[i], &total) < 0)
      status = 1;
    close(fd);
  }
  if (argc > 2)
    printf("%7ld %7ld %7ld total\n", total.lines, total.words, total.bytes);
  return status;
}
