# gdb through the transmit path: gdb-multiarch in batch mode stops the guest in
# e1000_xmit_frame while a user program sends a UDP datagram, checks that the backtrace
# holds every station from the system call down to the driver, then steps over the TDT
# write (the doorbell) and checks the register before and after.
import os
import re
import socket
import subprocess
import threading
import time

import harness

ROOT = harness.ROOT

# The stations the backtrace must show, innermost last (DESIGN.md's transmit path).
CHAIN = ["e1000_xmit_frame", "dev_queue_xmit", "neigh_output", "ip_output", "ip_queue_xmit",
         "udp_sendmsg", "sock_sendmsg", "sys_sendto"]

GDB_SCRIPT = r'''
import gdb
def out(tag, text):
    print("@@%%s@@\n%%s\n@@END@@" %% (tag, text), flush=True)
gdb.execute("target remote 127.0.0.1:%(port)d")
gdb.execute("break e1000_xmit_frame")
out("READY", "")
bt = ""
for i in range(40):
    gdb.execute("continue")
    bt = gdb.execute("bt", to_string=True)
    if "sys_sendto" in bt:
        break
out("BT", bt)
slot = int(gdb.parse_and_eval("'e1000.c'::e1000.tx_tail"))
out("TXRING", gdb.execute("txring", to_string=True))
gdb.execute("tbreak e1000.c:%(line)d")
gdb.execute("continue")
regs = int(gdb.parse_and_eval("'e1000.c'::e1000.regs"))
tdt = lambda: int(gdb.parse_and_eval("*(unsigned int *)%%d" %% (regs + 0x3818)))
before = tdt()
gdb.execute("next")
after = tdt()
n = int(gdb.parse_and_eval("sizeof('e1000.c'::e1000.tx_ring) / sizeof('e1000.c'::e1000.tx_ring[0])"))
out("TDT", "%%d %%d %%d %%d" %% (before, after, slot, n))
gdb.execute("delete")
gdb.execute("detach")
'''


def doorbell_line():
    """The line of e1000.c that writes TDT (the doorbell comment is on it)."""
    for n, line in enumerate(open(os.path.join(ROOT, "kernel", "e1000.c")), 1):
        if "E1000_TDT" in line and "doorbell" in line:
            return n
    raise AssertionError("no line in kernel/e1000.c writes E1000_TDT with a doorbell comment")


def sections(text):
    return dict(re.findall(r"@@(\w+)@@\n(.*?)\n@@END@@", text, re.S))


@harness.timeout(120)
def test_gdb_transmit_path(ctx):
    port = harness.free_port()
    q = ctx.boot(net="user", cpus=1, extra_args=["-gdb", "tcp:127.0.0.1:%d" % port])
    sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sink.bind(("127.0.0.1", 0))
    sink.settimeout(30)
    sink_port = sink.getsockname()[1]
    out = q.run("ping -c 1 10.0.2.2", 20)      # resolve the gateway first: a cache hit later
    q.check("1 received" in out, "ping 10.0.2.2 before the gdb run failed: %r" % out)
    script = os.path.join(ctx.log_dir, "gdb_transmit.py")
    with open(script, "w") as f:
        f.write(GDB_SCRIPT % {"port": port, "line": doorbell_line()})
    gdb = subprocess.Popen(
        ["gdb-multiarch", "-nx", "-batch", "-ex", "set architecture riscv:rv64",
         "-ex", "file " + os.path.join(ROOT, "kernel", "kernel"),
         "-ex", "source " + os.path.join(ROOT, "tools", "gdb", "netcmds.py"),
         "-x", script], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    ready = threading.Event()

    def reader():
        for line in gdb.stdout:
            lines.append(line)
            if "@@READY@@" in line:
                ready.set()
    t = threading.Thread(target=reader, daemon=True)
    t.start()
    try:
        assert ready.wait(30), "gdb did not attach: %s" % "".join(lines)
        time.sleep(1)                          # gdb has said continue
        q.sendline("udpblast 10.0.2.2 %d 16 1" % sink_port)
        gdb.wait(60)
    except subprocess.TimeoutExpired:
        raise AssertionError("gdb did not finish within 60 s:\n" + "".join(lines)[-2000:])
    finally:
        if gdb.poll() is None:
            gdb.kill()
        t.join(5)
        text = "".join(lines)
        with open(os.path.join(ctx.log_dir, "gdb_transmit.out"), "w") as f:
            f.write(text)
    s = sections(text)
    assert "BT" in s, "gdb never stopped in e1000_xmit_frame under sys_sendto:\n" + text[-2000:]
    frames = re.findall(r"#\d+\s+(?:0x[0-9a-f]+ in )?(\w+)", s["BT"])
    missing = [f for f in CHAIN if f not in frames]
    assert not missing, "backtrace lacks %s:\n%s" % (missing, s["BT"])
    order = [frames.index(f) for f in CHAIN]
    assert order == sorted(order), "stations out of order in the backtrace:\n" + s["BT"]
    assert "TX ring:" in s.get("TXRING", ""), "txring printed nothing useful:\n" + text[-1500:]
    assert "TDT" in s, "did not reach the doorbell line:\n" + text[-2000:]
    before, after, slot, n = (int(x) for x in s["TDT"].split())
    assert before == slot, "TDT before the doorbell is %d, expected the slot %d" % (before, slot)
    assert after == (slot + 1) % n, "TDT after the doorbell is %d, expected %d" % (
        after, (slot + 1) % n)
    data, _ = sink.recvfrom(2048)
    assert len(data) == 16, "the host got %r, expected udpblast's 16-byte datagram" % data
    ctx.note("backtrace: " + " < ".join(CHAIN) + "; TDT %d -> %d" % (before, after))
