#!/usr/bin/python3
# bench.py (`make bench`): network figures of the kernel, each measured on the host side,
# over several runs (5; median and range). Not pass/fail; test_net.py runs it with tiny
# counts (run(quick=True)) so that it cannot rot. The host is shared and its load changes
# from second to second, so each send run follows its own ceiling run at once and the
# ratio is taken within that pair; there are 9 such pairs per size, since a pair's ratio
# still varies by a third either way from one pair to the next. The host sink is a small
# C program (test/peers/udp_sink.c) that takes the kernel's arrival time of each
# datagram: a Python reader could not keep up with the ceiling. It never sleeps (--spin):
# under QEMU the device sends inside the guest's doorbell write, on the vCPU's host thread,
# so a sink that sleeps between datagrams makes that thread pay for waking it, and pay
# more after the pauses in which the guest's stack prepares the next batch (the sink's
# core has gone idle) than in the ceiling's steady stream. A NIC does not pay for its
# receiver's wakeups. Measured, same kernel, alternating boots, 8 pairs each: blocking
# sink ceiling 80k, send 44k pkt/s (0.55); spinning 105k, 60k (0.60).
#
#   /usr/bin/python3 test/bench.py [--runs N] [--pairs N] [--quick] [--keep-pcap] [-v]
#
# Figures (one QEMU boot with user networking, CPUS=3):
#   TX ring ceiling   `netbench udp 10.0.2.2 PORT SIZE N`: one prebuilt UDP frame of each
#                     size pushed through the e1000 ring with no stack above the driver
#                     (netctl NETCTL_BENCH_TX), counted by the same host sink as the send
#                     figure: what the device and QEMU's back end can carry, the bound for
#                     the send figure of that size. Also `netbench ring N`: a frame slirp
#                     discards at once, timed in the guest: the device alone, for reference;
#   UDP send          `udpblast 10.0.2.2 PORT SIZE COUNT` to a host sink, 64 and 1400 bytes:
#                     packets/s and MB/s as the sink saw them, loss, ratio to the ceiling;
#   UDP round trip    the host sends one datagram at a time to the guest's `udpsink -e`
#                     (through QEMU's host forward) and times each echo: median and p99,
#                     and p99 as a multiple of the median (the tail: stalls);
#   round-trip floor  the same just before, to `netbench echo`, which sends the datagrams
#                     back from the device layer (net/devecho.c: no stack, socket or
#                     process): what the device, QEMU and the host cost in that minute.
#                     Also the host's steal time meanwhile (/proc/stat: CPU time the
#                     hypervisor gave to others), which is what a tail follows: the
#                     runs with under 2% of it are summed up apart (quiet host), and
#                     while fewer than three were, more runs follow (up to 3x as many).
#                     The send rows give the steal too, for each ceiling/send pair;
#   UDP receive       the host offers 2k, 5k, 10k, 20k packets/s and unpaced to the guest's
#                     `udpsink -b 1024`: delivered rate and loss. The sink asks for a
#                     1024-datagram queue (SO_RCVBUF), as one gives a Linux sink a larger
#                     buffer: with the default 256, a flood filled it whenever the host
#                     left the reader's vCPU thread unscheduled for a few ms;
#   responsiveness    how long `echo` at the guest shell takes during the unpaced flood.
import argparse
import os
import re
import socket
import statistics
import struct
import sys
import threading
import time

TEST_DIR = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, TEST_DIR)
sys.path.insert(0, os.path.join(TEST_DIR, "peers"))
import harness  # noqa: E402
import guest  # noqa: E402
import wire  # noqa: E402
from udp_echo import UdpSink  # noqa: E402

GUEST_PORT = 2000          # the harness forwards q.udp_port on the host to this guest port
RATES = [2000, 5000, 10000, 20000, None]   # None: unpaced
QUICK_RATES = [2000, None]
RX_QUEUE = 1024            # the receive sink's queue, in datagrams (the kernel's maximum)
QUIET_STEAL = 2.0          # % steal under which a round-trip pair counts as on a quiet host


def host_cpu():
    # The host's CPU time so far (/proc/stat "cpu" line, in ticks): (steal, total). Steal
    # is time the hypervisor gave our virtual CPUs to someone else: this machine's noise.
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    return (fields[7] if len(fields) > 7 else 0), sum(fields[:8])


def steal_pct(before, after):
    total = after[1] - before[1]
    return 100.0 * (after[0] - before[0]) / total if total > 0 else 0.0


def fmt_range(vals, f="%.0f"):
    # "median [min..max]" of a list of numbers.
    if not vals:
        return "-"
    return (f + " [" + f + ".." + f + "]") % (statistics.median(vals), min(vals), max(vals))


class Bench:
    def __init__(self, q, runs=5, pairs=9, quick=False, log=print):
        self.q, self.runs, self.pairs, self.quick, self.log = q, runs, pairs, quick, log
        self.results = {}

    def add(self, key, value):
        self.results.setdefault(key, []).append(value)

    # -- TX ring ceiling

    def tx_ring(self):
        n = 200 if self.quick else 20000
        for _ in range(self.runs):
            out = self.q.run("netbench ring %d" % n, 60)
            m = re.search(r"ring (\d+) frames in (\d+) us, (\d+) frames/s", out)
            self.q.check(m is not None, "netbench printed %r" % out)
            self.add("ring_fps", int(m.group(3)))

    def frames(self, size):
        # How many datagrams a send or ceiling run pushes: about a second's worth of each
        # or more, so that one run spans the host's hiccups rather than falling into one
        # (with a fifth of these, a single pair's ratio varied twice as much).
        return 300 if self.quick else (100000 if size < 1000 else 50000)

    def to_sink(self, cmd, pattern):
        # Run cmd (with %d for the port) against a fresh host sink; the guest's output
        # must match pattern. Returns (the match, the sink, stopped once quiet).
        sink = UdpSink(spin=True)
        sink.start()
        try:
            out = self.q.run(cmd % sink.port, 120)
            m = re.search(pattern, out)
            self.q.check(m is not None, "%s printed %r" % (cmd.split()[0], out))
            sink.wait_quiet(0.5, 10)
        finally:
            sink.stop()
        return m, sink

    def ceiling(self, size):
        _, sink = self.to_sink("netbench udp 10.0.2.2 %%d %d %d" % (size, self.frames(size)),
                               r"ring (\d+) frames in")
        self.add("ceil%d_pps" % size, sink.summary()["pps"])

    # -- UDP send: guest -> host sink

    def udp_send(self, size):
        count = self.frames(size)
        m, sink = self.to_sink("udpblast 10.0.2.2 %%d %d %d" % (size, count),
                               r"sent (\d+) of (\d+), \d+ bytes, in (\d+) us, errors (\d+)")
        errors = int(m.group(4))
        s = sink.summary(expected=count)
        self.add("send%d_pps" % size, s["pps"])
        self.add("send%d_MBps" % size, s["Bps"] / 1e6)
        self.add("send%d_loss" % size, 100.0 * s["lost"] / count)
        self.add("send%d_errors" % size, errors)
        self.add("send%d_guest_pps" % size, int(m.group(1)) * 1e6 / max(1, int(m.group(3))))

    # -- UDP round trip: host -> guest echo -> host, and its floor

    def rtt_runs(self, prefix, exchanges):
        # Pairs of runs, each of n exchanges (exchanges(n): the sorted round-trip times in
        # seconds of those that came back): first the floor, `netbench echo`, which sends
        # the datagrams back from the device layer (net/devecho.c) with no stack, socket or
        # process; at once after it the same through `udpsink -e`. The floor is what the
        # device, QEMU and the host cost, measured in the same minute. A tail follows the
        # host's steal (a stall of a few ms when the hypervisor takes a CPU delays the
        # exchange in flight), so besides self.runs pairs there are more, up to three times
        # as many, until at least three (or self.runs) had a quiet host (QUIET_STEAL); the
        # table gives every pair's figures and, apart, the quiet ones'.
        n = 50 if self.quick else 2000
        quiet, run = 0, 0
        while run < 3 * self.runs and (run < self.runs or quiet < min(3, self.runs)):
            cpu0 = host_cpu()
            for key, cmd, ready in (
                    ("rttfloor", "netbench echo %d %d" % (GUEST_PORT, n + 100), r"echoing"),
                    ("rtt", "udpsink -e %d 600" % GUEST_PORT, r"ready on")):
                out_file = "%s%s%d" % (prefix, key, run)
                pid = guest.start_bg(self.q, "%s > %s" % (cmd, out_file))
                guest.wait_file(self.q, out_file, ready)
                try:
                    times = exchanges(n)
                finally:
                    guest.kill_and_wait(self.q, pid)
                self.q.check(len(times) >= n // 2, "%s round trip (%s): %d of %d echoes came "
                             "back" % (prefix or "user", cmd.split()[0], len(times), n))
                median = statistics.median(times)
                p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
                self.add(prefix + key + "_median_us", 1e6 * median)
                self.add(prefix + key + "_p99_us", 1e6 * p99)
                self.add(prefix + key + "_tail", p99 / median)
                self.add(prefix + key + "_lost", n - len(times))
            steal = steal_pct(cpu0, host_cpu())
            self.add(prefix + "rtt_steal_pct", steal)
            quiet += steal < QUIET_STEAL
            run += 1

    def user_exchanges(self, n):
        # One datagram at a time to the guest through QEMU's host forward; each echo timed.
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(1.0)
        times = []
        try:
            for i in range(n):
                msg = struct.pack("!I", i) + b"rtt" * 10
                t0 = time.perf_counter()
                s.sendto(msg, ("127.0.0.1", self.q.udp_port))
                try:
                    while True:
                        data, _ = s.recvfrom(2048)
                        if data == msg:
                            break
                    times.append(time.perf_counter() - t0)
                except socket.timeout:
                    pass
        finally:
            s.close()
        return sorted(times)

    def rtt(self):
        self.rtt_runs("", self.user_exchanges)

    # -- UDP receive: host offers a rate, the guest counts

    def offer(self, rate, count, send, flood_probe=False):
        # Call send(i) for i in 0..count-1 at rate/s (None: unpaced); return (seconds it
        # took, the shell's latency measured meanwhile or None).
        probe = {}
        if flood_probe:
            def run_probe():
                time.sleep(0.05)
                t0 = time.monotonic()
                try:
                    self.q.run("echo alive", 30)
                    probe["s"] = time.monotonic() - t0
                except harness.HarnessError:
                    probe["s"] = float("inf")
            th = threading.Thread(target=run_probe, daemon=True)
            th.start()
        t0 = time.perf_counter()
        for i in range(count):
            if rate:
                ahead = t0 + i / rate - time.perf_counter()
                if ahead > 0.001:
                    time.sleep(ahead)
                while time.perf_counter() < t0 + i / rate:
                    pass
            try:
                send(i)
            except OSError:
                pass
        took = time.perf_counter() - t0
        if flood_probe:
            th.join(35)
        return took, probe.get("s")

    def udp_recv(self, prefix="rx", sender=None, probe=True):
        # The guest's udpsink counts what the host offers at each rate. sender(i) sends
        # datagram i (default: to QEMU's host forward, through slirp).
        seconds = 0.2 if self.quick else 1.0
        if sender is None:
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            dst = ("127.0.0.1", self.q.udp_port)
            payload = b"r" * 60

            def sender(i):
                sock.sendto(struct.pack("!I", i) + payload, dst)
        for run in range(self.runs):
            for rate in (QUICK_RATES if self.quick else RATES):
                count = int((rate or 20000) * seconds)
                name = "%s_%s" % (prefix, rate or "max")
                out_file = "%s%d_%s" % (prefix, run, rate or "max")
                guest.start_bg(self.q, "udpsink -b %d %d 60 > %s" % (RX_QUEUE, GUEST_PORT,
                                                                       out_file))
                guest.wait_file(self.q, out_file, r"ready on")
                before = guest.counters(self.q)
                took, shell = self.offer(rate, count, sender, flood_probe=probe and not rate)
                out = guest.wait_file(self.q, out_file, r"udpsink: \d+ packets", 30)
                got = int(re.search(r"udpsink: (\d+) packets", out).group(1))
                after = guest.counters(self.q)
                self.add(name + "_offered", count / took)
                self.add(name + "_delivered", got / took)
                self.add(name + "_loss", 100.0 * (count - got) / count)
                # Where the rest went: never reached the stack (QEMU, slirp, a full RX
                # ring), or dropped at the socket's full receive queue.
                self.add(name + "_lost_before_nic", count - guest.delta(before, after, "udp_rx"))
                self.add(name + "_lost_at_socket",
                         guest.delta(before, after, "udp_rx_queue_full"))
                if shell is not None:
                    self.add("shell_during_flood_ms", shell * 1000)

    # -- the same without slirp: QEMU's dgram back end and the wire peer

    def wire_rtt(self, w):
        def exchanges(n):
            times = []
            for i in range(n):
                mark = w.mark()
                t0 = time.monotonic()
                w.send_udp(7000, GUEST_PORT, struct.pack("!I", i) + b"rtt" * 10)
                p = w.wait_for(lambda p: p.is_udp(7000), 1.0, since=mark)
                if p is not None:
                    times.append(p.t - t0)
            with w.cond:
                del w.frames[:]   # 4000 parsed frames per run: keep the peer small
            return sorted(times)
        self.rtt_runs("w", exchanges)

    def wire_count(self, w, cmd):
        # Run cmd in the guest while the peer counts what arrives; (its output, the
        # peer's counts as UdpSink.summary() gives them).
        w.count_start(spin=True)
        try:
            out = self.q.run(cmd, 120)
        finally:
            counts = w.count_stop()
        return out, counts

    def wire_ceiling(self, w, size):
        out, counts = self.wire_count(w, "netbench udp %s 9 %d %d" % (wire.PEER_IP, size,
                                                                     self.frames(size)))
        pps = counts["pps"]
        self.q.check(re.search(r"ring (\d+) frames in", out) is not None,
                     "netbench udp printed %r" % out)
        self.add("wceil%d_pps" % size, pps)

    def wire_send(self, w, size):
        count = self.frames(size)
        out, counts = self.wire_count(w, "udpblast %s 9 %d %d" % (wire.PEER_IP, size, count))
        pps = counts["pps"]
        self.add("wsend%d_pps" % size, pps)
        self.add("wsend%d_MBps" % size, pps * size / 1e6)
        self.add("wsend%d_loss" % size, 100.0 * max(0, count - counts["packets"]) / count)
        self.add("wsend%d_errors" % size, int(re.search(r"errors (\d+)", out).group(1)))

    def wire_all(self, w):
        w.ping(seq=1)   # the guest learns the peer's MAC
        for size in (64, 1400):
            for _ in range(self.pairs):  # each send right after its ceiling: see all()
                cpu0 = host_cpu()
                self.wire_ceiling(w, size)
                self.wire_send(w, size)
                self.add("wsend%d_steal_pct" % size, steal_pct(cpu0, host_cpu()))
        self.wire_rtt(w)
        frames = [wire.build_eth(wire.GUEST_MAC, w.mac, wire.ETH_P_IP, wire.build_ip(
            wire.PEER_IP, wire.GUEST_IP, 17, wire.build_udp(
                wire.PEER_IP, wire.GUEST_IP, 7001, GUEST_PORT, struct.pack("!I", i) + b"r" * 60)))
            for i in range(4000 if self.quick else 20000)]

        def sender(i):
            w.sock.sendto(frames[i], w.qemu)
        self.udp_recv(prefix="wrx", sender=sender, probe=False)

    def warm_up(self):
        # Resolve the gateway first: datagrams sent while ARP is pending wait in a short
        # queue (ENOBUFS past it), which is not what the send figures are about. (QEMU's
        # e1000 receives nothing for about a second after the driver writes RCTL at boot,
        # so the first resolution is slow.) A ping returns once the gateway answered.
        out = self.q.run("ping -c 1 -W 3000 10.0.2.2", 20)
        self.q.check("1 received" in out, "warm-up ping to the gateway: %r" % out)

    def all(self):
        self.warm_up()
        self.tx_ring()
        # Each send run right after its own ceiling run, and the ratio taken within the
        # pair: the host's load changes from second to second, and a ratio of figures
        # measured far apart measures that too.
        for size in (64, 1400):
            for _ in range(self.pairs):
                cpu0 = host_cpu()
                self.ceiling(size)
                self.udp_send(size)
                self.add("send%d_steal_pct" % size, steal_pct(cpu0, host_cpu()))
        self.rtt()
        self.udp_recv()
        return self.results

    def table(self):
        r = self.results
        ring = statistics.median(r["ring_fps"]) if r.get("ring_fps") else 0
        lines = ["", "Network benchmark: %d run(s) each (the send figures: %d ceiling/send "
                 "pairs), median [min..max], measured on the host" % (self.runs, self.pairs),
                 "-" * 96]
        lines.append("%-36s %s frames/s (guest-timed; slirp drops the frame)" % (
            "TX ring, device only (netbench ring)", fmt_range(r.get("ring_fps", []))))
        for title, p in (("user networking (slirp, as `make qemu`)", ""),
                         ("raw Ethernet to the wire peer (-netdev dgram, no slirp)", "w")):
            if not r.get(p + "send64_pps"):
                continue
            lines += ["", title + ":"]
            for size in (64, 1400):
                pps = r.get(p + "send%d_pps" % size, [])
                ceil = r.get(p + "ceil%d_pps" % size, [])
                # each run's send figure against the same run's ceiling
                ratio = [x / c for x, c in zip(pps, ceil) if c]
                lines.append("  %-34s %s pkt/s" % (
                    "TX ring ceiling, UDP %d B" % size, fmt_range(ceil)))
                lines.append("  %-34s %s pkt/s  %s MB/s  = %s of the ceiling, %s%% of ring" % (
                    "UDP send %d B (guest->host)" % size, fmt_range(pps),
                    fmt_range(r.get(p + "send%d_MBps" % size, []), "%.2f"),
                    fmt_range(ratio, "%.2f"),
                    fmt_range([100.0 * x / ring for x in pps] if ring else [], "%.1f")))
                lines.append("  %-34s loss %s%%  (sendto errors %s); host steal %s%%" % (
                    "", fmt_range(r.get(p + "send%d_loss" % size, []), "%.1f"),
                    fmt_range(r.get(p + "send%d_errors" % size, [])),
                    fmt_range(r.get(p + "send%d_steal_pct" % size, []), "%.1f")))
            for key, title in (("rtt", "UDP round trip (host->guest->host)"),
                               ("rttfloor", "round-trip floor (netbench echo)")):
                lines.append("  %-34s median %s us  p99 %s us  = %s x the median  lost %s" % (
                    title, fmt_range(r.get(p + key + "_median_us", [])),
                    fmt_range(r.get(p + key + "_p99_us", [])),
                    fmt_range(r.get(p + key + "_tail", []), "%.1f"),
                    fmt_range(r.get(p + key + "_lost", []))))
            # each run's median against the floor run just before it
            above = [m - f for m, f in zip(r.get(p + "rtt_median_us", []),
                                           r.get(p + "rttfloor_median_us", []))]
            steal = r.get(p + "rtt_steal_pct", [])
            lines.append("  %-34s stack, socket and process: %s us of the median; host "
                         "steal %s%%" % ("", fmt_range(above), fmt_range(steal, "%.1f")))
            quiet = [i for i, s in enumerate(steal) if s < QUIET_STEAL]
            if quiet:
                text = "quiet host (steal under %.0f%%), %d of %d runs: p99 = %s x the " \
                    "median, floor %s" % (
                        QUIET_STEAL, len(quiet), len(steal),
                        fmt_range([r[p + "rtt_tail"][i] for i in quiet], "%.1f"),
                        fmt_range([r[p + "rttfloor_tail"][i] for i in quiet], "%.1f"))
            else:
                text = "no run had a quiet host (steal under %.0f%%)" % QUIET_STEAL
            lines.append("  %-34s %s" % ("", text))
            for rate in RATES:
                name = "%s_%s" % (p + "rx", rate or "max")
                if name + "_offered" not in r:
                    continue
                lines.append("  %-34s offered %s pkt/s  delivered %s pkt/s  loss %s%%" % (
                    "UDP receive %s" % ("%d/s" % rate if rate else "unpaced"),
                    fmt_range(r.get(name + "_offered", [])),
                    fmt_range(r.get(name + "_delivered", [])),
                    fmt_range(r.get(name + "_loss", []), "%.1f")))
                lines.append("  %-34s lost before the stack %s, at the full socket queue %s" % (
                    "", fmt_range(r.get(name + "_lost_before_nic", [])),
                    fmt_range(r.get(name + "_lost_at_socket", []))))
            if not p:
                lines.append("  %-34s %s ms" % ("shell `echo` during unpaced flood",
                                                fmt_range(r.get("shell_during_flood_ms", []),
                                                          "%.1f")))
        lines.append("-" * 96)
        return "\n".join(lines)


def run(quick=False, runs=5, pairs=9, name="bench", verbose=False, table=True, wire_too=True,
        keep_pcap=False):
    # Boot, measure everything, print the table; returns the results dict (with the
    # capture paths under "pcap"). QEMU records a capture only with keep_pcap, or quick
    # (the tests read a quick run's captures): a full run's would hold millions of copies
    # of the same few frames, about 1.5 GB per network, and writing them took QEMU's
    # sending thread about a quarter of its time (ceiling 125k -> 171k, send 71k -> 89k
    # pkt/s without; the ratio the same, 0.57 and 0.58).
    capture = keep_pcap or quick
    q = harness.Qemu(name=name, net="user", guest_udp=GUEST_PORT, cpus=3, verbose=verbose,
                     timeout=60, capture=capture)
    b = Bench(q, runs=runs, pairs=pairs, quick=quick)
    try:
        b.all()
    finally:
        q.kill()
    pcaps = [q.pcap_path]
    if wire_too:
        w = wire.Wire()
        qport = harness.free_port(udp=True, tcp=False)
        w.start(qport)
        q2 = None
        try:
            q2 = harness.Qemu(name=name + "-wire", net="dgram", dgram_ports=(qport, w.port),
                              cpus=3, verbose=verbose, timeout=60, capture=capture)
            b.q = q2
            b.wire_all(w)
        finally:
            if q2 is not None:
                q2.kill()
                pcaps.append(q2.pcap_path)
            w.stop()
    if table:
        print(b.table(), flush=True)
    pcaps = [p for p in pcaps if p]
    if not capture:
        print("(no packet capture: --keep-pcap records one, test/logs/%s*.pcap)" % name)
    b.results["pcap"] = pcaps
    return b.results


def main():
    ap = argparse.ArgumentParser(description="Network benchmark (see the file-top comment).")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--pairs", type=int, default=9, help="ceiling/send pairs per size")
    ap.add_argument("--quick", action="store_true", help="tiny counts (a smoke test)")
    ap.add_argument("-v", action="store_true", help="echo the QEMU console")
    ap.add_argument("--keep-pcap", action="store_true",
                    help="record packet captures (test/logs/bench*.pcap; ~3 GB)")
    args = ap.parse_args()
    run(quick=args.quick, runs=args.runs, pairs=args.pairs, verbose=args.v,
        keep_pcap=args.keep_pcap)
    return 0


if __name__ == "__main__":
    sys.exit(main())
