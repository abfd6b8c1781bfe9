// echo: print the arguments separated by spaces, then a newline, in one write.
#include "user/user.h"

int
main(int argc, char **argv)
{
  int i, len = 1, n = 0;
  char *buf;

  for (i = 1; i < argc; i++)
    len += strlen(argv[i]) + 1;
  if ((buf = malloc(len)) == 0) {
    fprintf(2, "echo: %s\n", strerror(ENOMEM));
    return 1;
  }
  for (i = 1; i < argc; i++) {
    strcpy(buf + n, argv[i]);
    n += strlen(argv[i]);
    if (i + 1 < argc)
      buf[n++] = ' ';
  }
  buf[n++] = '\n';
  if (writeall(1, buf, n) < 0) {
    fprintf(2, "echo: write: %s\n", strerror(errno));
    return 1;
  }
  return 0;
}
