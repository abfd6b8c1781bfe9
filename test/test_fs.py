# test_fs.py: the file system's crash safety.
#
# On the host (no QEMU):
# test/fs_host/ builds the kernel's bio.c, log.c, fs.c, file.c and sysfile.c with the host
# compiler against a fake RAM disk, runs a workload of real system-call handlers, and
# "loses power" before each of its disk writes in turn; after each crash it mounts the
# image (log recovery) and checks it with an independent fsck (fs_host/driver.c).
# Builds with deliberately broken logs (BROKEN_LOGS) must FAIL, which shows the test can
# see a broken log.
#
# In QEMU: kill the machine in the middle of file-system work (usertests), check the image
# with the same fsck on the host (fs_crash --check, which replays the log first), boot it
# again, use it, and check it once more.

import os
import shutil
import subprocess
import tempfile
import time

import harness

SRCS = ["kernel/bio.c", "kernel/fs.c", "kernel/file.c", "kernel/sysfile.c",
        "test/fs_host/driver.c", "test/fs_host/fake.c"]


def build(out, log_src="kernel/log.c"):
  cmd = ["gcc", "-O1", "-g", "-fno-builtin", "-I.", "-iquote", "kernel", "-Wall", "-Werror", "-o", out]
  cmd += SRCS + [log_src]
  r = subprocess.run(cmd, cwd=harness.ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
  assert r.returncode == 0, "host build failed:\n" + r.stdout.decode()


def make_image(tmp):
  img = os.path.join(tmp, "fs.img")
  readme = os.path.join(harness.ROOT, "README.md")
  r = subprocess.run(["mkfs/mkfs", img, readme], cwd=harness.ROOT,
                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
  assert r.returncode == 0, "mkfs failed: " + r.stdout.decode()
  return img


@harness.timeout(300)
def test_fs_crash_at_every_write(ctx):
  with tempfile.TemporaryDirectory() as tmp:
    exe = os.path.join(tmp, "fs_crash")
    build(exe)
    img = make_image(tmp)
    r = subprocess.run([exe, img], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=280)
    out = r.stdout.decode()
    assert r.returncode == 0 and "PASS" in out, "crash test failed:\n" + out[-3000:]
    ctx.note(out.strip().splitlines()[-1])


# Broken logs the crash test must reject: (what is wrong, text in log.c, replacement).
BROKEN_LOGS = [
    ("home blocks written before the commit point",
     "  header_start();  // commit point\n  virtio_disk_wait(&header_buf);\n  write_blocks(0);\n",
     "  write_blocks(0);\n  header_start();  // commit point\n  virtio_disk_wait(&header_buf);\n"),
    ("commit point written without waiting for the log blocks",
     "    virtio_disk_wait(bs[i]);\n",
     "    if (!to_log)\n      virtio_disk_wait(bs[i]);\n"),
    ("log slots reused before the last header (n = 0) is on disk",
     "  virtio_disk_wait(&header_buf);  // the last commit's n = 0 is on disk: slots are free\n",
     ""),
]


@harness.timeout(300)
def test_fs_crash_checker_sees_a_broken_log(ctx):
  with open(os.path.join(harness.ROOT, "kernel/log.c")) as f:
    good = f.read()
  with tempfile.TemporaryDirectory() as tmp:
    img = make_image(tmp)
    for i, (what, old, new) in enumerate(BROKEN_LOGS):
      assert good.count(old) == 1, "log.c changed: update the mutation %r" % what
      broken = os.path.join(tmp, "log%d.c" % i)
      with open(broken, "w") as f:
        f.write(good.replace(old, new))
      exe = os.path.join(tmp, "fs_crash_broken%d" % i)
      build(exe, broken)
      r = subprocess.run([exe, img], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         timeout=280)
      out = r.stdout.decode()
      assert r.returncode != 0 and "FAIL" in out, "a log with %s passed the crash test:\n%s" % (
          what, out[-2000:])
  ctx.note("%d broken logs rejected" % len(BROKEN_LOGS))


def fsck_image(exe, img):
  r = subprocess.run([exe, "--check", img], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                     timeout=60)
  return r.returncode, r.stdout.decode()


@harness.timeout(400)
def test_fs_qemu_killed_mid_write(ctx):
  with tempfile.TemporaryDirectory() as tmp:
    exe = os.path.join(tmp, "fs_crash")
    build(exe)
    img = os.path.join(tmp, "fs.img")
    replays = 0
    # Different moments: while creating many files, reusing entries, writing a big file.
    delays = (0.7, 1.3, 2.0, 2.8, 3.6, 4.5)
    for i, delay in enumerate(delays):
      shutil.copyfile(os.path.join(harness.ROOT, "fs.img"), img)
      q = ctx.boot(name="%s-%d" % (ctx.name, i), fs_img=img, keep_fs=True)
      q.sendline("usertests manyfiles direntreuse bigfile")
      q.expect(r"usertests starting", 20)
      time.sleep(delay)
      q.kill()   # power off in the middle of whatever the disk was doing
      shutil.copyfile(q.fs_img, img)
      shutil.rmtree(os.path.dirname(q.fs_img), ignore_errors=True)
      rc, out = fsck_image(exe, img)
      assert rc == 0, "image after a kill %.1fs into usertests is inconsistent:\n%s" % (
          delay, out[-2000:])
      replays += "log: replaying" in out
      # The recovered image boots (replaying the log itself) and works.
      q = ctx.boot(name="%s-%d-after" % (ctx.name, i), fs_img=img, keep_fs=True)
      # A kill while bigfile's file filled the disk leaves it full: free it first (this
      # also truncates a file of the recovered image).
      q.run("rm ut_big", 20)
      out = q.run("echo still > works", 20) + q.run("cat works", 20)
      q.check("still" in out, "after recovery, a new file reads back: got %r" % out)
      q.kill()
      shutil.copyfile(q.fs_img, img)
      shutil.rmtree(os.path.dirname(q.fs_img), ignore_errors=True)
      rc, out = fsck_image(exe, img)
      assert rc == 0, "image after the reboot is inconsistent:\n" + out[-2000:]
    ctx.note("%d kills mid-write (%d with a committed log to replay): fsck clean after each "
             "and after using the recovered image" % (len(delays), replays))
