#!/usr/bin/python3
# UDP peers on the host loopback, for tests and the benchmark. The guest reaches them
# as 10.0.2.2 through QEMU user networking.
#
#   UdpEcho(port=0)   echoes every datagram back to its sender and counts what it saw
#   UdpSink(port=0)   counts datagrams and bytes with arrival timestamps (no reply);
#                     payloads that start with a 4-byte big-endian sequence number
#                     (as user/udpblast.c sends) also give loss and reordering. The
#                     counting runs in a small C program (udp_sink.c), for speed
#
# Both are used alike: p = UdpEcho(); p.start(); ... p.port ... p.stop().
# From the command line:
#   udp_echo.py echo [PORT]            echo until Ctrl-C, one line per datagram
#   udp_echo.py sink [PORT] [SECONDS]  count for SECONDS (default 10), print a summary
import os
import socket
import subprocess
import sys
import threading
import time


class _Waits:
    # Waiting on a peer's counts: packets and last (the arrival time of the latest
    # datagram, time.monotonic), which poll() brings up to date where that takes a step.
    def poll(self):
        pass

    def wait_packets(self, n, timeout):
        # Wait until at least n datagrams arrived; return the count seen.
        deadline = time.monotonic() + timeout
        self.poll()
        while time.monotonic() < deadline and self.packets < n:
            time.sleep(0.01)
            self.poll()
        return self.packets

    def wait_quiet(self, quiet=0.5, timeout=30):
        # Wait until nothing has arrived for `quiet` seconds (or timeout).
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.poll()
            last = self.last
            if last is not None and time.monotonic() - last >= quiet:
                return
            if last is None and time.monotonic() + quiet > deadline:
                return
            time.sleep(0.05)


class _UdpPeer(_Waits, threading.Thread):
    # A UDP socket on host:port served by a thread; subclasses say what to do per datagram.
    def __init__(self, port=0, host="127.0.0.1", rcvbuf=4 << 20):
        super().__init__(daemon=True)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.bind((host, port))
        self.sock.settimeout(0.2)
        self.host, self.port = self.sock.getsockname()
        self.lock = threading.Lock()
        self.running = True
        self.packets = 0
        self.bytes = 0
        self.first = None   # arrival time of the first datagram (time.monotonic)
        self.last = None    # arrival time of the last one

    def run(self):
        while self.running:
            try:
                data, addr = self.sock.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                break
            now = time.monotonic()
            with self.lock:
                self.packets += 1
                self.bytes += len(data)
                if self.first is None:
                    self.first = now
                self.last = now
                self.handle(data, addr, now)

    def handle(self, data, addr, now):
        pass

    def stop(self):
        self.running = False
        if self.is_alive():
            self.join(2)
        self.sock.close()


class UdpEcho(_UdpPeer):
    # Echo every datagram; remember (time, source address, payload) of each.
    def __init__(self, port=0, host="127.0.0.1", keep=10000, verbose=False):
        super().__init__(port, host)
        self.seen = []
        self.keep = keep
        self.verbose = verbose
        self.echoed = 0

    def handle(self, data, addr, now):
        if len(self.seen) < self.keep:
            self.seen.append((now, addr, data))
        try:
            self.sock.sendto(data, addr)
            self.echoed += 1
        except OSError:
            pass
        if self.verbose:
            print("%.6f %s:%d %d bytes %r" % (now, addr[0], addr[1], len(data), data[:40]),
                  flush=True)

    def payloads(self):
        with self.lock:
            return [d for (_, _, d) in self.seen]

    def sources(self):
        with self.lock:
            return set(a for (_, a, _) in self.seen)


class UdpSink(_Waits):
    # Count datagrams and bytes, with the kernel's arrival time of each; keep the sequence
    # numbers that payloads start with (4 bytes, big-endian, as user/udpblast.c sends).
    # The counting is done by test/peers/udp_sink.c (built here with the host gcc), which
    # keeps up with QEMU at full speed where a Python loop does not; see its file-top
    # comment. Same use as the other peers: s = UdpSink(); s.start(); ... s.stop().
    # packets, bytes, first and last (arrival times, on time.monotonic's clock) are
    # current while it runs; seqs once it is stopped.
    def __init__(self, port=0, host="127.0.0.1", sock=None, spin=False):
        # sock: count on this bound UDP socket instead of a new one (the wire peer's); it
        # must not be read by anyone else until stop(). spin: never sleep (udp_sink.c).
        args = ["--fd", str(sock.fileno())] if sock else [host, str(port)]
        if spin:
            args.insert(0, "--spin")
        self.proc = subprocess.Popen([_sink_binary()] + args, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True,
                                     pass_fds=(sock.fileno(),) if sock else ())
        line = self.proc.stdout.readline().split()
        if len(line) != 2 or line[0] != "port":
            self.proc.kill()
            raise RuntimeError("udp_sink did not start: %r" % line)
        self.host, self.port = host, int(line[1])
        self.lock = threading.Lock()
        self.packets = self.bytes = 0
        self.first = self.last = None
        self.seqs = []
        self.stopped = False

    def start(self):
        pass  # it counts from the moment the socket is bound

    def _stats(self, line):
        f = line.split()
        if len(f) != 6 or f[0] != "stats":
            raise RuntimeError("udp_sink said %r" % line)
        packets, nbytes, first, last, now = (int(x) for x in f[1:])
        mono = time.monotonic()
        with self.lock:
            self.packets, self.bytes = packets, nbytes
            if packets:
                self.first = mono - (now - first) / 1e9
                self.last = mono - (now - last) / 1e9

    def poll(self):
        # Bring packets, bytes, first and last up to date.
        with self.lock:
            if self.stopped:
                return
            self.proc.stdin.write("s")
            self.proc.stdin.flush()
            line = self.proc.stdout.readline()
        self._stats(line)

    def stop(self):
        with self.lock:
            if self.stopped:
                return
            self.stopped = True
            self.proc.stdin.write("q")
            self.proc.stdin.flush()
            line = self.proc.stdout.readline()
            f = self.proc.stdout.readline().split()
            n = int(f[1]) if len(f) == 2 and f[0] == "seqs" else 0
            seqs = [int(self.proc.stdout.readline()) for _ in range(n)]
            self.proc.wait(10)
        self._stats(line)
        self.seqs = seqs

    def summary(self, expected=None):
        # Figures of what arrived: packets, bytes, seconds, rate, distinct, reordered, lost.
        self.poll()
        with self.lock:
            seqs = list(self.seqs)
            span = (self.last - self.first) if self.first is not None else 0.0
            out = {"packets": self.packets, "bytes": self.bytes, "seconds": span}
        distinct = len(set(seqs))
        out["distinct"] = distinct
        out["reordered"] = sum(1 for a, b in zip(seqs, seqs[1:]) if b < a)
        out["pps"] = (out["packets"] - 1) / span if span > 0 else 0.0
        # rate over first..last arrival: n - 1 intervals, so n - 1 packets' worth of bytes
        out["Bps"] = (out["bytes"] * (out["packets"] - 1) / out["packets"] / span
                      if span > 0 else 0.0)
        if expected is not None:
            out["lost"] = max(0, expected - distinct)
        return out


def _sink_binary():
    # Build udp_sink.c into build/ unless it is there and newer than its source.
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "udp_sink.c")
    out = os.path.join(root, "build", "udp_sink")
    if os.path.exists(out) and os.path.getmtime(out) >= os.path.getmtime(src):
        return out
    os.makedirs(os.path.dirname(out), exist_ok=True)
    tmp = "%s.%d" % (out, os.getpid())
    subprocess.run(["gcc", "-O2", "-Wall", "-Werror", "-o", tmp, src], check=True)
    os.replace(tmp, out)  # atomic: a test running beside this one sees all or nothing
    return out


def main(argv):
    if len(argv) < 2 or argv[1] not in ("echo", "sink"):
        print("usage: udp_echo.py echo [PORT] | sink [PORT] [SECONDS]", file=sys.stderr)
        return 2
    port = int(argv[2]) if len(argv) > 2 else 0
    if argv[1] == "echo":
        p = UdpEcho(port, verbose=True)
        print("echo on %s:%d" % (p.host, p.port), flush=True)
        p.start()
        try:
            while True:
                time.sleep(1)
        except KeyboardInterrupt:
            pass
        p.stop()
        print("%d datagrams, %d bytes" % (p.packets, p.bytes))
        return 0
    secs = float(argv[3]) if len(argv) > 3 else 10.0
    p = UdpSink(port)
    print("sink on %s:%d for %.1f s" % (p.host, p.port, secs), flush=True)
    p.start()
    try:
        time.sleep(secs)
    except KeyboardInterrupt:
        pass
    p.stop()
    s = p.summary()
    print("%d datagrams, %d bytes in %.3f s: %.0f pkt/s, %.3f MB/s, %d distinct seqs, %d reordered"
          % (s["packets"], s["bytes"], s["seconds"], s["pps"], s["Bps"] / 1e6, s["distinct"],
             s["reordered"]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
