# test_net.py: the network stack through QEMU user networking (slirp), the way a student
# runs it with `make qemu`: the guest is 10.0.2.15, the host 10.0.2.2; the harness forwards
# a host UDP port (q.udp_port) to guest port 2000. Host peers: test/peers/udp_echo.py and
# Linux `nc -u`. After every boot: free pages and skbs back at their starting counts, and
# tshark finds no malformed frame or bad checksum from the guest in the capture.
# Run: /usr/bin/python3 test/run_tests.py test_net
import os
import re
import socket
import struct
import subprocess
import sys

import harness

sys.path.insert(0, os.path.join(harness.TEST_DIR, "peers"))
import guest  # noqa: E402
from udp_echo import UdpEcho  # noqa: E402

GUEST_PORT = 2000     # udpecho's default port, the harness's host forward target


def boot_user(ctx):
    return ctx.boot(net="user", cpus=3, timeout=60, guest_udp=GUEST_PORT)


def expect_in(q, text, out, what):
    q.check(text in out, "%s: expected %r in %r" % (what, text, out))


@harness.timeout(120)
def test_net_ping_and_udp(ctx):
    q = boot_user(ctx)
    base = guest.baseline(q)

    # Ping out: three requests to the gateway, three replies.
    out = q.run("ping -c 3 10.0.2.2", 30)
    expect_in(q, "3 packets transmitted, 3 received", out, "ping -c 3 10.0.2.2")
    seqs = re.findall(r"bytes from 10\.0\.2\.2: icmp_seq=(\d+)", out)
    q.check(len(seqs) == 3 and len(set(seqs)) == 3, "ping reply lines: %r" % out)

    # Guest -> host: nc to the host echo peer, one line out and back.
    echo = UdpEcho()
    echo.start()
    try:
        out = q.run("echo hello from the guest | nc -u -w 2 10.0.2.2 %d" % echo.port, 20)
        expect_in(q, "hello from the guest", out, "nc's echo from the host peer")
        q.check(echo.payloads() == [b"hello from the guest\n"],
                "the host echo peer saw %r" % echo.payloads())
        # ... and 50 datagrams in a row (udpblast numbers them): all of them, in order.
        out = q.run("udpblast 10.0.2.2 %d 200 50" % echo.port, 20)
        expect_in(q, "sent 50 of 50", out, "udpblast to the echo peer")
        echo.wait_packets(51, 5)
        seqs = [struct.unpack("!I", p[:4])[0] for p in echo.payloads()[1:]]
        q.check(seqs == list(range(50)), "the echo peer saw seqs %r" % seqs)
        q.check(all(len(p) == 200 for p in echo.payloads()[1:]), "udpblast sizes differ")
    finally:
        echo.stop()

    # Host -> guest: the guest's udpecho through the host forward, several sizes.
    pid = guest.start_bg(q, "udpecho %d > udpecho.out" % GUEST_PORT)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(3)
    try:
        for size in (1, 18, 64, 512, 1000, 1472):
            msg = bytes((i * 7 + size) & 0xff for i in range(size))
            s.sendto(msg, ("127.0.0.1", q.udp_port))
            try:
                data, _ = s.recvfrom(4096)
            except socket.timeout:
                data = None
            q.check(data == msg, "udpecho of %d bytes came back as %r" % (size, data and data[:20]))
    finally:
        s.close()

    # ... and with Linux nc as the host client.
    r = subprocess.run(["nc", "-u", "-w", "2", "127.0.0.1", str(q.udp_port)],
                       input=b"hello from linux nc\n", capture_output=True, timeout=20)
    q.check(r.stdout == b"hello from linux nc\n", "Linux nc -u got %r (stderr %r)"
            % (r.stdout, r.stderr))

    guest.kill_and_wait(q, pid)
    guest.check_no_leak(q, base, "ping and UDP")
    guest.check_pcap(q)


@harness.timeout(150)
def test_net_nettest(ctx):
    # The guest's own socket-layer suite, with the host echo peer: every subtest OK.
    q = boot_user(ctx)
    base = guest.baseline(q)
    echo = UdpEcho()
    echo.start()
    try:
        out = q.run("nettest -p 10.0.2.2 %d" % echo.port, 130)
    finally:
        echo.stop()
    results = re.findall(r"^(\S+): (OK|FAIL|SKIP)(.*)$", out, re.M)
    bad = [r for r in results if r[1] != "OK"]
    q.check(len(results) >= 10, "nettest ran only %d subtests:\n%s" % (len(results), out))
    q.check(not bad, "nettest subtests not OK: %s" % "; ".join("%s %s%s" % r for r in bad))
    expect_in(q, "nettest: ALL OK", out, "nettest's last line")
    q.check(echo.packets > 0, "nettest never reached the host echo peer")
    guest.check_no_leak(q, base, "nettest")
    guest.check_pcap(q)


@harness.timeout(120)
def test_net_bench_smoke(ctx):
    # bench.py with tiny counts, so `make bench` cannot rot: every figure is there and sane.
    import bench
    r = bench.run(quick=True, runs=1, pairs=1, name="test_net.bench_smoke", table=False)
    ctx.note("(tiny counts) ring %.0f frames/s; send 64 B %.0f pkt/s user, %.0f wire; "
             "rtt median %.0f us user, %.0f wire" % (
                 r["ring_fps"][0], r["send64_pps"][0], r.get("wsend64_pps", [0])[0],
                 r["rtt_median_us"][0], r.get("wrtt_median_us", [0])[0]))
    for key in ("ring_fps", "send64_pps", "send1400_pps", "send1400_MBps", "rtt_median_us",
                "rtt_p99_us", "rttfloor_median_us", "rttfloor_p99_us", "rx_2000_delivered",
                "rx_max_delivered", "shell_during_flood_ms"):
        assert key in r and r[key] and r[key][0] > 0, "bench figure %s missing or zero: %r" % (
            key, r.get(key))
    assert r["send1400_loss"][0] < 50, "bench: %.0f%% of 1400-byte datagrams lost" % (
        r["send1400_loss"][0])
    assert r["shell_during_flood_ms"][0] < 10000, "the shell froze during the flood"
    for key in ("wsend64_pps", "wrtt_median_us", "wrttfloor_median_us", "wrx_2000_delivered"):
        assert key in r and r[key] and r[key][0] > 0, "bench figure %s missing or zero: %r" % (
            key, r.get(key))
    bad = [b for path in r["pcap"] for b in guest.pcap_check.bad_frames(path)]
    assert not bad, "bad frames from the guest during the bench:\n  " + "\n  ".join(bad[:20])


@harness.timeout(180)
def test_net_tbprof_counts_a_send(ctx):
    # tools/tbprof.py (the TCG-plugin profiler docs/internals.md points to) still builds,
    # loads into QEMU and finds the send path: each sendto is one ecall, runs udp_sendmsg
    # and e1000_xmit_frame, and costs a plausible number of guest instructions.
    n = 1000
    r = subprocess.run([sys.executable, os.path.join(harness.ROOT, "tools", "tbprof.py"),
                        "--per", str(n), "--top", "60",
                        "udpblast 10.0.2.2 PORT 64 %d" % n],
                       cwd=harness.ROOT, capture_output=True, text=True, timeout=170)
    assert r.returncode == 0, "tbprof failed:\n" + r.stdout[-2000:] + r.stderr[-2000:]
    m = re.search(r"per operation: (\d+) instructions, (\d+) blocks, ([\d.]+) indirect jumps, "
                  r"([\d.]+) CSR accesses, ([\d.]+) ecalls", r.stdout)
    assert m, "tbprof printed no summary:\n" + r.stdout[-2000:]
    insns, ecalls = int(m.group(1)), float(m.group(5))
    ctx.note("per 64-byte sendto: %s instructions, %s blocks, %s indirect jumps, %s CSR "
             "accesses" % m.group(1, 2, 3, 4))
    assert 0.9 <= ecalls <= 1.2, "expected one ecall per sendto, got %.2f" % ecalls
    assert 500 < insns < 20000, "implausible instructions per sendto: %d" % insns
    for fn in ("udp_sendmsg", "e1000_xmit_frame", "csum_copy_from_user"):
        assert re.search(r"^%s\s" % fn, r.stdout, re.M), "%s missing from the profile:\n%s" % (
            fn, r.stdout[-3000:])
