// fault: make a deliberate fault in user code, to show that the kernel kills only the
// faulting process. Usage: fault [store|load|exec|illegal] (default: store to address 0).
#include "user/user.h"

int
main(int argc, char **argv)
{
  const char *kind = argc > 1 ? argv[1] : "store";

  printf("fault: %s\n", kind);
  if (strcmp(kind, "store") == 0)
    *(volatile int *)0 = 1;
  else if (strcmp(kind, "load") == 0)
    printf("%d\n", *(volatile int *)(sbrk(0) + 4096 * 16));
  else if (strcmp(kind, "exec") == 0)
    ((void (*)(void))(uint64)sbrk(0))();
  else if (strcmp(kind, "illegal") == 0)
    asm volatile(".word 0");
  else
    fprintf(2, "usage: fault [store|load|exec|illegal]\n");
  // only reached if the kernel let the fault pass
  fprintf(2, "fault: still running after a %s fault\n", kind);
  return 1;
}
