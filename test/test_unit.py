# test_unit.py: host-side unit tests and fuzzing of the protocol files in kernel/net
# (ether, arp, ip, icmp, udp, the checksum), lwIP style: test/unit/build.sh compiles them
# with the host gcc (AddressSanitizer on) against the real skb pool and small fakes of the
# device and socket layers (test/unit/fake_*.c); test/unit/test_proto.c holds the checks.
# Each test below runs one group of them; no QEMU is involved.

import os
import subprocess

import harness

_binary = None


def unit_binary():
  """Build test/unit once per run; returns the path of the test program."""
  global _binary
  if _binary is None:
    out = os.path.join(harness.ROOT, "build", "unit", "unit_proto")
    r = subprocess.run(["sh", "test/unit/build.sh", out], cwd=harness.ROOT,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert r.returncode == 0, "test/unit/build.sh failed:\n" + r.stdout
    _binary = out
  return _binary


def run_group(group, *args):
  """Run one group of unit checks; fail with its output unless it printed 'ok GROUP'."""
  r = subprocess.run([unit_binary(), group] + list(args), cwd=harness.ROOT, timeout=100,
                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
  ok = r.returncode == 0 and ("ok " + group) in r.stdout
  assert ok, "unit_proto %s (exit %d):\n%s" % (group, r.returncode, r.stdout[-3000:])
  return r.stdout


def test_unit_checksum():
  run_group("csum")


def test_unit_ether():
  run_group("ether")


def test_unit_ip_validation():
  run_group("ip")


def test_unit_arp_cache():
  run_group("arp")


def test_unit_udp():
  run_group("udp")


def test_unit_icmp():
  run_group("icmp")


def test_unit_config():
  run_group("config")


def test_unit_fuzz(ctx):
  out = run_group("fuzz", "5000")
  for line in out.splitlines():
    if line.startswith("fuzz:"):
      ctx.note(line)
