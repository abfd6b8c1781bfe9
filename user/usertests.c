// usertests: many small tests of the kernel from user space.
//
//   usertests            run every test
//   usertests -q         quick: skip the slow ones
//   usertests NAME...    run only the named tests
//
// Each test runs in its own forked child with a watchdog, so a crash or a hang fails
// that test only. A test passes when its child exits 0; it fails by calling fail(),
// which prints the reason. After each test the runner checks (sysinfo) that the kernel's
// free pages came back to the count before it: a leak fails the test. The run ends with
// ALL TESTS PASSED only when every test passed, else SOME TESTS FAILED.
//
// The user stack is one page: tests keep big buffers in static storage, not on the stack.
#define MKFS  // only the on-disk format (struct dirent, DIRSIZ) from kernel/fs.h
#include "user/user.h"
#include "kernel/fs.h"
#include "kernel/memlayout.h"

#ifndef PGSIZE
#define PGSIZE 4096
#endif
#define PGROUND_DOWN(a) ((uint64)(a) & ~(uint64)(PGSIZE - 1))

#define SLOW         1            // skipped by -q
#define FAIL_EXIT    99           // exit status of a child that already printed why it failed
#define TEST_TIMEOUT (200 * 100)  // ticks
#define SLOW_TIMEOUT (600 * 100)

static const char *current = "?";  // the running test's name (in its child)
static char big[64 * 1024];        // scratch for file and pipe data
static char big2[64 * 1024];

// ---- assertions ----

// Report the running test as failed and end its process.
static void __attribute__((noreturn, format(printf, 1, 2))) fail(const char *fmt, ...)
{
  static char msg[256];
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  printf("test %s: FAILED %s\n", current, msg);
  exit(FAIL_EXIT);
}

#define CHECK(cond)                         \
  do {                                      \
    if (!(cond))                            \
      fail("line %d: %s", __LINE__, #cond); \
  } while (0)

// r must be -1 with errno == err.
static void
expect_err(long r, int err, const char *what)
{
  if (r != -1 || errno != err)
    fail("%s: returned %ld errno %d (%s), want -1 errno %d (%s)", what, r, r == -1 ? errno : 0,
         r == -1 ? strerror(errno) : "-", err, strerror(err));
}

// r must be -1 with errno one of e1, e2.
static void
expect_err2(long r, int e1, int e2, const char *what)
{
  if (r != -1 || (errno != e1 && errno != e2))
    fail("%s: returned %ld errno %d (%s), want -1 errno %d or %d", what, r, r == -1 ? errno : 0,
         r == -1 ? strerror(errno) : "-", e1, e2);
}

// r must not be an error.
static long
expect_ok(long r, const char *what)
{
  if (r < 0)
    fail("%s: -1 errno %d (%s)", what, errno, strerror(errno));
  return r;
}

// fork, failing the test if it fails.
static int
xfork(void)
{
  return expect_ok(fork(), "fork");
}

// Wait for pid and return its status.
static int
xwait(int pid)
{
  int status, got;

  got = wait(&status);
  if (got != pid)
    fail("wait returned %d (errno %d), want pid %d", got, errno, pid);
  return status;
}

// Run fn in a child and return its exit status.
static int
in_child(void (*fn)(void))
{
  int pid = xfork();

  if (pid == 0) {
    fn();
    exit(0);
  }
  return xwait(pid);
}

// Create path with the given contents.
static void
write_file(const char *path, const void *data, int n)
{
  int fd = expect_ok(open(path, O_CREATE | O_TRUNC | O_WRONLY), path);

  if (write(fd, data, n) != n)
    fail("write %s: errno %d (%s)", path, errno, strerror(errno));
  close(fd);
}

// Free physical pages, from sysinfo (0 if sysinfo does not work).
static uint64
free_pages(void)
{
  struct sysinfo si;

  if (sysinfo(&si) < 0)
    return 0;
  return si.freepages;
}

// Process slots in use, from sysinfo (0 if sysinfo does not work).
static uint64
procs_in_use(void)
{
  struct sysinfo si;

  if (sysinfo(&si) < 0)
    return 0;
  return si.nproc;
}

// Pattern byte i of a test stream with seed s.
static char
pattern(uint64 i, int s)
{
  return (char)((i * 7 + (i >> 9) + s) & 0xff);
}

// ---- bad system-call arguments ----

// Addresses no user system call may read or write through. Some are mapped in every
// user page table for the kernel's sake (RAM, devices, kernel stacks, the trapframe), but
// not for users.
static uint64
bad_addr(int i)
{
  static uint64 fixed[] = {
    MAXVA,
    MAXVA + PGSIZE,
    0xffffffffffffffffUL,
    0x8000000000000000UL,
    0x3fffffff000UL,
    KERNBASE,
    KERNBASE + 0x100000,
    KSTACK(0),
    UART0,
    USERTOP,
    PCIE_ECAM,
    TRAPFRAME_VA,  // the process's own saved registers: uservec's, not the user's
    TRAPFRAME_PAGE + 8,
  };
  int dummy;

  if (i < NELEM(fixed))
    return fixed[i];
  if (i == NELEM(fixed))  // well beyond the break: unmapped
    return (uint64)sbrk(0) + 64 * PGSIZE;
  if (i == NELEM(fixed) + 1)  // the guard page under the one-page stack
    return PGROUND_DOWN(&dummy) - PGSIZE + 16;
  return 0;
}
#define NBAD 15

// Every call on a descriptor that is not open fails with EBADF.
void
test_badfd(void)
{
  static int fds[] = { -1, -100, NOFILE, NOFILE + 1, 1000, 12345678 };
  struct stat st;
  char c;
  int i, fd;

  for (i = 0; i < NELEM(fds); i++) {
    expect_err(read(fds[i], &c, 1), EBADF, "read bad fd");
    expect_err(write(fds[i], &c, 1), EBADF, "write bad fd");
    expect_err(close(fds[i]), EBADF, "close bad fd");
    expect_err(fstat(fds[i], &st), EBADF, "fstat bad fd");
    expect_err(dup(fds[i]), EBADF, "dup bad fd");
  }
  fd = expect_ok(open("/", O_RDONLY), "open /");
  close(fd);
  expect_err(read(fd, &c, 1), EBADF, "read closed fd");
  expect_err(close(fd), EBADF, "close closed fd");
  for (fd = 3; fd < NOFILE; fd++)
    expect_err(write(fd, "x", 1), EBADF, "write unused fd");
}

// read and write with buffers the process does not own fail with EFAULT.
void
test_badptr_rw(void)
{
  int i, fd, p[2], r;
  char *a;

  fd = expect_ok(open("README.md", O_RDONLY), "open README.md");
  for (i = 0; i < NBAD; i++) {
    a = (char *)bad_addr(i);
    expect_err(read(fd, a, 10), EFAULT, "read into bad address");
    if ((r = write(1, a, 10)) != -1 || errno != EFAULT)
      fail("write(1, %p, 10) to the console: returned %d errno %d, want EFAULT", a, r, errno);
  }
  // the kernel may not write into read-only text
  expect_err(read(fd, (char *)test_badptr_rw, 10), EFAULT, "read into text");
  close(fd);
  expect_ok(pipe(p), "pipe");
  expect_ok(write(p[1], "hello", 5), "pipe write");
  for (i = 0; i < NBAD; i++) {
    a = (char *)bad_addr(i);
    expect_err(write(p[1], a, 5), EFAULT, "pipe write from bad address");
    expect_err(read(p[0], a, 5), EFAULT, "pipe read into bad address");
  }
  close(p[0]);
  close(p[1]);
}

// Path arguments the process does not own fail with EFAULT.
void
test_badptr_path(void)
{
  int i;
  char *a;

  for (i = 0; i < NBAD; i++) {
    a = (char *)bad_addr(i);
    expect_err(open(a, O_RDONLY), EFAULT, "open bad path");
    expect_err(open(a, O_CREATE | O_WRONLY), EFAULT, "create bad path");
    expect_err(unlink(a), EFAULT, "unlink bad path");
    expect_err(mkdir(a), EFAULT, "mkdir bad path");
    expect_err(chdir(a), EFAULT, "chdir bad path");
    expect_err(link(a, "ut_x"), EFAULT, "link bad old");
    expect_err(link("README.md", a), EFAULT, "link bad new");
    expect_err(mknod(a, 1, 0), EFAULT, "mknod bad path");
  }
}

// fstat, pipe, sysinfo, poll and wait with bad pointers fail with EFAULT.
void
test_badptr_misc(void)
{
  int i, fd, pid, st;
  struct pollfd pfd;
  char *a;

  fd = expect_ok(open("README.md", O_RDONLY), "open README.md");
  for (i = 0; i < NBAD; i++) {
    a = (char *)bad_addr(i);
    expect_err(fstat(fd, (struct stat *)a), EFAULT, "fstat to bad address");
    expect_err(pipe((int *)a), EFAULT, "pipe to bad address");
    expect_err(sysinfo((struct sysinfo *)a), EFAULT, "sysinfo to bad address");
    expect_err(poll((struct pollfd *)a, 1, 0), EFAULT, "poll bad array");
  }
  // a failed pipe() must not leave descriptors behind
  st = expect_ok(open("README.md", O_RDONLY), "open");
  CHECK(st == fd + 1);
  close(st);
  expect_err(fstat(fd, (struct stat *)test_badptr_misc), EFAULT, "fstat into text");
  close(fd);
  pfd.fd = 0;
  pfd.events = POLLIN;
  expect_err(poll(&pfd, 100000, 0), EINVAL, "poll with huge nfds");
  for (i = 0; i < NBAD; i++) {
    if ((pid = xfork()) == 0)
      exit(7);
    expect_err(wait((int *)bad_addr(i)), EFAULT, "wait to bad address");
    // the child may or may not have been reaped by the failed wait
    if (wait(&st) >= 0)
      CHECK(st == 7);
  }
}

// Exec in a child; the child exits 42 if exec failed with errno e1 or e2, 1 otherwise.
static void
expect_exec_fails(const char *path, char **argv, int e1, int e2, const char *what)
{
  int pid = xfork(), st;

  if (pid == 0) {
    exec(path, argv);
    if (errno == e1 || errno == e2)
      exit(42);
    printf("  exec %s: errno %d (%s)\n", what, errno, strerror(errno));
    exit(1);
  }
  if ((st = xwait(pid)) != 42)
    fail("exec %s: child exit status %d (want exec to fail with errno %d)", what, st, e1);
}

// exec with a bad path, argv array or argument string fails with EFAULT.
void
test_badptr_exec(void)
{
  static char *argv[4];
  int i;

  for (i = 0; i < NBAD; i++) {
    argv[0] = "echo";
    argv[1] = 0;
    expect_exec_fails((char *)bad_addr(i), argv, EFAULT, EFAULT, "bad path");
    expect_exec_fails("echo", (char **)bad_addr(i), EFAULT, EFAULT, "bad argv");
    argv[1] = (char *)bad_addr(i);
    argv[2] = 0;
    expect_exec_fails("echo", argv, EFAULT, EFAULT, "bad argv[1]");
  }
}

// A raw system call with a number the stubs never use.
static long
raw_syscall(long num, long a0)
{
  register long a7 asm("a7") = num;
  register long r asm("a0") = a0;

  asm volatile("ecall" : "+r"(r) : "r"(a7) : "memory");
  return r;
}

// Unknown system-call numbers return -ENOSYS.
void
test_badsyscall(void)
{
  static long nums[] = { 0, 36, 99, 1000, -1, 0x7fffffff, 0x100000001L };
  int i;
  long r;

  for (i = 0; i < NELEM(nums); i++) {
    if ((r = raw_syscall(nums[i], 0)) != -ENOSYS)
      fail("system call %ld returned %ld, want -ENOSYS", nums[i], r);
  }
}

// Too-long paths, too many exec arguments, odd counts, bad pids.
void
test_badargs(void)
{
  static char *argv[MAXARG + 2];
  char *path = big;
  int i, fd;

  memset(path, 'a', MAXPATH * 2);
  path[MAXPATH * 2] = 0;
  expect_err(open(path, O_RDONLY), ENAMETOOLONG, "open of a too-long path");
  expect_err(open(path, O_CREATE | O_WRONLY), ENAMETOOLONG, "create of a too-long path");
  for (i = 0; i < MAXARG + 1; i++)
    argv[i] = "x";
  argv[MAXARG + 1] = 0;
  expect_exec_fails("echo", argv, E2BIG, EINVAL, "too many args");
  fd = expect_ok(open("README.md", O_RDONLY), "open");
  CHECK(read(fd, big, -1) <= 0);
  CHECK(read(fd, big, 0) == 0);
  CHECK(write(fd, big, 1) == -1 && errno == EBADF);  // opened read-only
  close(fd);
  expect_err(kill(-1), ESRCH, "kill(-1)");
  expect_err(kill(100000), ESRCH, "kill of no such pid");
}

// ---- processes ----

// Fork until the kernel says no, then reap every child.
void
test_forkfull(void)
{
  int p[2], n = 0, pid, st, start = procs_in_use();
  char c;

  expect_ok(pipe(p), "pipe");
  for (;;) {
    if ((pid = fork()) == 0) {
      close(p[1]);
      read(p[0], &c, 1);  // wait for the parent to close the pipe
      exit(0);
    }
    if (pid < 0)
      break;
    if (++n > 10 * NPROC)
      fail("fork never failed (%d children)", n);
  }
  expect_err2(pid, EAGAIN, ENOMEM, "fork when the process table is full");
  CHECK(n > 1);
  close(p[0]);
  close(p[1]);
  for (; n > 0; n--) {
    if ((pid = wait(&st)) < 0)
      fail("wait: errno %d with %d children left", errno, n);
    CHECK(st == 0);
  }
  expect_err(wait(&st), ECHILD, "wait with no children");
  if (start && procs_in_use() > start)
    fail("%ld processes in use after, %d before", procs_in_use(), start);
}

// Many short-lived children, one at a time and in bursts.
static void
fork_many(int total)
{
  int i, j, pid, st;

  for (i = 0; i < total; i++) {
    if ((pid = xfork()) == 0)
      exit(i % 100);
    if (xwait(pid) != i % 100)
      fail("child %d: wrong exit status", i);
  }
  for (i = 0; i < total / 10; i++) {
    for (j = 0; j < 10; j++)
      if (xfork() == 0)
        exit(0);
    for (j = 0; j < 10; j++)
      if (wait(&st) < 0 || st != 0)
        fail("burst %d: wait failed", i);
  }
}

// A few hundred short-lived children.
void
test_forkmany(void)
{
  fork_many(200);
}

// Thousands of short-lived children.
void
test_forkstorm(void)
{
  fork_many(1000);
}

// Several processes forking concurrently.
void
test_forkconcurrent(void)
{
  int i, st;

  for (i = 0; i < 4; i++) {
    if (xfork() == 0) {
      fork_many(50);
      exit(0);
    }
  }
  for (i = 0; i < 4; i++) {
    if (wait(&st) < 0)
      fail("wait: errno %d", errno);
    if (st != 0)
      fail("a forking child exited %d", st);
  }
}

// wait returns each child's pid and exit status; ECHILD when none are left.
void
test_exitwait(void)
{
  static int codes[] = { 0, 1, 2, 42, 127, 255, -2, 100000 };
  int i, pid, st, p[2];

  for (i = 0; i < NELEM(codes); i++) {
    if ((pid = xfork()) == 0)
      exit(codes[i]);
    if ((st = xwait(pid)) != codes[i])
      fail("exit(%d) gave wait status %d", codes[i], st);
  }
  expect_err(wait(&st), ECHILD, "wait with no children");
  // wait(0) is allowed; getpid in the child matches fork's return
  expect_ok(pipe(p), "pipe");
  if ((pid = xfork()) == 0) {
    st = getpid();
    write(p[1], &st, sizeof(st));
    exit(0);
  }
  CHECK(read(p[0], &st, sizeof(st)) == sizeof(st) && st == pid);
  CHECK(wait(0) == pid);
  CHECK(getpid() != pid && getpid() > 0);
  close(p[0]);
  close(p[1]);
}

// Children whose parent exits go to init, which reaps them.
void
test_orphans(void)
{
  int i, pid, st;

  for (i = 0; i < 20; i++) {
    if ((pid = xfork()) == 0) {
      if (fork() == 0) {
        sleep(i % 3);
        exit(0);
      }
      exit(0);
    }
    if ((st = xwait(pid)) != 0)
      fail("middle process exited %d", st);
  }
  expect_err(wait(&st), ECHILD, "wait after orphans");
  sleep(10);  // give init time to reap, before the leak check
}

// kill wakes a sleeping child and a child blocked on a pipe; status -1.
void
test_killsleeping(void)
{
  int pid, st, p[2], t0;
  char c;

  if ((pid = xfork()) == 0) {
    sleep(100000);
    exit(0);
  }
  sleep(5);
  t0 = uptime();
  expect_ok(kill(pid), "kill sleeping child");
  if ((st = xwait(pid)) != -1)
    fail("killed sleeping child exited %d, want -1", st);
  CHECK(uptime() - t0 < 500);  // promptly, even on a loaded host
  // blocked reading an empty pipe
  expect_ok(pipe(p), "pipe");
  if ((pid = xfork()) == 0) {
    read(p[0], &c, 1);
    exit(0);
  }
  sleep(5);
  expect_ok(kill(pid), "kill reader");
  if ((st = xwait(pid)) != -1)
    fail("killed reader exited %d, want -1", st);
  close(p[0]);
  close(p[1]);
  expect_err(kill(pid), ESRCH, "kill of a reaped pid");
}

// kill stops a child that never makes a system call; status -1.
void
test_killspinning(void)
{
  int pid, st;
  volatile int x = 0;

  if ((pid = xfork()) == 0) {
    for (;;)
      x++;
  }
  sleep(5);
  expect_ok(kill(pid), "kill spinning child");
  if ((st = xwait(pid)) != -1)
    fail("killed spinning child exited %d, want -1", st);
}

// sleep waits at least as long as asked, by uptime and by clock_us.
void
test_sleepuptime(void)
{
  int t0 = uptime();
  long u0 = clock_us(), u1;

  CHECK(t0 >= 0);
  expect_ok(sleep(10), "sleep");
  CHECK(uptime() - t0 >= 10);
  u1 = clock_us();
  if (u1 - u0 < 90000)
    fail("sleep(10) took %ld us, want >= 100000", u1 - u0);
  expect_ok(sleep_ms(30), "sleep_ms");
  CHECK(clock_us() - u1 >= 30000);
  CHECK(sleep(0) == 0);
}

// nproc from sysinfo, once it equals want (other processes may still be exiting).
static uint64
nproc_settled(uint64 want)
{
  uint64 n = procs_in_use();
  int i;

  for (i = 0; i < 20 && n != want; i++) {
    sleep(1);
    n = procs_in_use();
  }
  return n;
}

// sysinfo's counters are sane and follow a fork and a wait.
void
test_sysinfo(void)
{
  struct sysinfo si;
  int pid;
  uint64 n;

  expect_ok(sysinfo(&si), "sysinfo");
  CHECK(si.freepages > 100 && si.freepages < 128 * 1024 * 1024 / PGSIZE);
  CHECK(si.nproc >= 3);  // init, sh or runner, this test
  CHECK(si.uptime_us > 0);
  n = si.nproc;
  if ((pid = xfork()) == 0) {
    sleep(20);
    exit(0);
  }
  if (nproc_settled(n + 1) != n + 1)
    fail("nproc %ld with one more child, want %ld", (long)procs_in_use(), (long)n + 1);
  kill(pid);
  xwait(pid);
  if (nproc_settled(n) != n)
    fail("nproc %ld after the child is reaped, want %ld", (long)procs_in_use(), (long)n);
}

// ---- faults in user code ----

static uint64 fault_addr;  // set before forking the faulting child

// Store a byte at fault_addr.
static void
store_fault(void)
{
  *(volatile char *)fault_addr = 1;
}

// Load a byte from fault_addr.
static void
load_fault(void)
{
  volatile char c = *(volatile char *)fault_addr;
  (void)c;
}

// Call the code at fault_addr.
static void
jump_fault(void)
{
  ((void (*)(void))fault_addr)();
}

// Execute an all-zero (illegal) instruction.
static void
illegal_instruction(void)
{
  asm volatile(".word 0");
}

// Read a supervisor CSR from user mode.
static void
csr_access(void)
{
  uint64 x;

  asm volatile("csrr %0, sstatus" : "=r"(x));
}

// Execute ebreak.
static void
breakpoint(void)
{
  asm volatile("ebreak");
}

// An atomic on a misaligned address (QEMU traps it).
static void
misaligned_amo(void)
{
  static uint64 words[2];
  int *p = (int *)((char *)words + 1);
  int old;

  asm volatile("amoadd.w %0, %2, (%1)" : "=r"(old) : "r"(p), "r"(1) : "memory");
}

static volatile int depth_sink, depth_limit = 1 << 30;

// Recurse until the stack runs into its guard page.
static void
recurse_forever(void)
{
  volatile char pad[256];

  pad[0] = depth_sink++;
  if (depth_sink < depth_limit)
    recurse_forever();
  depth_sink += pad[0];
}

// The child running fn must die (wait status -1) and this process must go on.
static void
expect_killed(void (*fn)(void), uint64 addr, const char *what)
{
  int st;

  fault_addr = addr;
  if ((st = in_child(fn)) != -1)
    fail("%s at %p: child exit status %d, want -1 (killed)", what, (void *)addr, st);
}

// Stores, loads and jumps to addresses a process may not use kill only it.
void
test_pagefault(void)
{
  int dummy, i;
  static int data_word = 5;

  expect_killed(store_fault, 0, "store to address 0");
  expect_killed(store_fault, (uint64)test_pagefault, "store to text");
  expect_killed(store_fault, PGROUND_DOWN(&dummy) - 8, "store to the stack guard page");
  expect_killed(load_fault, PGROUND_DOWN(&dummy) - PGSIZE / 2, "load from the stack guard page");
  for (i = 0; i < NBAD - 1; i++) {
    expect_killed(load_fault, bad_addr(i), "load from bad address");
    expect_killed(store_fault, bad_addr(i), "store to bad address");
  }
  expect_killed(jump_fault, (uint64)sbrk(0) + 16 * PGSIZE, "jump to unmapped");
  expect_killed(jump_fault, (uint64)&data_word, "jump to data");
  expect_killed(jump_fault, KERNBASE, "jump to kernel");
  expect_killed(jump_fault, TRAPFRAME_VA, "jump to the trapframe");
  expect_killed(recurse_forever, 0, "stack overflow");
  CHECK(data_word == 5);
}

// Other exceptions in user mode kill only the process too.
void
test_traps(void)
{
  expect_killed(illegal_instruction, 0, "illegal instruction");
  expect_killed(csr_access, 0, "supervisor CSR access");
  expect_killed(breakpoint, 0, "ebreak");
  expect_killed(misaligned_amo, 0, "misaligned atomic");
}

// ---- memory: sbrk and running out ----

// sbrk grows and shrinks the heap; new memory is zero, freed memory is gone.
void
test_sbrkbasic(void)
{
  char *a;
  int i, fd;

  a = sbrk(0);
  if (sbrk(10 * PGSIZE) != a)
    fail("sbrk(10 pages) did not return the old break (errno %d)", errno);
  CHECK(sbrk(0) == a + 10 * PGSIZE);
  for (i = 0; i < 10 * PGSIZE; i += 512)
    CHECK(a[i] == 0);  // new memory is zeroed
  for (i = 0; i < 10 * PGSIZE; i++)
    a[i] = i;
  for (i = 0; i < 10 * PGSIZE; i++)
    CHECK(a[i] == (char)i);
  // odd sizes
  CHECK(sbrk(1) == a + 10 * PGSIZE);
  CHECK(sbrk(0) == a + 10 * PGSIZE + 1);
  CHECK(sbrk(-1) == a + 10 * PGSIZE + 1);
  // shrink: the pages go away
  CHECK(sbrk(-10 * PGSIZE) == a + 10 * PGSIZE);
  CHECK(sbrk(0) == a);
  expect_killed(load_fault, (uint64)a + 5 * PGSIZE, "load from shrunk heap");
  fd = expect_ok(open("README.md", O_RDONLY), "open README.md");
  expect_err(read(fd, a + PGSIZE, 1), EFAULT, "read into shrunk heap");
  close(fd);
  // grown again: zero, not the old contents
  CHECK(sbrk(PGSIZE) == a);
  CHECK(a[100] == 0);
}

// After fork, parent and child have separate copies of the heap.
void
test_sbrkfork(void)
{
  char *a = sbrk(0);
  int i, pid, st;

  if (sbrk(8 * PGSIZE) != a)
    fail("sbrk: errno %d", errno);
  for (i = 0; i < 8 * PGSIZE; i++)
    a[i] = pattern(i, 1);
  if ((pid = xfork()) == 0) {
    for (i = 0; i < 8 * PGSIZE; i++)
      if (a[i] != pattern(i, 1))
        exit(2);
    memset(a, 0, 8 * PGSIZE);
    if (sbrk(-4 * PGSIZE) == (char *)-1)
      exit(3);
    exit(0);
  }
  if ((st = xwait(pid)) != 0)
    fail("child saw a wrong heap copy (status %d)", st);
  for (i = 0; i < 8 * PGSIZE; i++)
    if (a[i] != pattern(i, 1))
      fail("parent heap changed by the child at %d", i);
}

static int shrink_by;

// Shrink the heap by shrink_by bytes; exit 42 if the kernel refused.
static void
shrink_child(void)
{
  char *r = sbrk(-shrink_by);

  if (r == (char *)-1 && (errno == EINVAL || errno == ENOMEM))
    exit(42);
  exit(1);
}

// sbrk requests the kernel must refuse, leaving the break and free memory alone.
void
test_sbrkedge(void)
{
  char *a = sbrk(0);
  uint64 before = free_pages();
  static int data_word = 1;
  int below_data, st;

  expect_err((long)sbrk(0x7fffffff), ENOMEM, "sbrk(2 GB)");
  expect_err((long)sbrk(1 << 30), ENOMEM, "sbrk(1 GB)");
  CHECK(sbrk(0) == a);
  expect_err2((long)sbrk(-0x7fffffff), EINVAL, ENOMEM, "sbrk(-2 GB)");
  CHECK(sbrk(0) == a);
  // shrinking below the program's data must be refused (in a child: if the kernel
  // allows it, the stack is gone and the child dies)
  below_data = (int)((uint64)a - (uint64)&data_word);
  shrink_by = below_data;
  if ((st = in_child(shrink_child)) != 42)
    fail("sbrk(-%d), below the data segment, was not refused (child status %d)", shrink_by, st);
  shrink_by = (int)(uint64)a;
  if ((st = in_child(shrink_child)) != 42)
    fail("sbrk(-%d), to address 0, was not refused (child status %d)", shrink_by, st);
  CHECK(sbrk(0) == a);
  CHECK(data_word == 1);
  if (before && free_pages() != before)
    fail("failed sbrk calls changed free pages: %ld -> %ld", before, free_pages());
}

// Take memory until sbrk fails, then give it back by exiting.
static void
eat_memory(void)
{
  char *p;
  long pages = 0;

  while ((p = sbrk(16 * PGSIZE)) != (char *)-1) {
    p[0] = 1;
    p[15 * PGSIZE] = 1;
    pages += 16;
  }
  if (errno != ENOMEM)
    exit(2);
  while ((p = sbrk(PGSIZE)) != (char *)-1)
    p[0] = 1;
  if (errno != ENOMEM || pages < 1000)
    exit(3);
  exit(0);
}

// A process takes every free page and gives them all back by exiting.
void
test_outofmemory(void)
{
  uint64 before = free_pages();
  int st, i;

  for (i = 0; i < 2; i++) {
    if ((st = in_child(eat_memory)) != 0)
      fail("round %d: memory eater exited %d", i, st);
    if (before && free_pages() < before)
      fail("round %d: %ld pages not given back", i, before - free_pages());
  }
}

// With memory exhausted, fork, pipe and exec fail cleanly instead of crashing.
static void
starved(void)
{
  static char *argv[] = { "echo", "starved", 0 };
  int p[2], pid;

  while (sbrk(16 * PGSIZE) != (char *)-1)
    ;
  while (sbrk(PGSIZE) != (char *)-1)
    ;
  pid = fork();
  if (pid == 0)
    exit(0);
  if (pid < 0 && errno != ENOMEM && errno != EAGAIN)
    exit(2);
  if (pid > 0)
    wait(0);
  if (pipe(p) == 0) {
    close(p[0]);
    close(p[1]);
  }
  exec("echo", argv);  // may fail (ENOMEM) or even work
  exit(0);
}

// fork, pipe and exec with memory exhausted.
void
test_oomfork(void)
{
  int st;

  if ((st = in_child(starved)) != 0)
    fail("starved child exited %d", st);
}

// malloc and free in random sizes; every block keeps its contents.
void
test_malloc(void)
{
  static char *blocks[64];
  static int sizes[64];
  uint seed = 12345;
  int i, k, j;

  for (i = 0; i < 5000; i++) {
    seed = seed * 1103515245 + 12345;
    k = (seed >> 8) % 64;
    if (blocks[k]) {
      for (j = 0; j < sizes[k]; j++)
        if (blocks[k][j] != (char)(k + j))
          fail("block %d corrupted at %d", k, j);
      free(blocks[k]);
      blocks[k] = 0;
    } else {
      sizes[k] = (seed >> 4) % (i % 50 == 0 ? 40000 : 300) + 1;
      if ((blocks[k] = malloc(sizes[k])) == 0)
        fail("malloc(%d) failed", sizes[k]);
      CHECK(((uint64)blocks[k] & 15) == 0);
      for (j = 0; j < sizes[k]; j++)
        blocks[k][j] = k + j;
    }
  }
}

// ---- files and directories ----

// open, unlink and chdir of missing or wrong-type paths.
void
test_openmissing(void)
{
  int fd;

  unlink("ut_nosuch");
  expect_err(open("ut_nosuch", O_RDONLY), ENOENT, "open missing file");
  expect_err(open("ut_nosuch/x", O_CREATE | O_WRONLY), ENOENT, "create in missing dir");
  expect_err(open("README.md/x", O_RDONLY), ENOTDIR, "open through a file");
  expect_err(open("", O_RDONLY), ENOENT, "open empty path");
  expect_err(open("/", O_WRONLY), EISDIR, "open / for writing");
  expect_err(open("/", O_RDWR), EISDIR, "open / read-write");
  expect_err(unlink("ut_nosuch"), ENOENT, "unlink missing file");
  expect_err(chdir("ut_nosuch"), ENOENT, "chdir missing dir");
  expect_err(chdir("README.md"), ENOTDIR, "chdir to a file");
  fd = expect_ok(open("README.md", O_RDONLY), "open README.md");
  close(fd);
}

// Create, write, read back, modes, O_TRUNC, O_CREATE of an existing file.
void
test_createrw(void)
{
  struct stat st;
  int fd, i, n;

  unlink("ut_rw");
  fd = expect_ok(open("ut_rw", O_CREATE | O_RDWR), "create");
  for (i = 0; i < 100; i++)
    big[i] = pattern(i, 3);
  CHECK(write(fd, big, 100) == 100);
  expect_ok(fstat(fd, &st), "fstat");
  CHECK(st.type == T_FILE && st.size == 100 && st.nlink == 1);
  close(fd);
  fd = expect_ok(open("ut_rw", O_RDONLY), "reopen");
  CHECK(read(fd, big2, sizeof(big2)) == 100);
  CHECK(memcmp(big, big2, 100) == 0);
  CHECK(read(fd, big2, 10) == 0);  // EOF
  expect_err(write(fd, big, 1), EBADF, "write to a read-only fd");
  close(fd);
  fd = expect_ok(open("ut_rw", O_WRONLY), "open write-only");
  expect_err(read(fd, big2, 1), EBADF, "read from a write-only fd");
  CHECK(write(fd, "XY", 2) == 2);  // overwrites the start, keeps the size
  close(fd);
  CHECK(stat("ut_rw", &st) == 0 && st.size == 100);
  fd = expect_ok(open("ut_rw", O_WRONLY | O_TRUNC), "truncate");
  close(fd);
  CHECK(stat("ut_rw", &st) == 0 && st.size == 0);
  n = open("ut_rw", O_CREATE | O_RDWR);  // O_CREATE of an existing file opens it
  CHECK(n >= 0);
  close(n);
  expect_ok(unlink("ut_rw"), "unlink");
}

// Write up to kbytes in 8 KB chunks, stopping early only at ENOSPC; the bytes written.
static long
bigfile_write(int kbytes)
{
  int fd, i, j, n, chunk = 8192;
  long total = 0;

  unlink("ut_big");
  fd = expect_ok(open("ut_big", O_CREATE | O_WRONLY), "create ut_big");
  for (i = 0; i < kbytes / 8; i++) {
    for (j = 0; j < chunk; j++)
      big[j] = pattern((uint64)i * chunk + j, 5);
    if ((n = write(fd, big, chunk)) > 0)
      total += n;
    if (n == chunk)
      continue;
    if (n >= 0 || errno == ENOSPC)  // the disk is full
      break;
    fail("write chunk %d: errno %d (%s)", i, errno, strerror(errno));
  }
  close(fd);
  return total;
}

// Read ut_big back and check its total bytes.
static void
bigfile_check(long total)
{
  int fd, n;
  long off = 0, j;

  fd = expect_ok(open("ut_big", O_RDONLY), "open ut_big");
  while ((n = read(fd, big2, 8192)) > 0) {
    for (j = 0; j < n; j++)
      if (big2[j] != pattern(off + j, 5))
        fail("byte %ld is wrong", off + j);
    off += n;
  }
  if (n < 0 || off != total)
    fail("read back %ld bytes of %ld (errno %d)", off, total, n < 0 ? errno : 0);
  close(fd);
  expect_ok(unlink("ut_big"), "unlink ut_big");
}

// A file of megabytes, written and read back twice: up to 6 MB, or less if the disk is
// smaller, but at least 1 MB.
void
test_bigfile(void)
{
  long first, second;

  first = bigfile_write(6 * 1024);
  bigfile_check(first);
  if (first < 1024 * 1024)
    fail("only %ld bytes fit on the disk", first);
  second = bigfile_write(6 * 1024);
  bigfile_check(second);
  if (second < first)
    fail("the second file got %ld bytes, the first %ld: blocks lost", second, first);
}

// An unlinked file stays usable through open descriptors.
void
test_unlinkopen(void)
{
  int fd, fd2;

  write_file("ut_uo", "abcdef", 6);
  fd = expect_ok(open("ut_uo", O_RDWR), "open");
  expect_ok(unlink("ut_uo"), "unlink an open file");
  expect_err(open("ut_uo", O_RDONLY), ENOENT, "open after unlink");
  CHECK(read(fd, big, 3) == 3 && memcmp(big, "abc", 3) == 0);
  CHECK(write(fd, "XYZ", 3) == 3);
  close(fd);
  // the name can be reused at once, for a new file
  fd2 = expect_ok(open("ut_uo", O_CREATE | O_RDWR), "create again");
  CHECK(read(fd2, big, 10) == 0);
  close(fd2);
  expect_ok(unlink("ut_uo"), "unlink");
}

// Hard links: nlink, EEXIST, ENOENT, the data survives the first name.
void
test_linkunlink(void)
{
  struct stat st;
  int fd;

  unlink("ut_la");
  unlink("ut_lb");
  write_file("ut_la", "hello", 5);
  expect_ok(link("ut_la", "ut_lb"), "link");
  CHECK(stat("ut_la", &st) == 0 && st.nlink == 2);
  expect_err(link("ut_la", "ut_lb"), EEXIST, "link to an existing name");
  expect_err(link("ut_nosuch", "ut_lc"), ENOENT, "link of a missing file");
  expect_err(link("ut_la", "ut_nosuch/x"), ENOENT, "link into a missing dir");
  expect_ok(unlink("ut_la"), "unlink first name");
  fd = expect_ok(open("ut_lb", O_RDONLY), "open second name");
  CHECK(fstat(fd, &st) == 0 && st.nlink == 1 && st.size == 5);
  CHECK(read(fd, big, 5) == 5 && memcmp(big, "hello", 5) == 0);
  close(fd);
  expect_ok(unlink("ut_lb"), "unlink second name");
  expect_err(unlink("ut_lb"), ENOENT, "unlink twice");
}

// mkdir, chdir, .., ENOTEMPTY, EEXIST, and the root's .. is the root.
void
test_dirs(void)
{
  struct stat st, root;
  int fd;

  unlink("ut_d/f");
  unlink("ut_d/sub");
  unlink("ut_d");
  expect_ok(mkdir("ut_d"), "mkdir");
  expect_err(mkdir("ut_d"), EEXIST, "mkdir existing");
  expect_err(mkdir("README.md"), EEXIST, "mkdir over a file");
  expect_ok(chdir("ut_d"), "chdir");
  write_file("f", "x", 1);
  expect_ok(mkdir("sub"), "mkdir sub");
  expect_ok(chdir("sub/.."), "chdir sub/..");
  CHECK(stat("f", &st) == 0 && st.type == T_FILE);
  expect_ok(chdir(".."), "chdir ..");
  CHECK(stat("ut_d/f", &st) == 0);
  expect_err(unlink("ut_d"), ENOTEMPTY, "unlink a non-empty dir");
  CHECK(stat("ut_d/.", &st) == 0 && st.type == T_DIR);
  expect_ok(chdir("/"), "chdir /");
  expect_ok(chdir(".."), "chdir .. at the root");
  CHECK(stat(".", &st) == 0 && stat("/", &root) == 0 && st.ino == root.ino);
  CHECK(root.ino == ROOTINO);
  fd = expect_ok(open("ut_d", O_RDONLY), "open a dir");
  CHECK(fstat(fd, &st) == 0 && st.type == T_DIR);
  close(fd);
  expect_err2(unlink("ut_d/."), EINVAL, EPERM, "unlink .");
  expect_ok(unlink("ut_d/sub"), "rmdir sub");
  expect_ok(unlink("ut_d/f"), "unlink f");
  expect_ok(unlink("ut_d"), "rmdir");
}

// Count the used entries of directory path.
static int
count_entries(const char *path)
{
  struct dirent de;
  int fd, n = 0;

  fd = expect_ok(open(path, O_RDONLY), path);
  while (read(fd, &de, sizeof(de)) == sizeof(de))
    if (de.inum)
      n++;
  close(fd);
  return n;
}

// Remove ut_many and its first n files (so that a failure does not fill the disk).
static void
remove_many(int n)
{
  char name[32];
  int i;

  for (i = 0; i < n; i++) {
    snprintf(name, sizeof(name), "ut_many/f%03d", i);
    unlink(name);
  }
  unlink("ut_many");
}

// 200 files in one directory.
void
test_manyfiles(void)
{
  char name[32];
  int i, fd, v;

  unlink("ut_many");
  expect_ok(mkdir("ut_many"), "mkdir");
  for (i = 0; i < 200; i++) {
    snprintf(name, sizeof(name), "ut_many/f%03d", i);
    fd = open(name, O_CREATE | O_WRONLY);
    if (fd < 0) {
      v = errno;
      remove_many(i);
      fail("create file %d: errno %d (%s)", i, v, strerror(v));
    }
    if (i % 10 == 0)  // some carry data (each write is one more disk transaction)
      write(fd, &i, sizeof(i));
    close(fd);
  }
  if ((v = count_entries("ut_many")) != 202)
    fail("directory has %d entries, want 202", v);
  for (i = 0; i < 200; i++) {
    snprintf(name, sizeof(name), "ut_many/f%03d", i);
    fd = expect_ok(open(name, O_RDONLY), name);
    if (i % 10 == 0)
      CHECK(read(fd, &v, sizeof(v)) == sizeof(v) && v == i);
    else
      CHECK(read(fd, &v, sizeof(v)) == 0);
    close(fd);
    expect_ok(unlink(name), name);
  }
  CHECK(count_entries("ut_many") == 2);
  expect_ok(unlink("ut_many"), "rmdir");
}

// Creating and removing names over and over reuses directory slots.
void
test_direntreuse(void)
{
  struct stat st1, st2;
  char name[32];
  int i, j;

  unlink("ut_reuse");
  expect_ok(mkdir("ut_reuse"), "mkdir");
  for (i = 0; i < 12; i++) {
    for (j = 0; j < 10; j++) {
      snprintf(name, sizeof(name), "ut_reuse/n%d_%d", i, j);
      write_file(name, "", 0);
    }
    for (j = 0; j < 10; j++) {
      snprintf(name, sizeof(name), "ut_reuse/n%d_%d", i, j);
      expect_ok(unlink(name), name);
    }
    if (i == 0)
      expect_ok(stat("ut_reuse", &st1), "stat");
  }
  expect_ok(stat("ut_reuse", &st2), "stat");
  if (st2.size != st1.size)
    fail("directory grew from %ld to %ld bytes", (long)st1.size, (long)st2.size);
  expect_ok(unlink("ut_reuse"), "rmdir");
}

// Several processes create, write, check and unlink files in one directory.
static void
create_worker(int id)
{
  char name[32];
  int i, fd, v;

  for (i = 0; i < 24; i++) {
    snprintf(name, sizeof(name), "ut_conc/w%d_%d", id, i % 8);
    if ((fd = open(name, O_CREATE | O_RDWR)) < 0)
      exit(10);
    v = id * 1000 + i;
    if (write(fd, &v, sizeof(v)) != sizeof(v))
      exit(11);
    close(fd);
    if ((fd = open(name, O_RDONLY)) < 0 || read(fd, &v, sizeof(v)) != sizeof(v) ||
        v != id * 1000 + i)
      exit(12);
    close(fd);
    if (i % 2 && unlink(name) < 0)
      exit(13);
  }
  for (i = 0; i < 8; i++) {
    snprintf(name, sizeof(name), "ut_conc/w%d_%d", id, i);
    unlink(name);
  }
  exit(0);
}

// Two processes race on the same names; each call may fail, but only as it should.
static void
race_worker(int id)
{
  char name[32];
  int i, fd;

  for (i = 0; i < 100; i++) {
    snprintf(name, sizeof(name), "ut_conc/r%d", i % 5);
    if (i % 3 == id % 3) {
      if ((fd = open(name, O_CREATE | O_RDWR)) < 0)
        exit(20);
      write(fd, "x", 1);
      close(fd);
    } else if (unlink(name) < 0 && errno != ENOENT) {
      exit(21);
    }
  }
  exit(0);
}

// Create, write, check and unlink from several processes at once.
void
test_concurrentfiles(void)
{
  int i, st;
  char name[32];

  mkdir("ut_conc");
  for (i = 0; i < 4; i++)
    if (xfork() == 0)
      create_worker(i);
  for (i = 0; i < 2; i++)
    if (xfork() == 0)
      race_worker(i);
  for (i = 0; i < 6; i++) {
    if (wait(&st) < 0)
      fail("wait: errno %d", errno);
    if (st != 0)
      fail("a worker exited %d", st);
  }
  for (i = 0; i < 5; i++) {
    snprintf(name, sizeof(name), "ut_conc/r%d", i);
    unlink(name);
  }
  if ((st = count_entries("ut_conc")) != 2)
    fail("%d entries left in ut_conc", st - 2);
  expect_ok(unlink("ut_conc"), "rmdir");
}

// dup shares the offset; the descriptor table fills up with EMFILE.
void
test_dup(void)
{
  int fd, d, i, n = 0;
  static int fds[NOFILE];

  unlink("ut_dup");
  fd = expect_ok(open("ut_dup", O_CREATE | O_RDWR), "create");
  d = expect_ok(dup(fd), "dup");
  CHECK(d == fd + 1);
  CHECK(write(fd, "ab", 2) == 2 && write(d, "cd", 2) == 2);  // one shared offset
  close(fd);
  CHECK(write(d, "ef", 2) == 2);
  close(d);
  fd = expect_ok(open("ut_dup", O_RDONLY), "reopen");
  CHECK(read(fd, big, 10) == 6 && memcmp(big, "abcdef", 6) == 0);
  // fill the descriptor table
  while ((d = dup(fd)) >= 0)
    fds[n++] = d;
  expect_err(d, EMFILE, "dup with a full table");
  expect_err(open("ut_dup", O_RDONLY), EMFILE, "open with a full table");
  CHECK(n == NOFILE - 4);
  for (i = 0; i < n; i++)
    close(fds[i]);
  close(fd);
  expect_ok(unlink("ut_dup"), "unlink");
}

// fstat reports devices, pipes, directories and files.
void
test_fstattypes(void)
{
  struct stat st;
  int p[2], fd;

  CHECK(fstat(0, &st) == 0 && st.type == T_DEVICE);
  expect_ok(pipe(p), "pipe");
  CHECK(fstat(p[0], &st) == 0 && st.type == T_PIPE);
  close(p[0]);
  close(p[1]);
  fd = expect_ok(open("/", O_RDONLY), "open /");
  CHECK(fstat(fd, &st) == 0 && st.type == T_DIR && st.ino == ROOTINO);
  close(fd);
  CHECK(stat("README.md", &st) == 0 && st.type == T_FILE && st.size > 0);
}

// Fill the disk, see ENOSPC, and get the space back.
void
test_diskfull(void)
{
  int fd, round, n;
  long total[2];

  memset(big, 'd', 8192);
  for (round = 0; round < 2; round++) {
    unlink("ut_full");
    fd = expect_ok(open("ut_full", O_CREATE | O_WRONLY), "create");
    total[round] = 0;
    while ((n = write(fd, big, 8192)) > 0)
      total[round] += n;
    if (n < 0 && errno != ENOSPC && errno != EFBIG)
      fail("write on a full disk: errno %d (%s), want ENOSPC", errno, strerror(errno));
    close(fd);
    expect_ok(unlink("ut_full"), "unlink");
  }
  if (total[1] < total[0])
    fail("space lost: %ld bytes fit the first time, %ld the second", total[0], total[1]);
}

// ---- pipes ----

// Data, wrong-end EBADF, and EOF on a pipe.
void
test_pipebasic(void)
{
  int p[2], n;

  expect_ok(pipe(p), "pipe");
  CHECK(p[0] >= 3 && p[1] >= 3 && p[0] != p[1]);
  CHECK(write(p[1], "hello", 5) == 5);
  CHECK((n = read(p[0], big, 100)) == 5 && memcmp(big, "hello", 5) == 0);
  expect_err(write(p[0], "x", 1), EBADF, "write to the read end");
  expect_err(read(p[1], big, 1), EBADF, "read from the write end");
  close(p[1]);
  CHECK(read(p[0], big, 100) == 0);  // EOF once every writer is gone
  close(p[0]);
}

// A child writes total bytes in uneven pieces; the parent reads and checks them.
void
test_pipebig(void)
{
  int p[2], pid, n, st, total = 1024 * 1024;
  uint64 got = 0, i;

  expect_ok(pipe(p), "pipe");
  if ((pid = xfork()) == 0) {
    uint64 sent = 0;
    close(p[0]);
    while (sent < total) {
      n = 1 + (sent * 13) % 5000;
      if (n > total - sent)
        n = total - sent;
      for (i = 0; i < n; i++)
        big[i] = pattern(sent + i, 9);
      if (write(p[1], big, n) != n)
        exit(2);
      sent += n;
    }
    exit(0);
  }
  close(p[1]);
  while ((n = read(p[0], big2, 3000)) > 0) {
    for (i = 0; i < n; i++)
      if (big2[i] != pattern(got + i, 9))
        fail("byte %ld wrong", (long)(got + i));
    got += n;
  }
  CHECK(n == 0);
  if (got != total)
    fail("got %ld bytes, want %d", (long)got, total);
  if ((st = xwait(pid)) != 0)
    fail("writer exited %d", st);
  close(p[0]);
}

// Writing to a pipe without readers fails with EPIPE, also when blocked.
void
test_pipeepipe(void)
{
  int p[2], pid, st;

  expect_ok(pipe(p), "pipe");
  close(p[0]);
  expect_err(write(p[1], "x", 1), EPIPE, "write with no reader");
  close(p[1]);
  // a writer blocked on a full pipe gets EPIPE when the reader goes away
  expect_ok(pipe(p), "pipe");
  if ((pid = xfork()) == 0) {
    close(p[0]);
    memset(big, 'p', sizeof(big));
    for (;;)
      if (write(p[1], big, sizeof(big)) < 0)
        exit(errno == EPIPE ? 0 : 2);
  }
  close(p[1]);
  sleep(10);
  close(p[0]);
  if ((st = xwait(pid)) != 0)
    fail("blocked writer exited %d, want EPIPE", st);
}

// Several writers; every record arrives whole (writes up to 512 bytes are atomic
// enough that records of 64 bytes never interleave).
void
test_pipewriters(void)
{
  static char rec[64];
  int p[2], i, j, n, counts[4] = { 0, 0, 0, 0 };

  expect_ok(pipe(p), "pipe");
  for (i = 0; i < 4; i++) {
    if (xfork() == 0) {
      close(p[0]);
      memset(rec, 'a' + i, sizeof(rec));
      for (j = 0; j < 300; j++)
        if (write(p[1], rec, sizeof(rec)) != sizeof(rec))
          exit(2);
      exit(0);
    }
  }
  close(p[1]);
  while ((n = read(p[0], big, 64)) > 0) {
    // reads may split records: collect whole records
    while (n < 64) {
      int r = read(p[0], big + n, 64 - n);
      if (r <= 0)
        fail("pipe ended inside a record");
      n += r;
    }
    for (j = 1; j < 64; j++)
      if (big[j] != big[0])
        fail("records interleaved");
    counts[big[0] - 'a']++;
  }
  for (i = 0; i < 4; i++) {
    if (counts[i] != 300)
      fail("writer %d: %d records, want 300", i, counts[i]);
    wait(0);
  }
  close(p[0]);
}

// Hundreds of pipes created and closed; descriptors and pages come back.
void
test_pipemany(void)
{
  int p[2], i, first = -1;

  for (i = 0; i < 200; i++) {
    expect_ok(pipe(p), "pipe");
    if (first < 0)
      first = p[0];
    CHECK(p[0] == first);  // descriptors come back
    CHECK(write(p[1], "z", 1) == 1);
    close(p[0]);
    close(p[1]);
  }
}

// poll on a pipe: timeout, POLLIN, POLLOUT, POLLHUP, POLLNVAL.
void
test_poll(void)
{
  struct pollfd fds[2];
  int p[2];
  long t0;

  expect_ok(pipe(p), "pipe");
  fds[0].fd = p[0];
  fds[0].events = POLLIN;
  fds[1].fd = p[1];
  fds[1].events = POLLOUT;
  CHECK(poll(fds, 2, 0) == 1 && fds[0].revents == 0 && (fds[1].revents & POLLOUT));
  t0 = clock_us();
  CHECK(poll(fds, 1, 100) == 0);
  if (clock_us() - t0 < 80000)
    fail("poll timeout of 100 ms returned after %ld us", clock_us() - t0);
  CHECK(write(p[1], "q", 1) == 1);
  CHECK(poll(fds, 1, 1000) == 1 && (fds[0].revents & POLLIN));
  close(p[1]);
  read(p[0], big, 1);
  CHECK(poll(fds, 1, 1000) == 1 && (fds[0].revents & (POLLIN | POLLHUP)));
  fds[0].fd = 99;
  CHECK(poll(fds, 1, 0) == 1 && (fds[0].revents & POLLNVAL));
  close(p[0]);
}

// ---- exec ----

// Run argv with its standard output into big; the length read.
static int
run_capture(char **argv)
{
  int p[2], pid, n = 0, r;

  expect_ok(pipe(p), "pipe");
  if ((pid = xfork()) == 0) {
    close(1);
    dup(p[1]);
    close(p[0]);
    close(p[1]);
    exec(argv[0], argv);
    exit(99);
  }
  close(p[1]);
  while ((r = read(p[0], big + n, sizeof(big) - 1 - n)) > 0)
    n += r;
  big[n] = 0;
  close(p[0]);
  if ((r = xwait(pid)) != 0)
    fail("%s exited %d", argv[0], r);
  return n;
}

// exec passes MAXARG-1 arguments (and an empty one) intact.
void
test_execargs(void)
{
  static char *argv[MAXARG + 1];
  static char words[MAXARG][8];
  int i, n;

  argv[0] = "echo";
  for (i = 1; i < MAXARG; i++) {
    snprintf(words[i], sizeof(words[i]), "w%d", i);
    argv[i] = words[i];
  }
  argv[MAXARG] = 0;
  n = run_capture(argv);
  CHECK(n > 0 && big[n - 1] == '\n');
  CHECK(strncmp(big, "w1 w2 w3 ", 9) == 0);
  snprintf(big2, sizeof(big2), " w%d\n", MAXARG - 1);
  CHECK(strcmp(big + n - strlen(big2), big2) == 0);
  argv[1] = "";
  argv[2] = 0;
  CHECK(run_capture(argv) == 1 && big[0] == '\n');  // an empty argument
}

// ELF header and program header, as far as the tests need them [ELF-64 spec, 3 and 5].
struct elf_hdr {
  uchar ident[16];
  ushort type, machine;
  uint version;
  uint64 entry, phoff, shoff;
  uint flags;
  ushort ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf_phdr {
  uint type, flags;
  uint64 off, vaddr, paddr, filesz, memsz, align;
};

// Copy the first n bytes of /echo into path, applying fix to the copy.
static int
make_elf(const char *path, int n, void (*fix)(char *))
{
  int fd, got;

  fd = expect_ok(open("/echo", O_RDONLY), "open /echo");
  got = read(fd, big2, n);
  close(fd);
  CHECK(got >= (int)sizeof(struct elf_hdr));
  if (fix)
    fix(big2);
  write_file(path, big2, got);
  return got;
}

// The first loadable segment's program header.
static struct elf_phdr *
first_load(char *elf)
{
  struct elf_hdr *eh = (struct elf_hdr *)elf;
  struct elf_phdr *ph;
  int i;

  for (i = 0; i < eh->phnum; i++) {
    ph = (struct elf_phdr *)(elf + eh->phoff + i * sizeof(*ph));
    if (ph->type == 1)  // PT_LOAD
      return ph;
  }
  fail("/echo has no PT_LOAD segment");
}

// Make the first segment's memsz smaller than its filesz.
static void
fix_memsz(char *elf)
{
  struct elf_phdr *ph = first_load(elf);

  ph->memsz = ph->filesz - 1;  // smaller than the file part
}

// Make the first segment wrap around the top of the address space.
static void
fix_vaddr(char *elf)
{
  struct elf_phdr *ph = first_load(elf);

  ph->vaddr = 0xffffffffffff0000UL;  // wraps around
  ph->memsz = 0x20000;
}

// Point the program headers far beyond the end of the file.
static void
fix_phnum(char *elf)
{
  struct elf_hdr *eh = (struct elf_hdr *)elf;

  eh->phoff = 0x7ffffff0;  // program headers far beyond the file
}

// exec of missing, directory, non-ELF, truncated and malformed files.
void
test_execbad(void)
{
  static char *argv[] = { "x", 0 };

  expect_exec_fails("ut_nosuch", argv, ENOENT, ENOENT, "missing file");
  expect_exec_fails("/", argv, EACCES, ENOEXEC, "a directory");
  write_file("ut_notelf", "#!/bin/sh\necho hi\n", 19);
  expect_exec_fails("ut_notelf", argv, ENOEXEC, ENOEXEC, "not ELF");
  write_file("ut_notelf", "", 0);
  expect_exec_fails("ut_notelf", argv, ENOEXEC, ENOEXEC, "empty file");
  make_elf("ut_notelf", sizeof(struct elf_hdr), 0);
  expect_exec_fails("ut_notelf", argv, ENOEXEC, ENOEXEC, "header only");
  make_elf("ut_notelf", 600, 0);
  expect_exec_fails("ut_notelf", argv, ENOEXEC, ENOEXEC, "truncated");
  make_elf("ut_notelf", sizeof(big2), fix_memsz);
  expect_exec_fails("ut_notelf", argv, ENOEXEC, EINVAL, "memsz < filesz");
  make_elf("ut_notelf", sizeof(big2), fix_vaddr);
  expect_exec_fails("ut_notelf", argv, ENOEXEC, EINVAL, "wrapping vaddr");
  make_elf("ut_notelf", sizeof(big2), fix_phnum);
  expect_exec_fails("ut_notelf", argv, ENOEXEC, EINVAL, "phoff beyond the file");
  expect_ok(unlink("ut_notelf"), "unlink");
}

// A failed exec leaves the caller's memory as it was.
void
test_execfailkeeps(void)
{
  static char *argv[] = { "x", 0 };
  static int marker = 1234;
  char *heap = sbrk(PGSIZE);
  uint64 before = free_pages();

  heap[10] = 77;
  write_file("ut_notelf", "garbage garbage garbage", 23);
  expect_err(exec("ut_notelf", argv), ENOEXEC, "exec garbage");
  expect_err(exec("ut_nosuch", argv), ENOENT, "exec missing");
  CHECK(marker == 1234 && heap[10] == 77 && sbrk(0) == heap + PGSIZE);
  if (before && free_pages() != before)
    fail("failed exec changed free pages %ld -> %ld", before, free_pages());
  unlink("ut_notelf");
}

// ---- more edges: partial buffers, strings, sizes, paths, descriptors ----

// Buffers that start mapped and run into an unmapped page.
void
test_partialbuf(void)
{
  char *end = sbrk(0);
  char *a = end - 100;  // the last 100 bytes of the heap
  int fd, r, p[2];

  fd = expect_ok(open("README.md", O_RDONLY), "open README.md");
  r = read(fd, a, 4096);
  if (!(r == -1 && errno == EFAULT) && !(r >= 0 && r <= 100))
    fail("read across the end of the heap returned %d errno %d", r, errno);
  close(fd);
  expect_ok(pipe(p), "pipe");
  r = write(p[1], a, 4096);
  if (!(r == -1 && errno == EFAULT) && !(r >= 0 && r <= 100))
    fail("write across the end of the heap returned %d errno %d", r, errno);
  close(p[0]);
  close(p[1]);
  // a path with no NUL before the unmapped page
  memset(a, 'p', 100);
  expect_err2(open(a, O_RDONLY), EFAULT, ENAMETOOLONG, "open of an unterminated path");
  expect_err2(unlink(a), EFAULT, ENAMETOOLONG, "unlink of an unterminated path");
}

// exec argument arrays that are not NULL-terminated before an unmapped page.
void
test_execunterminated(void)
{
  char **argv = (char **)(sbrk(0) - 2 * sizeof(char *));

  argv[0] = "echo";
  argv[1] = "x";
  expect_exec_fails("echo", argv, EFAULT, E2BIG, "argv running off the heap");
}

// Files of sizes around block and indirect-block boundaries.
void
test_filesizes(void)
{
  static int sizes[] = { 0,
                         1,
                         BSIZE - 1,
                         BSIZE,
                         BSIZE + 1,
                         NDIRECT * BSIZE,
                         NDIRECT * BSIZE + 1,
                         (NDIRECT + 3) * BSIZE + 7 };
  struct stat st;
  int i, k, fd, n, left;

  for (i = 0; i < NELEM(sizes); i++) {
    fd = expect_ok(open("ut_size", O_CREATE | O_TRUNC | O_RDWR), "create");
    for (k = 0; k < sizes[i]; k++)
      big[k] = pattern(k, i);
    for (k = 0; k < sizes[i]; k += n)  // in odd pieces
      if ((n = write(fd, big + k, sizes[i] - k < 777 ? sizes[i] - k : 777)) <= 0)
        fail("write at %d of %d: errno %d", k, sizes[i], errno);
    CHECK(fstat(fd, &st) == 0 && st.size == sizes[i]);
    close(fd);
    fd = expect_ok(open("ut_size", O_RDONLY), "open");
    for (left = sizes[i], k = 0; (n = read(fd, big2 + k, 1000)) > 0; k += n)
      left -= n;
    if (k != sizes[i] || memcmp(big, big2, k) != 0)
      fail("size %d: read back %d bytes, or different ones", sizes[i], k);
    close(fd);
  }
  expect_ok(unlink("ut_size"), "unlink");
}

// Different spellings of one path name one inode; DIRSIZ-long names.
void
test_paths(void)
{
  struct stat a, b;
  static const char *same[] = { "//README.md",        "./README.md",
                                "/./README.md",       "/../README.md",
                                "ut_pd/../README.md", "ut_pd/./../ut_pd/../README.md" };
  int i;

  mkdir("ut_pd");
  expect_ok(stat("/README.md", &a), "stat /README.md");
  for (i = 0; i < NELEM(same); i++) {
    if (stat(same[i], &b) < 0)
      fail("stat %s: errno %d (%s)", same[i], errno, strerror(errno));
    CHECK(b.ino == a.ino);
  }
  // a name of exactly DIRSIZ characters
  write_file("ut_pd/abcdefghijklmn", "14", 2);
  CHECK(stat("ut_pd/abcdefghijklmn", &b) == 0 && b.size == 2);
  expect_ok(unlink("ut_pd/abcdefghijklmn"), "unlink 14-char name");
  expect_err(open("ut_pd/", O_WRONLY), EISDIR, "open dir/ for writing");
  expect_ok(unlink("ut_pd"), "rmdir");
}

// Descriptors and their offsets are shared across fork and survive exec.
void
test_forkfds(void)
{
  static char *argv[] = { "cat", 0 };
  int fd, pid, p[2], n;

  write_file("ut_ff", "0123456789", 10);
  fd = expect_ok(open("ut_ff", O_RDONLY), "open");
  CHECK(read(fd, big, 2) == 2);
  if ((pid = xfork()) == 0) {
    if (read(fd, big, 3) != 3 || memcmp(big, "234", 3) != 0)
      exit(2);
    exit(0);
  }
  CHECK(xwait(pid) == 0);
  CHECK(read(fd, big, 2) == 2 && memcmp(big, "56", 2) == 0);  // the child moved it
  // cat with fd 0 = the file (at offset 7) writes the rest into a pipe
  expect_ok(pipe(p), "pipe");
  if ((pid = xfork()) == 0) {
    close(0);
    dup(fd);
    close(1);
    dup(p[1]);
    exec("cat", argv);
    exit(3);
  }
  close(p[1]);
  n = read(p[0], big, 100);
  CHECK(xwait(pid) == 0);
  CHECK(n == 3 && memcmp(big, "789", 3) == 0);
  close(p[0]);
  close(fd);
  unlink("ut_ff");
}

// Open files until the system-wide table is full, in several processes.
void
test_filetable(void)
{
  int i, j, st, hold[2], ready[2], full = 0, nproc = NFILE / (NOFILE - 6) + 2;
  char c;

  expect_ok(pipe(hold), "pipe");
  expect_ok(pipe(ready), "pipe");
  for (i = 0; i < nproc; i++) {
    if (xfork() == 0) {
      close(hold[1]);
      for (j = 0; j < NOFILE - 6; j++)
        if (open("README.md", O_RDONLY) < 0)
          break;
      st = j == NOFILE - 6 ? 0 : errno == ENFILE ? 1 : 2;
      write(ready[1], "r", 1);
      read(hold[0], &c, 1);  // hold the files until every opener is done
      exit(st);
    }
  }
  for (i = 0; i < nproc; i++)
    CHECK(read(ready[0], &c, 1) == 1);
  close(hold[0]);
  close(hold[1]);
  close(ready[0]);
  close(ready[1]);
  for (i = 0; i < nproc; i++) {
    if (wait(&st) < 0 || st == 2 || st < 0)
      fail("an opener failed (status %d, errno not ENFILE)", st);
    full += st == 1;
  }
  if (full == 0)
    fail("%d processes opened %d files each without ENFILE", nproc, NOFILE - 6);
  i = expect_ok(open("README.md", O_RDONLY), "open after the others exited");
  close(i);
}

// A device node made with mknod works and is removed with unlink.
void
test_mknod(void)
{
  struct stat st;
  int fd;

  unlink("ut_cons");
  expect_ok(mknod("ut_cons", CONSOLE, 0), "mknod");
  expect_err(mknod("ut_cons", CONSOLE, 0), EEXIST, "mknod of an existing name");
  fd = expect_ok(open("ut_cons", O_WRONLY), "open device");
  CHECK(fstat(fd, &st) == 0 && st.type == T_DEVICE);
  CHECK(write(fd, "", 0) == 0);
  close(fd);
  expect_ok(unlink("ut_cons"), "unlink device");
  expect_err(mknod("ut_nosuch/x", CONSOLE, 0), ENOENT, "mknod in a missing dir");
}

// A process that kills itself, and a parent killed while it waits.
void
test_killself(void)
{
  int pid, st, mid, p[2];

  if ((pid = xfork()) == 0) {
    kill(getpid());
    for (;;)
      sleep(1);
  }
  if ((st = xwait(pid)) != -1)
    fail("self-killed child exited %d", st);
  expect_ok(pipe(p), "pipe");
  if ((mid = xfork()) == 0) {
    if ((pid = fork()) == 0) {
      sleep(100000);
      exit(0);
    }
    write(p[1], &pid, sizeof(pid));
    wait(0);  // blocked here when killed
    exit(5);
  }
  CHECK(read(p[0], &pid, sizeof(pid)) == sizeof(pid) && pid > 0);
  sleep(2);
  expect_ok(kill(mid), "kill a waiting parent");
  if ((st = xwait(mid)) != -1)
    fail("killed waiting parent exited %d", st);
  // the orphan now belongs to init, which reaps it once it is killed too
  expect_ok(kill(pid), "kill the orphan");
  close(p[0]);
  close(p[1]);
  sleep(5);
}

// Directories: reading entries, writing refused.
void
test_dirread(void)
{
  struct dirent de;
  int fd, n = 0, found = 0;

  fd = expect_ok(open("/", O_RDONLY), "open /");
  expect_err2(write(fd, "x", 1), EBADF, EISDIR, "write to a directory");
  while (read(fd, &de, sizeof(de)) == sizeof(de)) {
    n++;
    if (de.inum && strncmp(de.name, "README.md", DIRSIZ) == 0)
      found = 1;
  }
  close(fd);
  CHECK(n >= 3 && found);
}

// Arguments that cannot fit on the one-page user stack.
void
test_execbigargs(void)
{
  static char *argv[MAXARG + 1];
  static char word[300];
  int i;

  memset(word, 'w', sizeof(word) - 1);
  argv[0] = "echo";
  for (i = 1; i < MAXARG; i++)
    argv[i] = word;
  argv[MAXARG] = 0;
  expect_exec_fails("echo", argv, E2BIG, ENOMEM, "arguments bigger than the stack");
}

// A directory cannot get a second name.
void
test_linkdir(void)
{
  mkdir("ut_ld");
  expect_err(link("ut_ld", "ut_ld2"), EPERM, "link to a directory");
  expect_err(link(".", "ut_ld2"), EPERM, "link of the directory that gets the name");
  expect_err(link("..", "ut_ld/x"), EPERM, "link of an ancestor of the new name");
  expect_ok(unlink("ut_ld"), "rmdir");
}

// Several processes grow, fill, fork and shrink their heaps at once (kalloc and vm on
// several harts).
static void
mem_worker(void)
{
  char *a;
  int i, j, pid, st;

  for (i = 0; i < 30; i++) {
    if ((a = sbrk(32 * PGSIZE)) == (char *)-1)
      exit(2);
    for (j = 0; j < 32 * PGSIZE; j += PGSIZE / 2)
      a[j] = i + j;
    if ((pid = fork()) == 0) {
      for (j = 0; j < 32 * PGSIZE; j += PGSIZE / 2)
        if (a[j] != (char)(i + j))
          exit(3);
      exit(0);
    }
    if (pid < 0 || wait(&st) != pid || st != 0)
      exit(4);
    if (sbrk(-32 * PGSIZE) == (char *)-1)
      exit(5);
  }
  exit(0);
}

// Heaps grown, copied by fork and shrunk by several processes at once.
void
test_memconcurrent(void)
{
  int i, st;

  for (i = 0; i < 4; i++)
    if (xfork() == 0)
      mem_worker();
  for (i = 0; i < 4; i++) {
    if (wait(&st) < 0)
      fail("wait: errno %d", errno);
    if (st != 0)
      fail("a memory worker exited %d", st);
  }
}

// The clocks never run backwards, also across sleeps and other processes running.
void
test_clocks(void)
{
  long last = clock_us(), now;
  int i, t = uptime(), pid;

  if ((pid = xfork()) == 0) {
    for (;;)
      ;
  }
  for (i = 0; i < 2000; i++) {
    now = clock_us();
    if (now < last)
      fail("clock_us went back from %ld to %ld", last, now);
    last = now;
    if (i % 200 == 0) {
      sleep(1);
      CHECK(uptime() >= t);
      t = uptime();
    }
  }
  kill(pid);
  xwait(pid);
}

// ---- the user library itself ----

// Compare one formatted string.
static void
expect_str(const char *got, const char *want)
{
  if (strcmp(got, want) != 0)
    fail("got \"%s\", want \"%s\"", got, want);
}

// snprintf conversions, truncation and the return value.
void
test_printf(void)
{
  char buf[128];
  int n;

  snprintf(buf, sizeof(buf), "%d|%5d|%-5d|%05d|%-3d|", 42, -7, 3, -42, 12345);
  expect_str(buf, "42|   -7|3    |-0042|12345|");
  snprintf(buf, sizeof(buf), "%u|%x|%X|%lx|%ld|%lu", 4000000000U, 0xbeef, 0xBEEF, 0x123456789abUL,
           -9000000000L, 18000000000UL);
  expect_str(buf, "4000000000|beef|BEEF|123456789ab|-9000000000|18000000000");
  snprintf(buf, sizeof(buf), "%s|%6s|%-6s|%.3s|%.9s|%c|%3c|%%|%p|%s", "abc", "ab", "ab", "abcdef",
           "ab", 'x', 'y', (void *)0x1000, (char *)0);
  expect_str(buf, "abc|    ab|ab    |abc|ab|x|  y|%|0x1000|(null)");
  snprintf(buf, sizeof(buf), "%d %d %x", 0, -2147483647 - 1, 0);
  expect_str(buf, "0 -2147483648 0");
  n = snprintf(buf, 5, "%s", "truncated");
  CHECK(n == 9);
  expect_str(buf, "trun");
  CHECK(snprintf(0, 0, "%d", 123) == 3);
}

// strerror texts, string helpers and the inet helpers.
void
test_ulib(void)
{
  struct in_addr a;
  char buf[32];

  expect_str(strerror(EBADF), "Bad file descriptor");
  expect_str(strerror(EADDRINUSE), "Address already in use");
  expect_str(strerror(ENOENT), "No such file or directory");
  snprintf(buf, sizeof(buf), "%s", strerror(9999));
  expect_str(buf, "Unknown error 9999");
  CHECK(atoi("  -123x") == -123 && atoi("+7") == 7 && atoi("") == 0);
  CHECK(strchr("hello", 'l') - "hello" == 2 && strrchr("hello", 'l') - "hello" == 3);
  CHECK(strstr("haystack", "st") != 0 && strstr("haystack", "x") == 0);
  CHECK(strncmp("abcd", "abce", 3) == 0 && strcmp("a", "b") < 0 && memcmp("ab", "ab", 2) == 0);
  strcpy(buf, "overlap");
  memmove(buf + 2, buf, 5);
  expect_str(buf, "ovoverl");
  CHECK(inet_aton("10.0.2.15", &a) == 1 && a.s_addr == htonl(0x0a00020f));
  expect_str(inet_ntoa(a), "10.0.2.15");
  CHECK(inet_aton("256.1.1.1", &a) == 0 && inet_aton("1.2.3", &a) == 0);
  CHECK(inet_aton("1.2.3.4x", &a) == 0 && inet_aton("", &a) == 0);
  CHECK(inet_addr("127.0.0.1") == htonl(INADDR_LOOPBACK));
  CHECK(inet_addr("bad") == INADDR_BROADCAST);
  CHECK(htons(0x1234) == 0x3412 && ntohl(htonl(0xdeadbeef)) == 0xdeadbeef);
}

// ---- the runner ----

struct test {
  const char *name;
  void (*fn)(void);
  int flags;
};

static const struct test tests[] = {
  { "printf", test_printf, 0 },
  { "ulib", test_ulib, 0 },
  { "badfd", test_badfd, 0 },
  { "badptr_rw", test_badptr_rw, 0 },
  { "badptr_path", test_badptr_path, 0 },
  { "badptr_misc", test_badptr_misc, 0 },
  { "badptr_exec", test_badptr_exec, 0 },
  { "badsyscall", test_badsyscall, 0 },
  { "badargs", test_badargs, 0 },
  { "exitwait", test_exitwait, 0 },
  { "forkmany", test_forkmany, 0 },
  { "forkconcurrent", test_forkconcurrent, 0 },
  { "forkfull", test_forkfull, 0 },
  { "forkstorm", test_forkstorm, SLOW },
  { "orphans", test_orphans, 0 },
  { "killsleeping", test_killsleeping, 0 },
  { "killspinning", test_killspinning, 0 },
  { "sleepuptime", test_sleepuptime, 0 },
  { "sysinfo", test_sysinfo, 0 },
  { "pagefault", test_pagefault, 0 },
  { "traps", test_traps, 0 },
  { "sbrkbasic", test_sbrkbasic, 0 },
  { "sbrkfork", test_sbrkfork, 0 },
  { "sbrkedge", test_sbrkedge, 0 },
  { "malloc", test_malloc, 0 },
  { "outofmemory", test_outofmemory, SLOW },
  { "oomfork", test_oomfork, SLOW },
  { "openmissing", test_openmissing, 0 },
  { "createrw", test_createrw, 0 },
  { "unlinkopen", test_unlinkopen, 0 },
  { "linkunlink", test_linkunlink, 0 },
  { "dirs", test_dirs, 0 },
  { "fstattypes", test_fstattypes, 0 },
  { "dup", test_dup, 0 },
  { "direntreuse", test_direntreuse, 0 },
  { "manyfiles", test_manyfiles, 0 },
  { "concurrentfiles", test_concurrentfiles, 0 },
  { "bigfile", test_bigfile, SLOW },
  { "diskfull", test_diskfull, SLOW },
  { "pipebasic", test_pipebasic, 0 },
  { "pipebig", test_pipebig, 0 },
  { "pipeepipe", test_pipeepipe, 0 },
  { "pipewriters", test_pipewriters, 0 },
  { "pipemany", test_pipemany, 0 },
  { "poll", test_poll, 0 },
  { "execargs", test_execargs, 0 },
  { "execbad", test_execbad, 0 },
  { "execfailkeeps", test_execfailkeeps, 0 },
  { "partialbuf", test_partialbuf, 0 },
  { "execunterminated", test_execunterminated, 0 },
  { "filesizes", test_filesizes, 0 },
  { "paths", test_paths, 0 },
  { "forkfds", test_forkfds, 0 },
  { "filetable", test_filetable, 0 },
  { "mknod", test_mknod, 0 },
  { "killself", test_killself, 0 },
  { "dirread", test_dirread, 0 },
  { "execbigargs", test_execbigargs, 0 },
  { "linkdir", test_linkdir, 0 },
  { "memconcurrent", test_memconcurrent, 0 },
  { "clocks", test_clocks, 0 },
};

// Start a watchdog: a child that sleeps for timeout ticks and exits.
static int
start_watchdog(int timeout)
{
  int dog = fork();

  if (dog == 0) {
    sleep(timeout);
    exit(0);
  }
  return dog;
}

// Wait for the test child pid; if the watchdog dog exits first, kill the test.
// Returns the test's exit status, or 1000 on a timeout.
static int
wait_with_watchdog(int pid, int dog)
{
  int got, st, result;

  for (;;) {
    got = wait(&st);
    if (got == pid) {
      result = st;
      break;
    }
    if (got == dog) {
      kill(pid);
      while (wait(&st) != pid)
        ;
      return 1000;
    }
    if (got < 0)
      return 1001;
  }
  if (dog > 0) {
    kill(dog);
    wait(0);
  }
  return result;
}

// Free pages, once they stop coming back (init may still be reaping orphans).
static uint64
settled_free_pages(uint64 want)
{
  uint64 now = free_pages();
  int i;

  for (i = 0; i < 20 && now < want; i++) {
    sleep(5);
    now = free_pages();
  }
  return now;
}

// Remove path, and everything under it if it is a directory.
static void
remove_tree(const char *path)
{
  char sub[MAXPATH];
  struct dirent de;
  struct stat st;
  int fd;

  if (stat(path, &st) == 0 && st.type == T_DIR && (fd = open(path, O_RDONLY)) >= 0) {
    while (read(fd, &de, sizeof(de)) == sizeof(de)) {
      if (de.inum == 0 || strncmp(de.name, ".", DIRSIZ) == 0 || strncmp(de.name, "..", DIRSIZ) == 0)
        continue;
      snprintf(sub, sizeof(sub), "%s/%.14s", path, de.name);
      remove_tree(sub);
    }
    close(fd);
  }
  unlink(path);
}

// Remove the ut_* files a failed test left in /, so later tests have the disk to
// themselves.
static void
remove_leftovers(void)
{
  char path[DIRSIZ + 2];
  struct dirent de;
  int fd;

  if ((fd = open("/", O_RDONLY)) < 0)
    return;
  while (read(fd, &de, sizeof(de)) == sizeof(de)) {
    if (de.inum && strncmp(de.name, "ut_", 3) == 0) {
      snprintf(path, sizeof(path), "/%.14s", de.name);
      remove_tree(path);
    }
  }
  close(fd);
}

// Run one test in a child; 1 if it passed.
static int
run_test(const struct test *t)
{
  uint64 before = free_pages(), after;
  int pid, st, dog;

  // the watchdog first, so that it does not appear in the middle of the test
  dog = start_watchdog(t->flags & SLOW ? SLOW_TIMEOUT : TEST_TIMEOUT);
  if (dog > 0)
    sleep(1);
  if ((pid = fork()) < 0) {
    printf("test %s: FAILED cannot fork: %s\n", t->name, strerror(errno));
    kill(dog);
    wait(0);
    return 0;
  }
  if (pid == 0) {
    current = t->name;
    t->fn();
    exit(0);
  }
  st = wait_with_watchdog(pid, dog);
  if (st != 0)
    remove_leftovers();
  if (st == FAIL_EXIT)
    return 0;
  if (st != 0) {
    if (st == 1000)
      printf("test %s: FAILED timed out\n", t->name);
    else if (st == -1)
      printf("test %s: FAILED the test process was killed (a fault?)\n", t->name);
    else
      printf("test %s: FAILED exit status %d\n", t->name, st);
    return 0;
  }
  after = settled_free_pages(before);
  if (before && after < before) {
    printf("test %s: FAILED %ld pages leaked (free %ld -> %ld)\n", t->name, (long)(before - after),
           (long)before, (long)after);
    return 0;
  }
  printf("test %s: OK\n", t->name);
  return 1;
}

// Should test t run, given the command line?
static int
selected(const struct test *t, int argc, char **argv, int quick)
{
  int i, named = 0;

  for (i = 1; i < argc; i++) {
    if (argv[i][0] == '-')
      continue;
    named = 1;
    if (strcmp(argv[i], t->name) == 0)
      return 1;
  }
  return !named && !(quick && (t->flags & SLOW));
}

int
main(int argc, char **argv)
{
  int i, quick = 0, ran = 0, failed = 0;
  uint64 start, end;

  for (i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-q") == 0)
      quick = 1;
    else if (argv[i][0] == '-') {
      fprintf(2, "usage: usertests [-q] [test...]\n");
      return 1;
    }
  }
  if (chdir("/") < 0) {  // the tests use /README.md and /echo by relative names
    fprintf(2, "usertests: chdir /: %s\n", strerror(errno));
    return 1;
  }
  remove_leftovers();  // of an earlier run that was cut short
  printf("usertests starting\n");
  start = free_pages();
  for (i = 0; i < NELEM(tests); i++) {
    if (!selected(&tests[i], argc, argv, quick))
      continue;
    ran++;
    if (!run_test(&tests[i]))
      failed++;
  }
  // and over the whole run
  if (start && (end = settled_free_pages(start)) < start) {
    printf("test memory: FAILED %ld pages fewer free after the run (%ld -> %ld)\n",
           (long)(start - end), (long)start, (long)end);
    failed++;
  }
  if (ran == 0) {
    fprintf(2, "usertests: no such test\n");
    return 1;
  }
  if (failed) {
    printf("%d of %d tests failed\nSOME TESTS FAILED\n", failed, ran);
    return 1;
  }
  printf("ALL TESTS PASSED\n");
  return 0;
}
