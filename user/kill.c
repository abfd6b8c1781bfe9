// kill: kill each process named by pid.
#include "user/user.h"

int
main(int argc, char **argv)
{
  int i, status = 0;

  if (argc < 2) {
    fprintf(2, "usage: kill pid...\n");
    return 1;
  }
  for (i = 1; i < argc; i++) {
    if (!isdigit(argv[i][0])) {
      fprintf(2, "kill: %s: not a process id\n", argv[i]);
      status = 1;
    } else if (kill(atoi(argv[i])) < 0) {
      fprintf(2, "kill: %s: %s\n", argv[i], strerror(errno));
      status = 1;
    }
  }
  return status;
}
