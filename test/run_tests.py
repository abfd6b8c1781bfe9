#!/usr/bin/python3
# run_tests.py: run every test module in test/ (test_*.py) and print one line per test.
#
#     /usr/bin/python3 test/run_tests.py [-k SUBSTRING]... [-v] [-x] [--list] [MODULE...]
#
# A test is a module-level function named test_*; it passes if it returns and fails if it
# raises. It takes no arguments, or one argument named `ctx` (a Context: ctx.boot(...) boots
# QEMU named after the test and kills it afterwards; ctx.note(...) prints a figure). A test's
# time limit is its `timeout` attribute in seconds (default 120), set with @harness.timeout(N)
# or `test_x.timeout = N`. Output: `PASS name (1.2s)` or `FAIL name: reason` (with
# the console tail and log path indented below), then the line `N passed, N failed`.
# Exit status 1 if any test failed or none ran. See test/README.md.

import argparse
import glob
import importlib
import inspect
import os
import signal
import sys
import time
import traceback

TEST_DIR = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, TEST_DIR)
import harness  # noqa: E402

DEFAULT_TIMEOUT = 120


class TestTimeout(BaseException):
  """Raised in the test by SIGALRM when it runs past its time limit.

  A BaseException so that a test's own `except Exception` cannot swallow it."""


class Context:
  """The fixture a test gets when it takes an argument named ctx."""

  def __init__(self, name, verbose):
    self.name = name
    self.verbose = verbose
    self.log_dir = harness.default_log_dir()
    self.boots = []
    self.notes = []

  def boot(self, **kw):
    """Boot QEMU (harness.Qemu keywords); the runner kills it when the test ends."""
    kw.setdefault("name", self.name)
    q = harness.Qemu(start=False, **kw)
    self.boots.append(q)
    q.start(wait_prompt=kw.get("wait_prompt", True))
    return q

  def note(self, msg):
    """A figure or remark, printed under the test's result line."""
    self.notes.append(msg)


def discover(only):
  """Import test/test_*.py (or the named modules); return [(name, fn)] and import failures."""
  tests, broken = [], []
  for path in sorted(glob.glob(os.path.join(TEST_DIR, "test_*.py"))):
    mod = os.path.splitext(os.path.basename(path))[0]
    if only and mod not in only and mod[5:] not in only:
      continue
    try:
      m = importlib.import_module(mod)
    except Exception:
      broken.append((mod + " (import)", traceback.format_exc()))
      continue
    fns = [f for n, f in vars(m).items()
           if n.startswith("test_") and inspect.isfunction(f) and f.__module__ == mod]
    fns.sort(key=lambda f: f.__code__.co_firstlineno)
    tests += [("%s.%s" % (mod, f.__name__), f) for f in fns]
  return tests, broken


def on_alarm(signum, frame):
  """SIGALRM handler: abort the running test."""
  raise TestTimeout()


def call(name, fn, ctx):
  """Run one test under its time limit; return None on success or the failure text."""
  params = list(inspect.signature(fn).parameters)
  if params not in ([], ["ctx"]):
    return "test takes %s; it may take nothing or `ctx`" % params
  limit = getattr(fn, "timeout", DEFAULT_TIMEOUT)
  first = len(harness.history)
  harness.current_test = name
  signal.setitimer(signal.ITIMER_REAL, limit)
  try:
    fn(ctx) if params else fn()
    return None
  except TestTimeout:
    return "timed out after %ss%s" % (limit, console_hint(first))
  except harness.HarnessError as e:
    return str(e)
  except AssertionError as e:
    return (str(e) or "assertion failed") + console_hint(first) + "\n" + short_tb()
  except Exception:
    return "unexpected exception%s\n%s" % (console_hint(first), traceback.format_exc())
  finally:
    signal.setitimer(signal.ITIMER_REAL, 0)
    harness.kill_all()


def short_tb():
  """The test's own frames of the current traceback, as where-it-failed lines."""
  frames = traceback.extract_tb(sys.exc_info()[2])
  own = [f for f in frames if os.path.basename(f.filename).startswith("test_")]
  return "".join(traceback.format_list(own or frames[-1:])).rstrip()


def console_hint(first):
  """The console tail and log paths of the boots a failing test made (empty if none)."""
  boots = harness.history[first:]
  if not boots:
    return ""
  last = boots[-1]
  body = "\n".join("    | " + l for l in last.tail().split("\n"))
  logs = ", ".join(q.log_path for q in boots)
  return "\n  last console lines:\n%s\n  log: %s" % (body, logs)


def main():
  ap = argparse.ArgumentParser(description="Run the kernel's tests (test/test_*.py).")
  ap.add_argument("-k", action="append", default=[], metavar="SUBSTRING",
                  help="run only tests whose name contains SUBSTRING (may repeat)")
  ap.add_argument("-v", action="store_true", help="echo the QEMU console to stderr")
  ap.add_argument("-x", action="store_true", help="stop at the first failure")
  ap.add_argument("--list", action="store_true", help="list the tests and exit")
  ap.add_argument("modules", nargs="*", help="only these modules (test_kernel or kernel)")
  args = ap.parse_args()
  if args.v:
    os.environ["HARNESS_VERBOSE"] = "1"
  signal.signal(signal.SIGALRM, on_alarm)
  signal.signal(signal.SIGINT, signal.default_int_handler)
  signal.signal(signal.SIGTERM, signal.default_int_handler)
  os.makedirs(harness.default_log_dir(), exist_ok=True)
  tests, broken = discover(args.modules)
  if args.k:
    tests = [t for t in tests if any(k in t[0] for k in args.k)]
  if args.list:
    for name, fn in tests:
      print(name)
    return 0
  passed = failed = 0
  for name, text in broken:
    print("FAIL %s: %s" % (name, indent(text)), flush=True)
    failed += 1
  t_all = time.monotonic()
  try:
    for name, fn in tests:
      t0 = time.monotonic()
      ctx = Context(name, args.v)
      why = call(name, fn, ctx)
      if why is None:
        passed += 1
        print("PASS %s (%.1fs)" % (name, time.monotonic() - t0))
      else:
        failed += 1
        print("FAIL %s: %s" % (name, indent(why)))
      for n in ctx.notes:
        print("  note: %s" % n)
      sys.stdout.flush()
      if why is not None and args.x:
        break
  except KeyboardInterrupt:
    harness.kill_all()
    print("interrupted", flush=True)
    failed += 1
  print("(%.0fs in all)" % (time.monotonic() - t_all))
  print("%d passed, %d failed" % (passed, failed), flush=True)
  return 1 if failed or passed == 0 else 0


def indent(text):
  """Keep the first line on the FAIL line; indent the rest so it cannot look like a result."""
  lines = text.rstrip("\n").split("\n")
  return "\n".join(lines[:1] + [l if l.startswith("  ") else "  " + l for l in lines[1:]])


if __name__ == "__main__":
  sys.exit(main())
