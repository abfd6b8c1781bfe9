# Two-guest mode: two kernels joined back to back by one QEMU -netdev dgram link (each
# one's local port is the other's remote), no host peer in between. The second guest takes
# another MAC and, with `ifconfig eth0 10.0.2.16`, another address; then they ping each
# other and exchange UDP datagrams, and tshark finds nothing wrong in either capture.
import os
import sys

import harness

sys.path.insert(0, os.path.join(harness.TEST_DIR, "peers"))
import guest  # noqa: E402


@harness.timeout(120)
def test_two_guests_talk(ctx):
    pa, pb = harness.free_port(), harness.free_port()
    a = ctx.boot(net="dgram", dgram_ports=(pa, pb), cpus=1)
    b = ctx.boot(net="dgram", dgram_ports=(pb, pa), cpus=1, mac="52:54:00:12:34:57")
    out = b.run("ifconfig eth0 10.0.2.16", 10)
    b.check(out.strip() == "" or "ifconfig" not in out, "ifconfig eth0 10.0.2.16 failed: %r" % out)
    out = b.run("ifconfig", 10)
    b.check("inet 10.0.2.16" in out, "B's ifconfig should show inet 10.0.2.16: %r" % out)
    base_a, base_b = guest.baseline(a), guest.baseline(b)
    out = a.run("ping -c 3 10.0.2.16", 30)
    a.check("3 received" in out, "A pinging B should get 3 replies: %r" % out)
    out = b.run("ping -c 2 10.0.2.15", 30)
    b.check("2 received" in out, "B pinging A should get 2 replies: %r" % out)
    b.run("udpecho -n 1 5000 &", 10)
    for _ in range(20):                    # udpecho must be bound before A sends
        if guest.sock_on(b, 5000):
            break
    b.check(guest.sock_on(b, 5000), "B's udpecho never bound port 5000")
    out = a.run("echo hello-from-a | nc -u -w 2 10.0.2.16 5000", 20)
    lines = [l for l in out.splitlines() if "hello-from-a" in l and "nc -u" not in l]
    a.check(lines, "A's nc should print B's echo of hello-from-a: %r" % out)
    guest.check_no_leak(a, base_a, "two guests (A)")
    guest.check_no_leak(b, base_b, "two guests (B)")
    frames = guest.check_pcap(a) + guest.check_pcap(b, "52:54:00:12:34:57")
    ctx.note("two guests: ping both ways, UDP echo, %d frames checked by tshark" % frames)
