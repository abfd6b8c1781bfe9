# Guest-side helpers shared by test_net.py, test_wire.py and bench.py: read the kernel's
# counters through the guest's `sysinfo` program, prove nothing leaked, judge captures.
#
#   base = guest.baseline(q)            free pages and skb counts at the start
#   guest.check_no_leak(q, base)        the same counts again (waits a little for TX reclaim)
#   c = guest.counters(q)               every netctl counter: c["udp_rx_bad_csum"], ...
#   guest.socks(q)                      the socket table: [{"lport": 2000, "rcvq": 3, ...}]
#   guest.check_pcap(q)                 kill QEMU, then fail on any bad frame it sent
#   pid = start_bg(q, cmd)        run cmd & (write its output to a file: two background
#                                       programs at once interleave on the console)
#   wait_file(q, path, regex)     poll a guest file until it matches; its text
#   kill_and_wait(q, pid)         kill and wait for the shell's `[pid] done`
import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), "tools"))
import pcap_check  # noqa: E402


def kv(out):
    # `name value` lines -> {name: int or str}.
    d = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2:
            d[parts[0]] = int(parts[1]) if re.fullmatch(r"-?\d+", parts[1]) else parts[1]
    return d


def sysinfo(q):
    # The sysinfo(2) counters of the running guest.
    d = kv(q.run("sysinfo", 10))
    q.check("freepages" in d and "skb_inuse" in d, "sysinfo printed no counters")
    return d


def counters(q):
    # Every interface, protocol and pool counter (sysinfo -n).
    d = kv(q.run("sysinfo -n", 10))
    q.check("udp_rx" in d, "sysinfo -n printed no counters")
    return d


SOCK_RE = re.compile(r"sock type (\d+) proto (\d+) local ([\d.]+):(\d+) foreign ([\d.]+):(\d+) "
                     r"rcvq (\d+)/(\d+) queued (\d+) dropped (\d+) sent (\d+) pid (\d+)")


def socks(q):
    # The socket table (sysinfo -s), one dict per socket.
    out = q.run("sysinfo -s", 10)
    q.check(re.search(r"sockets \d+", out), "sysinfo -s printed no table: %r" % out)
    res = []
    for m in SOCK_RE.finditer(out):
        g = m.groups()
        res.append(dict(type=int(g[0]), proto=int(g[1]), laddr=g[2], lport=int(g[3]),
                        faddr=g[4], fport=int(g[5]), rcvq=int(g[6]), rcvq_max=int(g[7]),
                        queued=int(g[8]), dropped=int(g[9]), sent=int(g[10]), pid=int(g[11])))
    return res


def sock_on(q, port):
    # The socket bound to local port, or None.
    for s in socks(q):
        if s["lport"] == port:
            return s
    return None


def baseline(q):
    # The counts that must come back after every test: free pages, skbs in use.
    time.sleep(0.3)   # let boot-time traffic (gratuitous ARP, TX reclaim) settle
    return sysinfo(q)


def check_no_leak(q, base, what="test"):
    # Free pages and skbs back at their starting counts. The TX ring frees sent skbs on
    # its next reclaim, so allow a few tries with a ping-free pause in between.
    for _ in range(10):
        now = sysinfo(q)
        if now["skb_inuse"] == base["skb_inuse"] and now["freepages"] == base["freepages"]:
            return now
        time.sleep(0.3)
    q.check(False, "after %s: skb_inuse %d (was %d), freepages %d (was %d), skb_free %d (was %d)"
            % (what, now["skb_inuse"], base["skb_inuse"], now["freepages"], base["freepages"],
               now["skb_free"], base["skb_free"]))


def delta(before, after, *names):
    # Sum over names of after[name] - before[name].
    return sum(after.get(n, 0) - before.get(n, 0) for n in names)


def check_pcap(q, guest_mac=pcap_check.GUEST_MAC):
    # Stop QEMU (so the capture is complete), then fail on any bad frame from the guest.
    q.kill()
    if q.pcap_path is None or not os.path.exists(q.pcap_path):
        raise AssertionError("no packet capture for %s" % q.name)
    bad = pcap_check.bad_frames(q.pcap_path, guest_mac)
    if bad:
        raise AssertionError("%d bad frames from the guest in %s:\n  %s"
                             % (len(bad), q.pcap_path, "\n  ".join(bad[:20])))
    return pcap_check.frame_count(q.pcap_path)


def start_bg(q, cmd, ready=None, timeout=10):
    # Run cmd in the background; return its pid (the shell prints "[pid]").
    out = q.run(cmd + " &", timeout)
    m = re.search(r"\[(\d+)\]", out)
    q.check(m is not None, "no [pid] after %r: %r" % (cmd, out))
    if ready and not re.search(ready, out):
        q.expect(ready, timeout, what="%r from %r" % (ready, cmd))
    time.sleep(0.2)
    return int(m.group(1))


def process_state(q, pid):
    # The state of process pid from the kernel's process list (Ctrl-P), or None if gone.
    start = len(q.output)
    q.ctrl("p")
    q.run("echo procdump-end", 5)
    m = re.search(r"^%d (\S+) " % pid, q.output[start:], re.M)
    return m.group(1) if m else None


def kill_and_wait(q, pid):
    # Kill a background process and wait until it has exited (gone or a zombie).
    q.run("kill %d" % pid, 5)
    for _ in range(20):
        state = process_state(q, pid)
        if state is None or state == "zombie":
            return
        time.sleep(0.2)
    q.check(False, "process %d did not exit after kill (state %s)" % (pid, state))


def pid_on_port(q, port):
    # The pid of the process holding the socket on port (from sysinfo -s).
    s = sock_on(q, port)
    q.check(s is not None and s["pid"] > 0, "no socket (with a pid) on port %d" % port)
    return s["pid"]


def wait_file(q, path, pattern, timeout=10):
    # Wait until the guest file path contains pattern; return its text.
    deadline = time.monotonic() + timeout
    while True:
        out = q.run("cat %s" % path, 5)
        if re.search(pattern, out) or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    q.check(re.search(pattern, out), "%s never showed %r: %r" % (path, pattern, out))
    return out
