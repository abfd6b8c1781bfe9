# test_driver.py: the device half of the network path (kernel/pci.c, kernel/e1000.c,
# kernel/net/dev.c, kernel/net/skbuff.c), checked from outside: the PCI probe line, frames
# on the wire (padding, the doorbell trace), doorbell batching, a receive flood bounded by
# the NAPI budget, and the TX ring benchmarks. Every boot ends with the skb pool back where
# it started.
# Run: /usr/bin/python3 test/run_tests.py test_driver
import os
import re
import socket
import struct
import subprocess
import sys
import time

import harness

sys.path.insert(0, os.path.join(harness.TEST_DIR, "peers"))
import guest  # noqa: E402
import wire  # noqa: E402
from udp_echo import UdpSink  # noqa: E402

GUEST_MAC = "52:54:00:12:34:56"
PROBE_RE = r"e1000: 52:54:00:12:34:56 at 0x40000000 irq 33, link up"
TX_TRACE_RE = re.compile(r"^tx (.*) > dev_queue_xmit > e1000_xmit_frame "
                         r"\[desc (\d+), TDT (\d+)->(\d+)\]\s*$", re.M)
TX_RING_SIZE = 128     # kernel/e1000.c
ETH_P_TEST = 0x88B5    # IEEE 802 local experimental EtherType: no protocol takes it


def pcap_frames(path):
    # (length, raw) of every frame in a classic pcap file.
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return []
    endian = "<" if data[:4] == b"\xd4\xc3\xb2\xa1" else ">"
    frames, off = [], 24
    while off + 16 <= len(data):
        incl, orig = struct.unpack(endian + "II", data[off + 8:off + 16])
        frames.append((orig, data[off + 16:off + 16 + incl]))
        off += 16 + incl
    return frames


def mac_s(b):
    return ":".join("%02x" % x for x in b)


def test_driver_probe(ctx):
    # pci_init scans ECAM, places BAR0 at the start of the MMIO window and computes the
    # PLIC source from the INTx swizzle (slot 1, INTA -> 33); e1000_init prints one line.
    q = ctx.boot(net="user")
    lines = re.findall(r"^e1000: .*$", q.output, re.M)
    q.check(len(lines) == 1, "want exactly one e1000 probe line, got %r" % lines)
    q.check(re.match(PROBE_RE, lines[0]), "probe line %r, want %r" % (lines[0], PROBE_RE))
    out = q.run("ifconfig", 10)
    q.check("link up" in out and GUEST_MAC in out, "ifconfig: %r" % out)


def monitor(q, cmd):
    # One QEMU monitor command: Ctrl-a c switches the console to the monitor and back.
    q.send("\x01c")
    time.sleep(0.3)
    q.sendline(cmd)
    time.sleep(0.3)
    q.send("\x01c")
    time.sleep(0.3)


@harness.timeout(60)
def test_driver_link_change(ctx):
    # Link status change (LSC) interrupt: the driver updates link_up and says so.
    q = ctx.boot(net="user")
    monitor(q, "set_link net0 off")
    q.expect(r"e1000: link down", 10)
    q.sendline("")
    q.wait_prompt(10)
    q.drain()
    out = q.run("ifconfig", 10)
    q.check("link down" in out, "ifconfig after set_link off: %r" % out)
    monitor(q, "set_link net0 on")
    q.expect(r"e1000: link up", 10)
    q.sendline("")
    q.wait_prompt(10)
    q.drain()
    out = q.run("ping -c 1 10.0.2.2", 20)
    q.check("1 received" in out, "ping after the link came back: %r" % out)


@harness.timeout(90)
def test_driver_tx_trace_and_padding(ctx):
    # With the trace on, every frame prints its path ending in the doorbell write, and the
    # descriptor numbers follow the ring. On the wire, every frame is at least 60 bytes
    # (QEMU does not pad; the driver must), and the ARP request is exactly 60.
    q = ctx.boot(net="user")
    base = guest.baseline(q)
    q.run("trace on", 10)
    out = q.run("ping -c 3 10.0.2.2", 20)
    q.run("trace off", 10)
    q.check("3 received" in out, "ping 10.0.2.2 through slirp failed: %r" % out)
    tx = [(m.group(1), int(m.group(2)), int(m.group(3)), int(m.group(4)))
          for m in TX_TRACE_RE.finditer(q.output)]
    q.check(len(tx) >= 4, "want >= 4 tx trace lines (ARP + 3 echo requests), got %d" % len(tx))
    for path, desc, old, new in tx:
        q.check(desc == old and new == (old + 1) % TX_RING_SIZE,
                "trace [desc %d, TDT %d->%d]: TDT must move from desc to desc+1" % (desc, old, new))
    for a, b in zip(tx, tx[1:]):
        q.check(b[2] == a[3], "consecutive frames: TDT %d->%d then %d->%d" % (a[2], a[3], b[2], b[3]))
    q.check(any("arp" in p for p, *_ in tx), "no ARP request in the trace: %r" % tx)
    q.check(any("ip_output > neigh_output" in p for p, *_ in tx), "no IP frame in the trace: %r" % tx)
    guest.check_no_leak(q, base, "ping")
    q.kill()
    ours = [(n, raw) for n, raw in pcap_frames(q.pcap_path) if mac_s(raw[6:12]) == GUEST_MAC]
    q.check(len(ours) >= 4, "capture has %d frames from the guest, want >= 4" % len(ours))
    short = [n for n, _ in ours if n < 60]
    q.check(not short, "frames shorter than 60 bytes left the guest: %r" % short)
    arp = [n for n, raw in ours if raw[12:14] == b"\x08\x06"]
    q.check(arp and arp[0] == 60, "ARP request from the guest is %r bytes, want 60" % arp[:1])


@harness.timeout(120)
def test_driver_tx_batch(ctx):
    # Doorbell batching (dev.c, e1000_xmit_frame's xmit_more): datagrams sent back to back
    # share doorbells, and none is held back for good. udpblast exits right after its
    # last sendto, so only the timer alarm can send a batch that was not full: the sink
    # must get every datagram, in order, both for 5 and for 2000.
    q = ctx.boot(net="user")
    base = guest.baseline(q)
    out = q.run("ping -c 1 -W 3000 10.0.2.2", 20)   # the gateway's MAC first
    q.check("1 received" in out, "ping 10.0.2.2 failed: %r" % out)
    for count in (5, 2000):
        sink = UdpSink()
        sink.start()
        try:
            before = guest.counters(q)
            out = q.run("udpblast 10.0.2.2 %d 64 %d" % (sink.port, count), 60)
            q.check("sent %d of %d" % (count, count) in out, "udpblast: %r" % out)
            got = sink.wait_packets(count, 10)
            after = guest.counters(q)
        finally:
            sink.stop()
        q.check(got == count, "%d datagrams sent back to back: the host got %d" % (count, got))
        q.check(sink.seqs == list(range(count)), "%d datagrams arrived out of order" % count)
        packets = guest.delta(before, after, "tx_packets")
        bells = guest.delta(before, after, "tx_doorbells")
        batched = guest.delta(before, after, "tx_batched")
        ctx.note("%d datagrams: %d frames, %d doorbells, %d batched" % (count, packets, bells,
                                                                        batched))
        q.check(0 < bells <= packets, "%d doorbells for %d frames" % (bells, packets))
        if count > 100:
            q.check(bells < packets // 2 and batched > packets // 2,
                    "%d frames back to back rang %d doorbells (%d batched): no batching"
                    % (packets, bells, batched))
    out = q.run("ping -c 1 10.0.2.2", 20)
    q.check("1 received" in out, "ping after the bursts failed: %r" % out)
    guest.check_no_leak(q, base, "udpblast")


@harness.timeout(120)
def test_driver_bench_udp(ctx):
    # `netbench udp` builds one UDP datagram (headers, checksums, the gateway's MAC from
    # the ARP cache) and pushes it through the ring N times: the ceiling of the send
    # benchmark. The host sink must get all N, each the datagram udpblast would send.
    q = ctx.boot(net="user")
    base = guest.baseline(q)
    sink = UdpSink()
    sink.start()
    try:
        out = q.run("netbench udp 10.0.2.2 %d 100 3000" % sink.port, 60)
        m = re.search(r"netbench: ring 3000 frames in (\d+) us", out)
        q.check(m is not None, "netbench udp printed %r" % out)
        got = sink.wait_packets(3000, 10)
    finally:
        sink.stop()
    q.check(got == 3000, "netbench udp: the host got %d of 3000 datagrams" % got)
    q.check(sink.bytes == 3000 * 100, "netbench udp: %d bytes, want 3000 x 100" % sink.bytes)
    q.check(set(sink.seqs) == {0}, "netbench udp payloads do not start with sequence 0")
    for bad in ("netbench udp 10.0.2.2 9 3 10", "netbench udp 10.0.2.2 9 2000 10",
                "netbench udp 10.0.2 9 64 10", "netbench udp 10.0.2.2 9 64 0"):
        out = q.run(bad, 10)
        q.check("usage" in out or "SIZE must be" in out, "%r: no usage message: %r" % (bad, out))
    ctx.note("ring: %s us for 3000 datagrams of 100 bytes" % m.group(1))
    guest.check_no_leak(q, base, "netbench udp")
    guest.check_pcap(q)   # tshark: every frame well formed, IP and UDP checksums right


@harness.timeout(120)
def test_driver_bench_echo(ctx):
    # `netbench echo PORT N` (NETCTL_BENCH_ECHO, net/devecho.c): the round-trip floor of
    # make bench. The next N datagrams to PORT come back from the device layer with
    # addresses and ports swapped and the payload as sent; then the program ends and the
    # port is closed again (the stack answers). A second echo while one runs: EBUSY; a
    # killed one ends. No skb leaks, and every echoed frame is well formed (tshark).
    q = ctx.boot(net="user", guest_udp=2000)
    base = guest.baseline(q)
    guest.start_bg(q, "netbench echo 2000 5 > echo.out")
    guest.wait_file(q, "echo.out", r"echoing 5 datagrams to UDP port 2000")
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(3)
    try:
        for i in range(5):
            msg = b"floor %d " % i + bytes(range(i * 40))
            s.sendto(msg, ("127.0.0.1", q.udp_port))
            data, addr = s.recvfrom(4096)
            q.check(data == msg, "echo %d: got %r, sent %r" % (i, data[:40], msg[:40]))
            q.check(addr[1] == q.udp_port, "echo %d came from port %d" % (i, addr[1]))
        out = guest.wait_file(q, "echo.out", r"echoed \d+ datagram")
        q.check("echoed 5 datagrams" in out, "netbench echo printed %r" % out)
        before = guest.counters(q)
        s.sendto(b"after", ("127.0.0.1", q.udp_port))
        try:
            data, _ = s.recvfrom(4096)
            q.check(False, "a datagram after the count came back: %r" % data)
        except socket.timeout:
            pass
        after = guest.counters(q)
        q.check(guest.delta(before, after, "udp_rx_no_port") == 1,
                "after the echo the stack did not get the datagram to the closed port")
    finally:
        s.close()
    pid = guest.start_bg(q, "netbench echo 2000 > echo2.out")
    guest.wait_file(q, "echo2.out", r"echoing 1000 datagrams")
    out = q.run("netbench echo 2001 1", 10)
    q.check("Device or resource busy" in out, "a second echo while one runs: %r" % out)
    guest.kill_and_wait(q, pid)
    for bad in ("netbench echo 0", "netbench echo 65536", "netbench echo 2000 0"):
        out = q.run(bad, 10)
        q.check("usage" in out, "%r: no usage message: %r" % (bad, out))
    guest.check_no_leak(q, base, "netbench echo")
    guest.check_pcap(q)


@harness.timeout(150)
def test_driver_rx_flood(ctx):
    # Bursts of frames bigger than the NAPI budget (64) reach the guest: every frame QEMU
    # delivered (the capture is the count: a busy host may drop datagrams before QEMU reads
    # them) is received and counted (here: unknown EtherType), poll passes that used their
    # whole budget are counted, the shell still answers, and no skb leaks.
    w = wire.Wire()
    qport = harness.free_port(udp=True, tcp=False)
    w.start(qport)
    try:
        q = ctx.boot(net="dgram", dgram_ports=(qport, w.port), timeout=60)
        base = guest.baseline(q)
        before = guest.counters(q)
        frame = w.frame_to_guest(ETH_P_TEST, bytes(46))
        bursts, per_burst = 20, 100     # < RX ring (128), > budget (64)
        for i in range(bursts):
            for _ in range(per_burst):
                w.sock.sendto(frame, w.qemu)
            w.ping(seq=i + 1, timeout=5)   # answered only after the burst: flow control
        out = q.run("echo still here", 10)
        q.check("still here" in out, "shell did not answer after the flood: %r" % out)
        after = guest.counters(q)
        guest.check_no_leak(q, base, "rx flood")
        q.kill()
        delivered = sum(1 for _, raw in pcap_frames(q.pcap_path)
                        if raw[12:14] == struct.pack("!H", ETH_P_TEST))
        got = guest.delta(before, after, "eth_rx_unknown_type")
        dropped = guest.delta(before, after, "rx_dropped", "rx_errors")
        budget = guest.delta(before, after, "rx_budget_exhausted")
        ctx.note("%d frames sent, %d delivered by QEMU, %d counted by the guest, %d dropped, "
                 "budget used up %d times" % (bursts * per_burst, delivered, got, dropped, budget))
        q.check(delivered >= bursts * per_burst // 2,
                "QEMU delivered only %d of %d frames" % (delivered, bursts * per_burst))
        q.check(got == delivered and dropped == 0,
                "QEMU delivered %d frames: eth_rx_unknown_type +%d, rx_dropped/errors +%d"
                % (delivered, got, dropped))
        q.check(guest.delta(before, after, "rx_packets") >= delivered + bursts,
                "rx_packets +%d for %d frames and %d pings"
                % (guest.delta(before, after, "rx_packets"), delivered, bursts))
        q.check(guest.delta(before, after, "rx_irqs") > 0, "no RX interrupt counted")
        q.check(budget > 0, "bursts of %d frames never used up a poll budget of 64" % per_burst)
    finally:
        w.stop()


@harness.timeout(120)
def test_driver_bench_ring(ctx):
    # NETCTL_BENCH_TX pushes one frame through the TX ring N times (ndo_bench_xmit); it
    # must finish, report a time, free its skb, and leave the ring usable.
    q = ctx.boot(net="user")
    base = guest.baseline(q)
    out = q.run("netbench ring 20000", 60)
    m = re.search(r"netbench: ring (\d+) frames in (\d+) us, (\d+) frames/s", out)
    q.check(m is not None, "netbench printed no result: %r" % out)
    us, rate = int(m.group(2)), int(m.group(3))
    ctx.note("TX ring: 20000 frames in %d us, %d frames/s" % (us, rate))
    q.check(us > 0 and rate > 1000, "implausible ring figure: %d us, %d frames/s" % (us, rate))
    out = q.run("ping -c 1 10.0.2.2", 20)
    q.check("1 received" in out, "ping after the benchmark failed: %r" % out)
    guest.check_no_leak(q, base, "netbench")


# Host-side unit tests of dev.c and skbuff.c (test/unit/test_dev.c): no QEMU, a fake driver.
_unit_dev = None


def unit_dev_binary():
    # Build test/unit/test_dev.c with the real dev.c and skbuff.c once per run.
    global _unit_dev
    if _unit_dev is None:
        out = os.path.join(harness.ROOT, "build", "unit", "unit_dev")
        os.makedirs(os.path.dirname(out), exist_ok=True)
        flags = ["-O1", "-g", "-Wall", "-Werror", "-Wno-array-bounds", "-ffreestanding",
                 "-fno-builtin", "-fno-common", "-I.", "-Itest/unit"]
        san = ["-fsanitize=address,undefined", "-fno-sanitize-recover=undefined"]
        srcs = ["kernel/net/dev.c", "kernel/net/skbuff.c", "test/unit/fake_kernel.c",
                "test/unit/test_dev.c"]
        r = subprocess.run(["gcc"] + flags + san + ["-o", out] + srcs, cwd=harness.ROOT,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0:   # no sanitizer runtime on this host: build without it
            r = subprocess.run(["gcc"] + flags + ["-o", out] + srcs, cwd=harness.ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert r.returncode == 0, "building unit_dev failed:\n" + r.stdout
        _unit_dev = out
    return _unit_dev


def run_unit_dev(group):
    r = subprocess.run([unit_dev_binary(), group], cwd=harness.ROOT, timeout=60,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert r.returncode == 0 and ("ok " + group) in r.stdout, \
        "unit_dev %s (exit %d):\n%s" % (group, r.returncode, r.stdout[-3000:])


def test_unit_skb_pool():
    # Counters, reserve/push/pull/put/trim bounds, clone_copy, queues, double free caught.
    run_unit_dev("pool")


def test_unit_dev_xmit():
    # dev_queue_xmit: ring first, then the bounded software queue, in order; the drain.
    run_unit_dev("xmit")


def test_unit_dev_batch():
    # Doorbell batching: streamed frames wait for a batch (full, a lone frame, the alarm),
    # then go in order with xmit_more on all but the last; a full ring stops the batch.
    run_unit_dev("batch")


def test_unit_dev_rx():
    run_unit_dev("rx")


def test_unit_dev_trace():
    run_unit_dev("trace")
