# test_sockets.py: the socket layer and the network programs, as a student uses them, over
# QEMU user networking (the guest is 10.0.2.15; the host's loopback is 10.0.2.2).
#
#   nettest (every subtest that needs no peer), nettest against a host UDP echo peer,
#   ping, nc -u as a client against the host's nc -u -l, nc -u -l in the guest reached
#   through the host forward, udpecho + netstat, the packet-path trace, ifconfig, arp.
#
# Run: /usr/bin/python3 test/run_tests.py test_sockets
import os
import re
import socket
import subprocess
import sys
import time

import harness

sys.path.insert(0, os.path.join(harness.TEST_DIR, "peers"))
from udp_echo import UdpEcho  # noqa: E402
import guest  # noqa: E402


def nettest_ok(q, cmd, timeout):
  # Run a nettest command line; fail with the subtests that did not pass.
  out = q.run(cmd, timeout)
  bad = [l for l in out.splitlines() if re.match(r"\w+: FAIL", l)]
  q.check("nettest: ALL OK" in out and not bad,
          "%r: want 'nettest: ALL OK', failed subtests:\n  %s" % (cmd, "\n  ".join(bad) or out))
  return out


@harness.timeout(180)
def test_nettest_local(ctx):
  q = ctx.boot(net="user")
  base = guest.baseline(q)
  out = nettest_ok(q, "nettest", 150)
  for name in ("basic", "efault", "socktable", "killrecv", "timeout", "refused", "unreach", "ping"):
    q.check(re.search(r"^%s: OK" % name, out, re.M), "nettest %s did not say OK" % name)
  guest.check_no_leak(q, base, "nettest")
  guest.check_pcap(q)   # every frame the guest sent is well formed, checksums right


@harness.timeout(120)
def test_nettest_echo_peer(ctx):
  peer = UdpEcho()
  peer.start()
  try:
    q = ctx.boot(net="user")
    nettest_ok(q, "nettest -p 10.0.2.2 %d echo twoproc rcvbuf" % peer.port, 90)
    q.check(peer.packets >= 10 + 60 + 10, "the echo peer saw only %d datagrams" % peer.packets)
    guest.check_pcap(q)
  finally:
    peer.stop()


@harness.timeout(60)
def test_ping(ctx):
  q = ctx.boot(net="user")
  out = q.run("ping -c 3 -i 200 10.0.2.2", 30)
  replies = re.findall(r"64 bytes from 10\.0\.2\.2: icmp_seq=(\d) ttl=\d+ time=\d+\.\d{3} ms", out)
  q.check(replies == ["1", "2", "3"], "want replies icmp_seq=1,2,3, got %r in %r" % (replies, out))
  q.check("--- 10.0.2.2 ping statistics ---" in out and
          "3 packets transmitted, 3 received, 0% packet loss" in out and
          re.search(r"rtt min/avg/max = [\d.]+/[\d.]+/[\d.]+ ms", out),
          "no Linux-like summary in %r" % out)
  out = q.run("ping -c 1 -W 300 10.0.2.99", 30)
  q.check("1 packets transmitted, 0 received, 100% packet loss" in out,
          "a ping to a host that does not exist: %r" % out)
  out = q.run("ping", 10)
  q.check("usage: ping" in out, "ping without a host should print usage: %r" % out)


@harness.timeout(60)
def test_nc_client(ctx):
  q = ctx.boot(net="user")
  port = harness.free_port(udp=True, tcp=False)
  host = subprocess.Popen(["nc", "-u", "-l", "127.0.0.1", str(port)], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE)
  try:
    time.sleep(0.5)
    q.sendline("nc -u 10.0.2.2 %d" % port)
    time.sleep(0.5)
    q.sendline("hello from the guest")
    line = host.stdout.readline()
    q.check(line == b"hello from the guest\n", "the host's nc got %r" % line)
    host.stdin.write(b"hello from the host\n")
    host.stdin.flush()
    q.expect(r"hello from the host", 10, what="the host's reply printed by the guest's nc")
    q.ctrl("d")
    q.expect(harness.PROMPT_RE, 10, what="nc to end at ^D")
  finally:
    host.kill()
    host.wait()


@harness.timeout(60)
def test_nc_server(ctx):
  q = ctx.boot(net="user")
  q.sendline("nc -u -l 2000")
  time.sleep(0.5)
  s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
  s.settimeout(10)
  try:
    s.sendto(b"hi guest\n", ("127.0.0.1", q.udp_port))
    q.expect(r"hi guest", 10, what="the guest's nc -u -l to print the host's datagram")
    q.sendline("hi host")
    data, _ = s.recvfrom(100)
    q.check(data == b"hi host\n", "the guest's reply: %r" % data)
    q.ctrl("d")
    q.expect(harness.PROMPT_RE, 10, what="nc -u -l to end at ^D")
  finally:
    s.close()


@harness.timeout(60)
def test_udpecho_netstat_trace(ctx):
  q = ctx.boot(net="user")
  out = q.run("udpecho -n 2 &", 10)
  time.sleep(0.5)
  out = q.run("netstat", 10)
  rcvq_max = re.search(r"#define SOCK_RCVQ_MAX (\d+)",
                       open(os.path.join(harness.ROOT, "kernel/net/sock.h")).read()).group(1)
  q.check(re.search(r"^udp\s+\*:2000\s+\*:\*\s+0\s+%s\s+0\s+0" % rcvq_max, out, re.M),
          "netstat should list udpecho's socket *:2000 (queue bound %s): %r" % (rcvq_max, out))
  s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
  s.settimeout(10)
  try:
    s.sendto(b"one", ("127.0.0.1", q.udp_port))
    q.check(s.recvfrom(100)[0] == b"one", "udpecho did not echo 'one'")
    q.run("trace on", 10)
    s.sendto(b"two", ("127.0.0.1", q.udp_port))
    q.check(s.recvfrom(100)[0] == b"two", "udpecho did not echo 'two'")
    q.expect(r"tx sys_sendto > sock_sendmsg > udp_sendmsg > ip_queue_xmit > .*e1000_xmit_frame",
             10, what="the trace of udpecho's reply")
    out = q.run("trace off", 10)
    q.check("trace: off (was on)" in out, "trace off: %r" % out)
  finally:
    s.close()
  out = q.run("netstat", 10)
  q.check(":2000" not in out, "udpecho exited after 2 packets; its socket should be gone: %r" % out)


@harness.timeout(60)
def test_ifconfig_arp(ctx):
  q = ctx.boot(net="user")
  q.run("ping -c 1 10.0.2.2", 20)
  out = q.run("ifconfig", 10)
  for want in (r"eth0: link up\s+mtu 1500", r"inet 10\.0\.2\.15\s+netmask 255\.255\.255\.0",
               r"gateway 10\.0\.2\.2\s+dns 10\.0\.2\.3", r"ether 52:54:00:12:34:56",
               r"RX packets [1-9]\d*", r"TX packets [1-9]\d*", r"skb pool: \d+ in use",
               r"icmp_rx [1-9]"):
    q.check(re.search(want, out), "ifconfig: no /%s/ in %r" % (want, out))
  out = q.run("arp", 10)
  q.check(re.search(r"^10\.0\.2\.2\s+52:55:0a:00:02:02\s+valid", out, re.M),
          "arp should show 10.0.2.2 valid after a ping: %r" % out)
  q.run("arp -d", 10)
  out = q.run("arp", 10)
  q.check("10.0.2.2" not in out, "arp -d should empty the cache: %r" % out)
  out = q.run("arp -x", 10)
  q.check("usage: arp" in out, "arp -x should print usage: %r" % out)
