// fuzzsys: throw hostile arguments at the system calls (bad pointers, huge and negative
// lengths, odd descriptors) to show that the kernel never panics on what a user program
// sends it. Each round runs in a child (it may close its own stdout or die); the parent
// reports; a round that blocks for good is killed after 3 s. Prints "fuzzsys: ok" at
// the end. Usage: fuzzsys [rounds [calls-per-round [seed]]]
// `fuzzsys conread` reads a console line into a bad address, then into a good one.
#include "user/user.h"
#include "kernel/syscall_nr.h"
#include "kernel/net/netctl.h"

static uint64 rnd_state;

// xorshift64 (Marsaglia 2003): a small deterministic generator.
static uint64
rnd(void)
{
  rnd_state ^= rnd_state << 13;
  rnd_state ^= rnd_state >> 7;
  rnd_state ^= rnd_state << 17;
  return rnd_state;
}

// One raw system call with six arguments.
static long
sc(long n, long a0, long a1, long a2, long a3, long a4, long a5)
{
  register long x0 asm("a0") = a0;
  register long x1 asm("a1") = a1;
  register long x2 asm("a2") = a2;
  register long x3 asm("a3") = a3;
  register long x4 asm("a4") = a4;
  register long x5 asm("a5") = a5;
  register long x7 asm("a7") = n;

  asm volatile("ecall"
               : "+r"(x0)
               : "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5), "r"(x7)
               : "memory");
  return x0;
}

static int verbose;     // print each call before making it (argument 4: v)
static char buf[8192];  // a valid buffer the calls may scribble on

// An address worth trying: valid, at an edge of user memory, or the kernel's.
static long
pick_addr(void)
{
  long brk = (long)sbrk(0);
  long v[] = { 0,
               1,
               4095,
               4096,
               brk - 1,
               brk - 4,
               brk,
               brk + 4096,
               0x80000000L,
               0x3fffffe000L,
               0x3ffffff000L,
               1L << 38,
               (1L << 39) - 1,
               -1L,
               -4096L,
               (long)buf,
               (long)buf,
               (long)buf + 100,
               (long)"/",
               (long)"README.md" };
  return v[rnd() % NELEM(v)];
}

// A length or count worth trying.
static long
pick_len(void)
{
  long v[] = { 0,           1,     2,     7,       8,  16, 64,         4096,
               8192,        65535, 65536, 1 << 20, -1, -2, 0x7fffffff, (long)0x80000000U,
               0xffffffffL, -4096 };
  return v[rnd() % NELEM(v)];
}

// A small integer (fd, flag, option name, op) worth trying.
static long
pick_small(void)
{
  long v[] = { 0,     1,    2,         3,  4,    5,          6,
               8,     15,   16,        17, 20,   21,         63,
               64,    255,  256,       -1, -100, 0x7fffffff, (long)0x80000000U,
               0x800, 0x40, 0x10000000 };
  return v[rnd() % NELEM(v)];
}

// Any argument.
static long
pick_any(void)
{
  switch (rnd() % 4) {
  case 0:
    return pick_addr();
  case 1:
    return pick_len();
  case 2:
    return pick_small();
  default:
    return (long)rnd();
  }
}

// The calls that are safe to fuzz in a child (no fork/exit/kill/exec of something real).
static const int calls[] = {
  SYS_wait,       SYS_pipe,       SYS_read,     SYS_fstat, SYS_chdir,  SYS_dup,
  SYS_sbrk,       SYS_open,       SYS_write,    SYS_mknod, SYS_unlink, SYS_link,
  SYS_mkdir,      SYS_close,      SYS_sysinfo,  SYS_poll,  SYS_socket, SYS_bind,
  SYS_connect,    SYS_sendto,     SYS_recvfrom, SYS_send,  SYS_recv,   SYS_getsockname,
  SYS_setsockopt, SYS_getsockopt, SYS_netctl,   SYS_exec,  SYS_sleep,
};

// One random call. Arguments that would only make the run slow are tamed.
static void
one_call(void)
{
  int n = calls[rnd() % NELEM(calls)];
  long a[6];

  for (int i = 0; i < 6; i++)
    a[i] = pick_any();
  if (n == SYS_sleep)
    a[0] &= 1;
  if (n == SYS_sbrk && a[0] > 0)
    a[0] &= 0xffff;  // a few pages: memory is shared with the other tests
  if (n == SYS_exec && a[0] == (long)"README.md")
    a[0] = (long)"/nonexistent";
  if (n == SYS_netctl && a[0] == NETCTL_BENCH_TX)
    a[2] &= 0xff;
  if (n == SYS_netctl && a[0] == NETCTL_TRACE)
    a[2] = 0;
  if (n == SYS_netctl && a[0] == NETCTL_BENCH_ECHO)
    a[2] = -(a[2] & 1);  // a count of 0 or -1 (-EINVAL): 1 or more would wait up to 10 s
  if (n == SYS_poll || n == SYS_recvfrom || n == SYS_recv || n == SYS_read)
    a[n == SYS_poll ? 2 : 3] = n == SYS_poll ? 0 : MSG_DONTWAIT;  // never block
  if ((n == SYS_read || n == SYS_recv || n == SYS_recvfrom) && a[0] >= 0 && a[0] <= 2)
    a[0] = 3;  // not the console: it would wait for a line
  if (n == SYS_socket && rnd() % 2)
    a[0] = AF_INET;
  if (verbose)
    fprintf(2, "%d(%lx, %lx, %lx, %lx)\n", n, a[0], a[1], a[2], a[3]);
  sc(n, a[0], a[1], a[2], a[3], a[4], a[5]);
}

// A few sockets and files open, so descriptors 3.. name something.
static void
open_some(void)
{
  socket(AF_INET, SOCK_DGRAM, 0);
  socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK, IPPROTO_ICMP);
  open("README.md", O_RDONLY);
}

// read(2) of a console line into a bad address: -EFAULT, and the line is still there.
static void
bad_console_read(void)
{
  char line[64];
  int r = read(0, (char *)8, 10);

  printf("fuzzsys: bad read %d (%s)\n", r, r < 0 ? strerror(errno) : "no error");
  r = read(0, line, sizeof(line) - 1);
  line[r > 0 ? r : 0] = 0;
  printf("fuzzsys: then read %d: %s", r, line);
}

int
main(int argc, char **argv)
{
  if (argc > 1 && strcmp(argv[1], "conread") == 0) {
    bad_console_read();
    exit(0);
  }
  int rounds = argc > 1 ? atoi(argv[1]) : 20;
  int per = argc > 2 ? atoi(argv[2]) : 500;
  uint64 seed = argc > 3 ? atoi(argv[3]) : 12345;
  int st;

  verbose = argc > 4 && argv[4][0] == 'v';

  for (int r = 0; r < rounds; r++) {
    int pid = fork();
    if (pid < 0) {
      printf("fuzzsys: fork failed\n");
      exit(1);
    }
    if (pid == 0) {
      rnd_state = seed * 2654435761U + r + 1;
      close(0);  // the calls may write anywhere: not on the console
      close(1);
      if (!verbose)
        close(2);
      open_some();
      for (int i = 0; i < per; i++)
        one_call();
      exit(0);
    }
    int killer = fork();  // a call may block for good (a read on its own pipe): end it
    if (killer == 0) {
      sleep(300);
      kill(pid);
      exit(0);
    }
    wait(&st);
    if (killer > 0) {
      kill(killer);
      wait(&st);
    }
  }
  printf("fuzzsys: ok\n");
  exit(0);
}
