// Host-side crash test of the file system: the kernel's bio.c, log.c and fs.c run in a
// Linux process on a RAM disk. This file is the fake machine (disk, locks, sleep, the
// current process) and the crash driver; driver.c holds the workload and the checker.
//
//   fs_crash --check fs.img   mount (replaying the log) and check one image, e.g. from
//                         a QEMU that was killed mid-write; orphan inodes (unlinked
//                         while open) are reported but allowed.
//   fs_crash fs.img       run the workload once (its result must check clean, with no
//                         orphans) to count its disk writes N, then for
//                         every k in 1..N: fresh image, run the workload, "lose power"
//                         just before write k, mount (log recovery), check consistency.
// Exit status 0 when every crash point leaves a consistent file system.

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/spinlock.h"
#include "kernel/sleeplock.h"
#include "kernel/buf.h"
#include "kernel/proc.h"

int workload(void);     // driver.c: 0 when every step succeeded
int fsck(int verbose);  // driver.c: number of inconsistencies
extern int fsck_allow_orphans;

static uchar *disk;  // shared between the crash run and the checker
static uchar *pristine;
static long disk_bytes;
static long writes, crash_at;  // crash_at 0: never

// A write stays in `pending` until someone waits for that very buffer: a real disk may
// complete the requests in flight in any order, and loses those still in flight when the
// power goes. A crash may fall between any two writes that reached the disk.
static struct {
  struct buf *b;
  uint blockno;
  uchar data[BSIZE];
} pending[64];
static int npending;

// Put one write on the disk, or lose power first.
static void
disk_write(uint blockno, const uchar *data)
{
  writes++;
  if (crash_at && writes == crash_at)
    _exit(0);  // power lost before this write reached the disk
  memcpy(disk + (long)blockno * BSIZE, data, BSIZE);
}

void
virtio_disk_submit(struct buf *b, uint blockno, int write)
{
  if ((long)(blockno + 1) * BSIZE > disk_bytes || npending == 64) {
    fprintf(stderr, "fake disk: block %u out of range or too many requests\n", blockno);
    _exit(3);
  }
  if (!write) {
    memcpy(b->data, disk + (long)blockno * BSIZE, BSIZE);
    return;
  }
  pending[npending].b = b;
  pending[npending].blockno = blockno;
  memcpy(pending[npending].data, b->data, BSIZE);
  npending++;
}

void
virtio_disk_wait(struct buf *b)
{
  for (int i = 0; i < npending; i++) {
    if (pending[i].b == b) {
      disk_write(pending[i].blockno, pending[i].data);
      pending[i] = pending[--npending];
      return;
    }
  }
}

void
virtio_disk_rw(struct buf *b, int write)
{
  virtio_disk_submit(b, b->blockno, write);
  virtio_disk_wait(b);
}

void
panic(const char *msg)
{
  fprintf(stderr, "panic: %s\n", msg);
  _exit(4);
}
void
spin_init(struct spinlock *lk, char *name)
{
  lk->name = name;
  lk->locked = 0;
}
void
spin_lock(struct spinlock *lk)
{
  if (lk->locked)
    panic("spin_lock: held");
  lk->locked = 1;
}
void
spin_unlock(struct spinlock *lk)
{
  if (!lk->locked)
    panic("spin_unlock");
  lk->locked = 0;
}
int
spin_holding(struct spinlock *lk)
{
  return lk->locked;
}
void
sleeplock_init(struct sleeplock *lk, char *name)
{
  lk->name = name;
  lk->locked = 0;
}
void
sleeplock_acquire(struct sleeplock *lk)
{
  if (lk->locked)
    panic("sleeplock: would block forever");
  lk->locked = 1;
}
void
sleeplock_release(struct sleeplock *lk)
{
  lk->locked = 0;
}
int
sleeplock_holding(struct sleeplock *lk)
{
  return lk->locked;
}

static struct proc theproc;
struct proc *
myproc(void)
{
  return &theproc;
}

int
either_copyout(int user, uint64 dst, const void *src, uint64 len)
{
  memcpy((void *)dst, src, len);
  return 0;
}

int
either_copyin(void *dst, int user, uint64 src, uint64 len)
{
  memcpy(dst, (void *)src, len);
  return 0;
}

// Run fn in a child process on the shared disk; its exit status.
static int
in_child(int (*fn)(int), int arg)
{
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    int r = fn(arg);
    fflush(stdout);
    _exit(r);
  }
  int st;
  waitpid(pid, &st, 0);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 100;
}

static int
run_workload(int k)
{
  crash_at = k;
  return workload() == 0 ? 0 : 5;
}
static int
run_fsck(int verbose)
{
  int n = fsck(verbose);
  return n > 99 ? 99 : n;
}

int
main(int argc, char *argv[])
{
  int st, bad = 0;

  int check_only = argc == 3 && strcmp(argv[1], "--check") == 0;
  if (argc != 2 && !check_only) {
    fprintf(stderr, "usage: fs_crash [--check] fs.img\n");
    return 2;
  }
  const char *path = argv[argc - 1];
  int fd = open(path, O_RDONLY);
  disk_bytes = fd < 0 ? 0 : lseek(fd, 0, SEEK_END);
  // The disk and the write counter are shared with the children.
  disk = mmap(0, disk_bytes + 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  pristine = malloc(disk_bytes);
  if (fd < 0 || disk == MAP_FAILED || pread(fd, pristine, disk_bytes, 0) != disk_bytes) {
    perror(path);
    return 2;
  }
  if (check_only) {
    memcpy(disk, pristine, disk_bytes);
    fsck_allow_orphans = 1;
    int errs = in_child(run_fsck, 1);
    printf("%s: %s\n", errs ? "FAIL" : "PASS", path);
    return errs ? 1 : 0;
  }
  long *nwrites = (long *)(disk + disk_bytes);

  // A clean run: the workload must succeed and the result must check clean.
  memcpy(disk, pristine, disk_bytes);
  pid_t pid = fork();
  if (pid == 0) {
    int r = workload();
    *nwrites = writes;
    _exit(r ? 5 : 0);
  }
  waitpid(pid, &st, 0);
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || in_child(run_fsck, 1) != 0) {
    printf("FAIL: the workload without a crash (status %d)\n", st);
    return 1;
  }
  long n = *nwrites;
  printf("workload: %ld disk writes; crashing before each of them\n", n);
  // A crash may leave an inode that was unlinked while still open (or the cwd): a leak
  // that the clean run above shows is freed normally, not an inconsistency.
  fsck_allow_orphans = 1;

  for (long k = 1; k <= n; k++) {
    memcpy(disk, pristine, disk_bytes);
    int r = in_child(run_workload, k);
    int errs = in_child(run_fsck, 0);
    if (r != 0 || errs != 0) {
      printf("FAIL: crash before write %ld: workload status %d, %d fsck errors\n", k, r, errs);
      in_child(run_fsck, 1);
      if (++bad > 5)
        break;
    }
  }
  printf("%s: %ld crash points checked\n", bad ? "FAIL" : "PASS", n);
  return bad ? 1 : 0;
}
