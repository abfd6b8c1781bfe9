# test_kernel.py: the kernel and its shell, tested through real QEMU boots.
#
# Each test boots its own QEMU (its own fs.img copy) through the runner's ctx fixture,
# types at the shell and checks what comes back. Expected values that depend on files
# (README.md counts, grep lines) are computed here on the host from the same files that
# mkfs put into fs.img. Run: /usr/bin/python3 test/run_tests.py -k kernel

import glob
import os
import re
import subprocess
import time

import harness

ROOT = harness.ROOT
README = os.path.join(ROOT, "README.md")


def boot(ctx, cpus=3):
  """Boot with no network device; every shell test starts here."""
  return ctx.boot(cpus=cpus, timeout=60)


def programs():
  """The user programs mkfs put into fs.img: user/_name becomes /name."""
  return sorted(os.path.basename(p)[1:] for p in glob.glob(os.path.join(ROOT, "user", "_*")))


def wc_counts(data):
  """(lines, words, bytes) of data, counted as wc does (C isspace separates words)."""
  words = len(re.findall(rb"[^ \t\n\v\f\r]+", data))
  return data.count(b"\n"), words, len(data)


def three_ints(q, out, what):
  """The first three integers printed by wc in out."""
  nums = re.findall(r"\d+", out)
  q.check(len(nums) >= 3, "%s: expected three numbers from wc, got %r" % (what, out))
  return tuple(int(n) for n in nums[:3])


def lines(out, jobs=True):
  """The non-empty output lines; jobs=False drops the shell's "[pid] ..." job notices."""
  return [l for l in out.split("\n") if l.strip() and (jobs or not re.match(r"\[\d+\]", l))]


def expect_eq(q, got, want, what):
  """Fail with both values (for lists, the first lines that differ), the console tail and
  the log unless got == want."""
  if got == want:
    return
  if isinstance(got, list) and isinstance(want, list):
    i = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))
    q.check(False, "%s: %d lines expected, %d got; first difference at line %d:\n"
            "  expected %r\n  got      %r" % (what, len(want), len(got), i + 1, want[i:i + 3],
                                              got[i:i + 3]))
  q.check(False, "%s:\n  expected %r\n  got      %r" % (what, want, got))


def test_qemu_command_matches_makefile():
  """The harness boots what `make qemu` boots: compare with the Makefile's QEMUOPTS."""
  rule = "harness-print-qemuopts:\n\t@echo $(QEMU) $(QEMUOPTS)\n"
  r = subprocess.run(["make", "-s", "--no-print-directory", "-f", "Makefile", "-f", "-",
                      "harness-print-qemuopts", "CPUS=2", "UDPPORT=1111", "TCPPORT=2222"],
                     cwd=ROOT, input=rule, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                     universal_newlines=True)
  assert r.returncode == 0, "make could not print QEMUOPTS: %s" % r.stdout
  q = harness.Qemu(name="qemuopts", cpus=2, net="user", kernel="kernel/kernel", start=False)
  q.fs_img, q.udp_port, q.tcp_port, q.pcap_path = "fs.img", 1111, 2222, "packets.pcap"
  want, got = r.stdout.split(), q.command()
  assert got == want, "harness.Qemu.command() and the Makefile's QEMUOPTS differ:\n  make:    %s" \
      "\n  harness: %s" % (" ".join(want), " ".join(got))


def test_harness_fails_and_cleans_up(ctx):
  """The harness itself: a wait that cannot succeed fails with the console tail and the log;
  kill() ends QEMU and removes the private fs.img."""
  q = boot(ctx, cpus=1)
  try:
    q.expect(r"no such output", timeout=1)
    raise AssertionError("expect() of text that never comes did not fail")
  except harness.HarnessError as e:
    msg = str(e)
  assert "timed out" in msg and q.log_path in msg and "$ " in msg, \
      "the failure message lacks the reason, console tail or log: %r" % msg
  pid, fs = q.proc.pid, q.fs_img
  q.kill()
  assert q.proc.poll() is not None, "QEMU pid %d still runs after kill()" % pid
  assert not os.path.exists(fs), "the private fs.img %s survived kill()" % fs
  with open(q.log_path) as f:
    assert "init: starting sh" in f.read(), "the console log %s lacks the boot" % q.log_path


def test_boot(ctx):
  q = boot(ctx)
  ctx.note("boot to prompt %.2fs (CPUS=3)" % q.boot_seconds)
  out = q.run("echo booted", 10)
  expect_eq(q, out.strip(), "booted", "echo after boot")


def test_boot_cpus1(ctx):
  q = boot(ctx, cpus=1)
  ctx.note("boot to prompt %.2fs (CPUS=1)" % q.boot_seconds)
  out = q.run("ls", 20)
  q.check("README.md" in out, "ls on CPUS=1 should list README.md, got %r" % out)
  expect_eq(q, q.run("echo one cpu", 10).strip(), "one cpu", "echo on CPUS=1")


def test_ls(ctx):
  q = boot(ctx)
  out = q.run("ls", 20)
  names = set(l.split()[0] for l in lines(out))
  missing = [n for n in ["README.md"] + programs() if n not in names]
  q.check(not missing, "ls does not list %s; it printed:\n%s" % (missing, out))


def test_cat_readme_wc(ctx):
  q = boot(ctx)
  with open(README, "rb") as f:
    want = wc_counts(f.read())
  got = three_ints(q, q.run("cat README.md | wc", 20), "cat README.md | wc")
  expect_eq(q, got, want, "cat README.md | wc (lines, words, bytes of the host README.md)")


def test_echo_redirect_out(ctx):
  q = boot(ctx)
  out = q.run("echo hi > x; cat x", 10)
  expect_eq(q, out.strip(), "hi", "echo hi > x; cat x")


def test_redirect_in_and_append(ctx):
  q = boot(ctx)
  q.run("echo one > f", 10)
  q.run("echo two >> f", 10)
  q.run("echo three >> f", 10)
  expect_eq(q, lines(q.run("cat < f", 10)), ["one", "two", "three"], "cat < f after >>")
  expect_eq(q, three_ints(q, q.run("wc < f", 10), "wc < f"), (3, 3, 14), "wc < f")
  q.run("echo new > f", 10)
  expect_eq(q, lines(q.run("cat f", 10)), ["new"], "> truncates an existing file")


def test_pipe_of_three(ctx):
  q = boot(ctx)
  with open(README, "rb") as f:
    text = f.read()
  hits = b"".join(l + b"\n" for l in text.split(b"\n") if b"the" in l)
  want = wc_counts(hits)
  got = three_ints(q, q.run("cat README.md | grep the | wc", 20), "three-stage pipe")
  expect_eq(q, got, want, "cat README.md | grep the | wc")
  expect_eq(q, lines(q.run("echo a b c | cat | cat", 10)), ["a b c"], "echo | cat | cat")


def test_semicolon(ctx):
  q = boot(ctx)
  out = q.run("echo a; echo b; echo c", 10)
  expect_eq(q, lines(out), ["a", "b", "c"], "echo a; echo b; echo c")


def test_background(ctx):
  q = boot(ctx)
  q.sendline("echo bgjob &")
  # The job's line and the shell's next prompt come in either order; type only after both.
  q.expect(r"\$ [\s\S]*?bgjob\n|bgjob\n[\s\S]*?\$ ", 10,
           what="output of the background echo and the next prompt")
  out = q.run("echo after", 10)
  expect_eq(q, lines(out, jobs=False), ["after"], "the shell still runs after &")
  q.run("echo x > b1 & echo y > b2 &", 10)
  q.drain(0.5)
  got = lines(q.run("cat b1 b2", 10), jobs=False)
  expect_eq(q, got, ["x", "y"], "two background jobs writing files")


def test_parentheses(ctx):
  q = boot(ctx)
  q.run("(echo a; echo b) > p", 10)
  expect_eq(q, lines(q.run("cat p", 10)), ["a", "b"], "(echo a; echo b) > p")
  got = three_ints(q, q.run("(echo x; echo y z) | wc", 10), "( ) | wc")
  expect_eq(q, got, (2, 3, 6), "(echo x; echo y z) | wc")


def test_mkdir_cd(ctx):
  q = boot(ctx)
  q.run("mkdir d", 10)
  q.run("cd d", 10)
  q.run("echo inside > f", 10)
  q.run("mkdir e", 10)
  expect_eq(q, lines(q.run("cat f", 10)), ["inside"], "cat f inside d")
  q.run("cd ..", 10)
  expect_eq(q, lines(q.run("cat d/f", 10)), ["inside"], "cat d/f from the root")
  names = [l.split()[0] for l in lines(q.run("ls d", 10))]
  q.check("f" in names and "e" in names, "ls d should list f and e, got %r" % names)
  out = q.run("cd nosuchdir", 10)
  q.check(out.strip() != "", "cd into a missing directory should print an error")


def test_rm(ctx):
  q = boot(ctx)
  q.run("echo gone > r", 10)
  expect_eq(q, lines(q.run("cat r", 10)), ["gone"], "cat r before rm")
  q.run("rm r", 10)
  out = q.run("cat r", 10)
  q.check("gone" not in out and out.strip() != "", "cat r after rm should fail, got %r" % out)
  names = [l.split()[0] for l in lines(q.run("ls", 10))]
  q.check("r" not in names, "ls still lists r after rm")
  q.check(q.run("rm nosuchfile", 10).strip() != "", "rm of a missing file should print an error")


def test_ln(ctx):
  q = boot(ctx)
  q.run("echo linked > a", 10)
  q.run("ln a b", 10)
  expect_eq(q, lines(q.run("cat b", 10)), ["linked"], "cat b after ln a b")
  q.run("rm a", 10)
  expect_eq(q, lines(q.run("cat b", 10)), ["linked"], "cat b after rm a (b is a second link)")


def test_grep(ctx):
  q = boot(ctx)
  with open(README, "rb") as f:
    text = f.read().decode("utf-8", "replace")
  want = [l for l in text.split("\n") if "make" in l and l.strip()]
  got = lines(q.run("grep make README.md", 20))
  expect_eq(q, got, want, "grep make README.md (lines from the host README.md)")
  expect_eq(q, lines(q.run("grep zzqqxx README.md", 10)), [], "grep with no match")


def test_bad_command(ctx):
  q = boot(ctx)
  out = q.run("nosuchcommand", 10)
  q.check(out.strip() != "", "a missing program should print an error, got nothing")
  expect_eq(q, q.run("echo still here", 10).strip(), "still here", "the shell after a bad command")


def test_ctrl_d(ctx):
  q = boot(ctx)
  q.sendline("wc")
  q.send("one two\nthree\n")
  q.ctrl("d")
  m = q.expect(r"(\d+)\s+(\d+)\s+(\d+)\s", 10, what="wc's counts after ^D")
  expect_eq(q, tuple(int(x) for x in m.groups()), (2, 3, 14), "wc of two typed lines ended by ^D")
  q.wait_prompt(10)
  q.sendline("cat")
  q.send("typed\n")
  q.expect(r"typed\n(.*\n)*?typed\n", 10, what="cat echoing a typed line")
  q.ctrl("d")
  q.wait_prompt(10)
  expect_eq(q, q.run("echo after", 10).strip(), "after", "the shell after cat ended by ^D")
  q.ctrl("d")   # at the prompt: the shell exits and init starts a new one
  q.expect(r"init: starting sh\n", 10, what="init restarting the shell after ^D at the prompt")
  q.wait_prompt(10)
  expect_eq(q, q.run("echo new shell", 10).strip(), "new shell", "the shell init restarted")


def test_ctrl_p(ctx):
  q = boot(ctx)
  q.ctrl("p")
  text = q.drain(0.5, 5)
  q.check(re.search(r"^\s*\d+\s+\S+\s+init\b", text, re.M) and re.search(r"\bsh\b", text),
          "^P should print the process list (pid, state, name) with init and sh, got %r" % text)
  expect_eq(q, q.run("echo ok", 10).strip(), "ok", "the shell after ^P")


def ps(q):
  """Type ^P and return {pid: (state, name)} from the process list it prints."""
  q.ctrl("p")
  text = q.drain(0.5, 5)
  return {int(m.group(1)): (m.group(2), m.group(3))
          for m in re.finditer(r"^\s*(\d+)\s+(\S+)\s+(\S+)", text, re.M)}


def test_kill(ctx):
  q = boot(ctx)
  q.run("sleep 3000 &", 10)
  q.drain(0.5)
  procs = ps(q)
  pids = [pid for pid, (state, name) in procs.items() if name == "sleep"]
  q.check(len(pids) == 1, "^P should list one sleep process, got %r" % procs)
  out = q.run("kill %d" % pids[0], 10)
  q.check(out.strip() == "", "kill %d printed %r" % (pids[0], out))
  q.drain(0.5)
  procs = ps(q)
  left = [p for p, (state, name) in procs.items() if name == "sleep"]
  q.check(not left, "sleep still listed after kill: %r" % procs)
  q.check(any(name == "sh" for state, name in procs.values()), "the shell is gone: %r" % procs)
  out = q.run("kill 999", 10)
  q.check(out.strip() != "", "kill of a missing pid should print an error")


def test_user_fault_kills_only_the_process(ctx):
  q = boot(ctx)
  for kind in ("store", "load", "exec", "illegal"):
    out = q.run("fault " + kind, 20)
    q.check(re.search(r"pid \d+ \(fault\): .*killed", out),
            "fault %s: the kernel should report the process killed, got %r" % (kind, out))
    q.check("still running" not in out, "fault %s: the process survived its fault" % kind)
    expect_eq(q, q.run("echo alive", 10).strip(), "alive", "the shell after fault " + kind)
  out = q.run("usertests pagefault", 60)   # faults at many more addresses, in children
  q.check("ALL TESTS PASSED" in out, "usertests pagefault did not pass:\n%s" % out)
  procs = ps(q)
  names = [name for state, name in procs.values()]
  q.check("init" in names and "sh" in names, "init and sh should survive: %r" % procs)
  q.check("panic (hart" not in q.output, "the kernel panicked on a user fault")


@harness.timeout(660)
def test_usertests(ctx):
  q = boot(ctx, cpus=3)
  t0 = time.monotonic()
  q.sendline("usertests")
  m = q.expect(r"ALL TESTS PASSED|SOME TESTS FAILED|panic \(hart", 600, what="the end of usertests")
  ctx.note("usertests took %.0fs (CPUS=3)" % (time.monotonic() - t0))
  failed = [l for l in q.output.split("\n") if "FAILED" in l and "SOME TESTS" not in l]
  q.check(m.group(0) == "ALL TESTS PASSED",
          "usertests did not print ALL TESTS PASSED; failed:\n    %s" % "\n    ".join(failed))
  q.wait_prompt(30)
