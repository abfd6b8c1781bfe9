// sleep: wait for the given number of seconds (a decimal fraction such as 0.5 is allowed).
#include "user/user.h"

int
main(int argc, char **argv)
{
  const char *s;
  long ms = 0, scale = 1000;

  if (argc != 2 || !isdigit(argv[1][0])) {
    fprintf(2, "usage: sleep seconds\n");
    return 1;
  }
  for (s = argv[1]; isdigit(*s); s++)
    ms = ms * 10 + (*s - '0') * 1000;
  if (*s == '.')
    for (s++; isdigit(*s) && scale > 1; s++)
      ms += (*s - '0') * (scale /= 10);
  if (*s != 0) {
    fprintf(2, "sleep: %s: not a number of seconds\n", argv[1]);
    return 1;
  }
  if (sleep_ms(ms) < 0) {
    fprintf(2, "sleep: %s\n", strerror(errno));
    return 1;
  }
  return 0;
}
