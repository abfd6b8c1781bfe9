// init: the first user program. Makes sure the console device exists, opens it as
// descriptors 0, 1 and 2, starts the shell, starts it again whenever it exits, and
// reaps every orphan the kernel hands to it.
#include "user/user.h"

// Open the console as fds 0, 1, 2, creating the device node if it is missing.
static void
open_console(void)
{
  if (open("console", O_RDWR) < 0) {
    mknod("console", CONSOLE, 0);
    if (open("console", O_RDWR) < 0)
      exit(1);  // nowhere to even report the failure
  }
  dup(0);  // stdout
  dup(0);  // stderr
}

// Start one shell; its pid, or -1.
static int
start_shell(void)
{
  static char *argv[] = { "sh", 0 };
  int pid = fork();

  if (pid == 0) {
    exec("sh", argv);
    fprintf(2, "init: exec sh failed: %s\n", strerror(errno));
    exit(1);
  }
  if (pid < 0)
    fprintf(2, "init: fork failed: %s\n", strerror(errno));
  return pid;
}

int
main(void)
{
  int sh, pid, status;

  open_console();
  for (;;) {
    printf("init: starting sh\n");
    if ((sh = start_shell()) < 0) {
      sleep(100);
      continue;
    }
    // Reap children until the shell itself is gone; orphans come here too.
    while ((pid = wait(&status)) != sh) {
      if (pid < 0 && errno == ECHILD)
        break;
    }
  }
}
