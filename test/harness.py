# harness.py: boot the kernel in QEMU and talk to its serial console, for tests and graders.
#
# Python 3 standard library only; run the tests with /usr/bin/python3.
#
# Interface:
#
#     from harness import Qemu, HarnessError
#
#     with Qemu(name="my_test", cpus=3, net="user") as q:   # boots, waits for the first "$ "
#         out = q.run("echo hi", timeout=10)                   # output up to the next prompt
#         q.sendline("cat")                                    # raw input, no waiting
#         q.send("\x04")                                       # ^D (q.ctrl("d") is the same)
#         q.expect(r"ALL TESTS PASSED", timeout=300)           # a regex; returns the re.Match
#         q.check("hi" in out, "echo printed %r" % out)        # fail with the console tail
#     # leaving the block always kills QEMU (also on exceptions, timeouts and Ctrl-C)
#
# Each boot gets:
#   - its own copy of fs.img (so tests never share file-system state), in a temporary folder
#     that is deleted when QEMU is killed (keep_fs=True keeps it, path in q.fs_img);
#   - a console log test/logs/<name>.log with every byte the guest printed (q.log_path); the
#     name defaults to the running test's; a second boot under one name writes <name>-2.log;
#   - with networking, a packet capture test/logs/<name>.pcap (q.pcap_path, QEMU filter-dump);
#     capture=False leaves it out (q.pcap_path None): the benchmark's full runs, whose
#     captures no one reads, would write ~3 GB.
#
# Network modes (the guest always gets an e1000 on netdev "net0", as in the Makefile):
#   net=None     no network device at all;
#   net="user"   QEMU user networking (guest 10.0.2.15, host 10.0.2.2); host ports picked free
#                by the harness, bound to 127.0.0.1: q.udp_port -> guest UDP 2000,
#                q.tcp_port -> guest TCP 80 (override the guest side with guest_udp/guest_tcp);
#   net="dgram"  raw Ethernet frames over UDP on loopback: QEMU sends from q.dgram_local to
#                q.dgram_remote (127.0.0.1), where a host-side peer listens. Pass
#                dgram_ports=(local, remote) to choose them (two guests joined back to back use
#                (a, b) and (b, a)); otherwise the harness picks two free ports. A peer should
#                bind q.dgram_remote; it may do that before boot by passing its own port.
#   mac="52:54:00:12:34:57" gives the e1000 another MAC (two guests on one link need two).
#
# Booting waits for the first prompt and for every secondary hart's "hart N starting" (which
# may come after the prompt), so boot messages never land inside a test's output;
# q.boot_seconds is the time from starting QEMU to the first prompt.
#
# Waiting: every wait has a timeout. On timeout, a kernel panic ("panic (hart N): ...") or
# QEMU's exit it raises HarnessError at once, whose message says what was expected, shows
# the last console lines and names the log file. The prompt is "$ " at the start of a line
# (so a "$ " inside output is not taken for it), or at the end of output that did not end
# in a newline once the console has been quiet for 0.5 s. Matching works on a cursor:
# expect() and run() consume the console text they matched, so a later expect() only sees
# newer output; q.output is the whole console text so far ("\r" removed).
#
# Ports: free_port() derives a starting point from the uid and the pid, so two harnesses
# running at once start far apart, and bind-tests every candidate on 127.0.0.1; if QEMU still
# fails to bind (a race with another process) the boot is retried with new ports.
#
# Cleanup: QEMU runs in its own process group and gets SIGKILL when the process that started
# it dies (PR_SET_PDEATHSIG; Linux ties that to the thread that forked, so every QEMU is
# forked by one spawner thread that lives as long as the process: a Qemu may be booted in
# one thread and used from another). kill_all() kills every QEMU this process started; it
# also runs at exit.
#
# For run_tests.py: @timeout(N) sets a test's time limit. Environment: HARNESS_VERBOSE=1
# echoes the console to stderr; HARNESS_LOGDIR overrides test/logs; QEMU overrides the
# binary name.

import atexit
import ctypes
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

TEST_DIR = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(TEST_DIR)
PROMPT = "$ "
PROMPT_RE = re.compile(r"^\$ ", re.M)   # the prompt at the start of a line
PROMPT_QUIET = 0.5                        # see Qemu._find_prompt
PANIC_RE = re.compile(r"panic \(hart \d+\): .*")   # kernel/printf.c: the kernel is dead
HART_RE = re.compile(r"hart (\d+) starting")   # kernel/main.c, once per secondary hart

_live = set()             # every running Qemu of this process, for kill_all()
_live_lock = threading.Lock()
_name_counts = {}         # log name -> boots so far, for <name>-2.log
_port_lock = threading.Lock()
_port_next = None         # next candidate port of free_port()
_handed_out = set()       # ports already given to a caller of this process
current_test = None       # set by run_tests.py: the default log name of a boot
history = []              # every Qemu this process booted, oldest first (the runner reads it)


class HarnessError(AssertionError):
  """A test failure: the message says what was expected and what the console showed."""


def default_log_dir():
  """Where logs, captures and reports go: $HARNESS_LOGDIR or test/logs."""
  return os.environ.get("HARNESS_LOGDIR") or os.path.join(TEST_DIR, "logs")


def _bind_ok(port, kind):
  """True if 127.0.0.1:port can be bound now for kind (SOCK_STREAM or SOCK_DGRAM)."""
  s = socket.socket(socket.AF_INET, kind)
  try:
    s.bind(("127.0.0.1", port))
    return True
  except OSError:
    return False
  finally:
    s.close()


def free_port(udp=True, tcp=True):
  """A port on 127.0.0.1 that is free for UDP and/or TCP right now and not handed out before.

  The first candidate is derived from the uid and the pid (range 20000-59999), so two test
  runs at once start at different places; each candidate is bind-tested."""
  global _port_next
  with _port_lock:
    if _port_next is None:
      _port_next = 20000 + (os.getuid() * 3001 + os.getpid() * 7919) % 40000
    for _ in range(40000):
      port = _port_next
      _port_next = 20000 + (_port_next - 20000 + 1) % 40000
      if port in _handed_out:
        continue
      if udp and not _bind_ok(port, socket.SOCK_DGRAM):
        continue
      if tcp and not _bind_ok(port, socket.SOCK_STREAM):
        continue
      _handed_out.add(port)
      return port
  raise HarnessError("no free port on 127.0.0.1")


def _set_pdeathsig():
  """In the child before exec: own process group, and SIGKILL when the parent thread dies."""
  os.setpgid(0, 0)
  try:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG = 1 (prctl(2))
  except Exception:
    pass


def timeout(seconds):
  """Decorator for a test function: its time limit in run_tests.py (default 120 s)."""
  def set_limit(fn):
    fn.timeout = seconds
    return fn
  return set_limit


_spawn_jobs = None       # queue of (args, kwargs, reply queue) for the spawner thread


def _spawner():
  """The thread that forks every QEMU, so PR_SET_PDEATHSIG fires only when the process dies."""
  while True:
    args, kw, reply = _spawn_jobs.get()
    try:
      reply.put(subprocess.Popen(*args, **kw))
    except BaseException as e:
      reply.put(e)


def _popen(*args, **kw):
  """subprocess.Popen, run in the spawner thread."""
  global _spawn_jobs
  with _port_lock:
    if _spawn_jobs is None:
      _spawn_jobs = queue.Queue()
      threading.Thread(target=_spawner, name="qemu-spawner", daemon=True).start()
  reply = queue.Queue()
  _spawn_jobs.put((args, kw, reply))
  try:
    r = reply.get()
  except BaseException:   # interrupted (a test timeout, Ctrl-C): kill it once it exists
    threading.Thread(target=_kill_late, args=(reply,), daemon=True).start()
    raise
  if isinstance(r, BaseException):
    raise r
  return r


def _kill_late(reply):
  """Kill a QEMU whose starter was interrupted before it got the process."""
  r = reply.get()
  if isinstance(r, subprocess.Popen):
    try:
      os.killpg(r.pid, signal.SIGKILL)
    except OSError:
      pass
    r.wait()


def kill_all():
  """Kill every QEMU this process started and has not yet killed."""
  with _live_lock:
    live = list(_live)
  for q in live:
    q.kill()


atexit.register(kill_all)


class Qemu:
  """One QEMU boot of kernel/kernel with a private fs.img; see the file-top comment."""

  def __init__(self, name=None, cpus=3, net=None, mem="128M", kernel=None, fs_img=None,
               timeout=60, verbose=None, log_dir=None, dgram_ports=None, guest_udp=2000,
               guest_tcp=80, extra_args=(), keep_fs=False, mac=None, wait_prompt=True, start=True,
               capture=True):
    if net not in (None, "user", "dgram"):
      raise ValueError("net must be None, 'user' or 'dgram'")
    self.name = name or current_test or "qemu"
    self.cpus = cpus
    self.net = net
    self.capture = capture
    self.mem = mem
    self.kernel = kernel or os.path.join(ROOT, "kernel", "kernel")
    self.src_fs = fs_img or os.path.join(ROOT, "fs.img")
    self.boot_timeout = timeout
    if verbose is None:
      verbose = os.environ.get("HARNESS_VERBOSE", "") not in ("", "0")
    self.verbose = verbose
    self.log_dir = log_dir or default_log_dir()
    self.guest_udp, self.guest_tcp = guest_udp, guest_tcp
    self.extra_args = list(extra_args)
    self.mac = mac or "52:54:00:12:34:56"   # the e1000's MAC (QEMU's default unless given)
    self.keep_fs = keep_fs
    self.dgram_fixed = dgram_ports
    self.udp_port = self.tcp_port = None
    self.dgram_local = self.dgram_remote = None
    self.proc = None
    self.boot_seconds = None
    self.output = ""       # console text so far, "\r" removed
    self.pos = 0           # matching cursor into self.output
    self._cond = threading.Condition()
    self._eof = False
    self._last_rx = 0.0
    self._reader = None
    self._log = None
    self._tmpdir = None
    self._set_paths()
    if start:
      self.start(wait_prompt=wait_prompt)

  def _set_paths(self):
    """Pick the log and capture names: <name>.log, then <name>-2.log for a second boot."""
    os.makedirs(self.log_dir, exist_ok=True)
    n = _name_counts.get(self.name, 0) + 1
    _name_counts[self.name] = n
    base = self.name if n == 1 else "%s-%d" % (self.name, n)
    base = re.sub(r"[^A-Za-z0-9_.-]", "_", base)
    self.log_path = os.path.join(self.log_dir, base + ".log")
    self.pcap_path = os.path.join(self.log_dir, base + ".pcap") if self.net and self.capture \
        else None

  def command(self):
    """The QEMU argument list: the Makefile's QEMUOPTS with this boot's disk, CPUs and net."""
    cmd = [os.environ.get("QEMU", "qemu-system-riscv64"),
           "-machine", "virt", "-bios", "none", "-kernel", self.kernel, "-m", self.mem,
           "-smp", str(self.cpus), "-nographic",
           "-global", "virtio-mmio.force-legacy=false",
           "-drive", "file=%s,if=none,format=raw,id=x0" % self.fs_img,
           "-device", "virtio-blk-device,drive=x0,bus=virtio-mmio-bus.0"]
    if self.net == "user":
      cmd += ["-netdev", "user,id=net0,hostfwd=udp:127.0.0.1:%d-:%d,hostfwd=tcp:127.0.0.1:%d-:%d"
              % (self.udp_port, self.guest_udp, self.tcp_port, self.guest_tcp)]
    elif self.net == "dgram":
      cmd += ["-netdev", "dgram,id=net0,local.type=inet,local.host=127.0.0.1,local.port=%d,"
              "remote.type=inet,remote.host=127.0.0.1,remote.port=%d"
              % (self.dgram_local, self.dgram_remote)]
    if self.pcap_path:
      cmd += ["-object", "filter-dump,id=net0dump,netdev=net0,file=%s" % self.pcap_path]
    if self.net:
      cmd += ["-device", "e1000,netdev=net0,mac=%s,romfile=" % self.mac]
    return cmd + self.extra_args

  def _pick_ports(self):
    """Choose host ports for this boot's network mode."""
    if self.net == "user":
      self.udp_port = free_port(udp=True, tcp=False)
      self.tcp_port = free_port(udp=False, tcp=True)
    elif self.net == "dgram":
      if self.dgram_fixed:
        self.dgram_local, self.dgram_remote = self.dgram_fixed
      else:
        self.dgram_local = free_port(udp=True, tcp=False)
        self.dgram_remote = free_port(udp=True, tcp=False)

  def start(self, wait_prompt=True):
    """Boot QEMU (retrying with new ports if one was taken meanwhile); wait for "$ "."""
    for path in (self.kernel, self.src_fs):
      if not os.path.exists(path):
        raise HarnessError("%s does not exist; run `make` first" % path)
    self._tmpdir = tempfile.mkdtemp(prefix="harness-%s-" % self.name)
    self.fs_img = os.path.join(self._tmpdir, "fs.img")
    shutil.copyfile(self.src_fs, self.fs_img)
    self._log = open(self.log_path, "wb")
    for attempt in range(4):
      self._pick_ports()
      self._spawn()
      if not wait_prompt:
        return self
      try:
        self.wait_prompt(self.boot_timeout)
        self._wait_harts(self.boot_timeout)
        return self
      except HarnessError:
        retry = self._port_clash() and attempt < 3 and not self.dgram_fixed
        if not retry:
          self.kill()
          raise
        self._reset_for_retry()
    return self

  def _spawn(self):
    """Start the QEMU process and the thread that reads its console."""
    cmd = self.command()
    self._log.write(("# " + " ".join(cmd) + "\n").encode())
    self._log.flush()
    self.t0 = time.monotonic()
    self.proc = _popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, cwd=ROOT, preexec_fn=_set_pdeathsig)
    with _live_lock:
      _live.add(self)
      if self not in history:
        history.append(self)
    self._eof = False
    self._reader = threading.Thread(target=self._read_loop, name="qemu-" + self.name,
                                    daemon=True)
    self._reader.start()

  def _wait_harts(self, timeout):
    """Wait until every other hart has said HART_RE, so no boot message lands in the middle
    of a test's output (harts may start after the first prompt). Does not move the cursor."""
    want = set(range(1, self.cpus))
    deadline = time.monotonic() + timeout
    with self._cond:
      while True:
        want -= set(int(h) for h in HART_RE.findall(self.output))
        left = deadline - time.monotonic()
        if not want or self._eof or left <= 0:
          break
        self._cond.wait(min(left, 0.5))
    if want:
      raise self._error("harts %s never printed %r" % (sorted(want), HART_RE.pattern))

  def _port_clash(self):
    """True if QEMU exited because a host port was taken."""
    return self.proc.poll() is not None and re.search(
        r"(?i)could not set up host forwarding|address already in use|can't bind",
        self.output) is not None

  def _reset_for_retry(self):
    """Forget a failed boot (its process is gone) before trying again with new ports."""
    self._reader.join(2)
    with _live_lock:
      _live.discard(self)
    with self._cond:
      self.output, self.pos = "", 0

  def _read_loop(self):
    """Reader thread: copy console bytes to the log, the text buffer and maybe stderr."""
    fd = self.proc.stdout.fileno()
    while True:
      try:
        data = os.read(fd, 4096)
      except OSError:
        data = b""
      if not data:
        break
      self._log.write(data)
      self._log.flush()
      if self.verbose:
        sys.stderr.buffer.write(data)
        sys.stderr.flush()
      text = data.decode("utf-8", "replace").replace("\r", "")
      with self._cond:
        self._last_rx = time.monotonic()
        self.output += text
        self._cond.notify_all()
    with self._cond:
      self._eof = True
      self._cond.notify_all()

  # ---- input ----

  def send(self, text):
    """Write raw text (or bytes) to the console; no waiting."""
    if isinstance(text, str):
      text = text.encode()
    if self.proc is None or self.proc.poll() is not None:
      raise self._error("cannot send %r: QEMU is not running" % text)
    try:
      self.proc.stdin.write(text)
      self.proc.stdin.flush()
    except (BrokenPipeError, OSError) as e:
      raise self._error("cannot send %r: %s" % (text, e))

  def sendline(self, line):
    """Type one line and Enter."""
    self.send(line + "\n")

  def ctrl(self, letter):
    """Type control-<letter>, e.g. ctrl("d") for end of input, ctrl("p") for the process list.

    Ctrl-a is QEMU's escape key and never reaches the guest."""
    self.send(bytes([ord(letter.lower()) & 0x1f]))

  # ---- waiting ----

  def expect(self, pattern, timeout=30, what=None):
    """Wait until regex pattern appears in console text after the cursor; return the match.

    The cursor moves past the match. Raises HarnessError on timeout or if QEMU exits."""
    rx = re.compile(pattern) if isinstance(pattern, str) else pattern
    deadline = time.monotonic() + timeout
    with self._cond:
      while True:
        m = rx.search(self.output, self.pos)
        if m:
          self.pos = m.end()
          return m
        left = deadline - time.monotonic()
        if self._eof or left <= 0 or self._panicked():
          break
        self._cond.wait(min(left, 1.0))
    why = self._why_stopped(timeout)
    raise self._error("%s waiting for %s" % (why, what or "/%s/" % rx.pattern))

  def _panicked(self):
    """The kernel's panic line, if it printed one. Call with _cond held."""
    return PANIC_RE.search(self.output)

  def _why_stopped(self, timeout):
    """Why a wait ended without its match: a panic, QEMU's exit or the timeout."""
    m = self._panicked()
    if m:
      return "the kernel panicked (%s)" % m.group(0)
    if self._eof:
      return "QEMU exited (status %s)" % self.proc.poll()
    return "timed out after %gs" % timeout

  def _find_prompt(self):
    """(start, end) of the next prompt after the cursor, or None. Call with _cond held.

    A prompt is "$ " at the start of a line; or "$ " ending the output after a line without
    newline, once the console has been quiet for PROMPT_QUIET seconds."""
    m = PROMPT_RE.search(self.output, self.pos)
    if m:
      return m.start(), m.end()
    n = len(self.output)
    if (self.output.endswith(PROMPT) and n - len(PROMPT) >= self.pos
        and time.monotonic() - self._last_rx >= PROMPT_QUIET):
      return n - len(PROMPT), n
    return None

  def wait_prompt(self, timeout=60):
    """Wait for the shell prompt; return the text before it (the first also sets boot_seconds)."""
    deadline = time.monotonic() + timeout
    with self._cond:
      while True:
        found = self._find_prompt()
        if found:
          text = self.output[self.pos:found[0]]
          self.pos = found[1]
          break
        left = deadline - time.monotonic()
        if self._eof or left <= 0 or self._panicked():
          why = self._why_stopped(timeout)
          raise self._error('%s waiting for the shell prompt "$ "' % why)
        self._cond.wait(min(left, PROMPT_QUIET / 2))
    if self.boot_seconds is None:
      self.boot_seconds = time.monotonic() - self.t0
    return text

  def run(self, cmd, timeout=30):
    """Type cmd, wait for the next prompt, return what was printed in between.

    The echo of the command line itself is not part of the result."""
    self.sendline(cmd)
    self.expect(re.escape(cmd) + r"\n", timeout, what="the echo of %r" % cmd)
    return self.wait_prompt(timeout)

  def drain(self, quiet=0.3, timeout=5):
    """Wait until the console is quiet for `quiet` seconds; return the text skipped."""
    deadline = time.monotonic() + timeout
    with self._cond:
      while time.monotonic() < deadline and not self._eof:
        n = len(self.output)
        self._cond.wait(quiet)
        if len(self.output) == n:
          break
      text = self.output[self.pos:]
      self.pos = len(self.output)
    return text

  # ---- results ----

  def tail(self, n=15):
    """The last n console lines, for failure messages."""
    with self._cond:
      lines = self.output.rstrip("\n").split("\n")[-n:]
    return "\n".join(lines)

  def _error(self, msg):
    """A HarnessError that shows the console tail and the log path."""
    body = "\n".join("    | " + l for l in self.tail().split("\n"))
    return HarnessError("%s\n  last console lines:\n%s\n  log: %s" % (msg, body, self.log_path))

  def check(self, cond, msg):
    """Fail the test with msg, the console tail and the log path unless cond is true."""
    if not cond:
      raise self._error(msg)

  def alive(self):
    """True while the QEMU process runs."""
    return self.proc is not None and self.proc.poll() is None

  def kill(self):
    """Kill QEMU and its process group, close the log, delete the private fs.img. Idempotent."""
    with _live_lock:
      _live.discard(self)
    if self.proc is not None and self.proc.poll() is None:
      try:
        os.killpg(self.proc.pid, signal.SIGKILL)
      except OSError:
        self.proc.kill()
    if self.proc is not None:
      try:
        self.proc.wait(5)
      except subprocess.TimeoutExpired:
        pass
    if self._reader is not None and self._reader is not threading.current_thread():
      self._reader.join(2)
    if self.proc is not None:
      for f in (self.proc.stdin, self.proc.stdout):
        try:
          f.close()
        except OSError:
          pass
    if self._log is not None and not self._log.closed:
      self._log.close()
    if self._tmpdir and not self.keep_fs:
      shutil.rmtree(self._tmpdir, ignore_errors=True)
      self._tmpdir = None

  close = kill

  def __enter__(self):
    return self

  def __exit__(self, *exc):
    self.kill()
    return False

  def __del__(self):
    try:
      self.kill()
    except Exception:
      pass
