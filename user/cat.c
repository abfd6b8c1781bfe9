// cat: copy each named file (or standard input) to standard output.
#include "user/user.h"

static char buf[2048];

// Copy fd to standard output; 0, or -1 after printing what failed.
static int
copy(int fd, const char *name)
{
  int n;

  while ((n = read(fd, buf, sizeof(buf))) > 0) {
    if (writeall(1, buf, n) < 0) {
      fprintf(2, "cat: write: %s\n", strerror(errno));
      return -1;
    }
  }
  if (n < 0) {
    fprintf(2, "cat: %s: %s\n", name, strerror(errno));
    return -1;
  }
  return 0;
}

int
main(int argc, char **argv)
{
  struct stat st;
  int i, fd, status = 0;

  if (argc < 2)
    return copy(0, "stdin") < 0;
  for (i = 1; i < argc; i++) {
    if ((fd = open(argv[i], O_RDONLY)) < 0) {
      fprintf(2, "cat: %s: %s\n", argv[i], strerror(errno));
      status = 1;
      continue;
    }
    if (fstat(fd, &st) == 0 && st.type == T_DIR) {
      fprintf(2, "cat: %s: %s\n", argv[i], strerror(EISDIR));
      status = 1;
    } else if (copy(fd, argv[i]) < 0) {
      status = 1;
    }
    close(fd);
  }
  return status;
}
