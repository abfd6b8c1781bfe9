#!/usr/bin/python3
# tbprof.py: where a guest command spends QEMU's effort, per guest function.
#
#   /usr/bin/python3 tools/tbprof.py [--per N] [--top K] [--calls] 'COMMAND'
#
# Boots the kernel twice under QEMU with the TCG plugin tools/tbcount.c (built here with
# the host gcc): once to a shell prompt and a ping of the gateway only, once running
# COMMAND after that too. The difference is what COMMAND cost. PORT in COMMAND becomes
# the port of a UDP sink on the host (the guest reaches it as 10.0.2.2), e.g.
#
#   tools/tbprof.py --per 20000 'udpblast 10.0.2.2 PORT 64 20000'
#
# prints, per operation (counts divided by --per), the guest instructions and translated
# blocks run, and how many blocks ended in an indirect jump (jalr: every function return;
# QEMU looks up the next block) or in a CSR access (QEMU leaves the translated code and
# goes through its main loop): the costs that dominate a kernel path under QEMU. Then the
# same per function (kernel symbols from kernel/kernel.sym, the program's as u:NAME), and
# with --calls the direct calls per operation, caller -> callee.
# Counts, not times: the same on a busy machine as on an idle one. The kernel's `main` is
# left out: it runs only at boot, where harts wait for each other longer in one boot than
# in the other.
import argparse
import bisect
import collections
import os
import signal
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "test"))
sys.path.insert(0, os.path.join(ROOT, "test", "peers"))
import harness  # noqa: E402
from udp_echo import UdpSink  # noqa: E402

PLUGIN_SRC = os.path.join(ROOT, "tools", "tbcount.c")
PLUGIN = os.path.join(ROOT, "build", "tbcount.so")


def build_plugin():
    if os.path.exists(PLUGIN) and os.path.getmtime(PLUGIN) >= os.path.getmtime(PLUGIN_SRC):
        return
    os.makedirs(os.path.dirname(PLUGIN), exist_ok=True)
    subprocess.run(["gcc", "-O2", "-Wall", "-Werror", "-shared", "-fPIC", "-fvisibility=hidden",
                    "-o", PLUGIN, PLUGIN_SRC, "-lpthread"], check=True)


def boot_and_count(command, out):
    # One boot with the plugin; the counts land in out when QEMU exits (SIGTERM: a clean
    # exit, which runs the plugin's exit callback).
    q = harness.Qemu(name="tbprof", net="user", cpus=3, timeout=120,
                     extra_args=["-plugin", "%s,arg=out=%s" % (PLUGIN, out)])
    try:
        q.run("ping -c 1 -W 3000 10.0.2.2", 30)
        if command:
            sink = UdpSink()
            sink.start()
            try:
                print(q.run(command.replace("PORT", str(sink.port)), 600).strip())
            finally:
                sink.stop()
        q.proc.send_signal(signal.SIGTERM)
        q.proc.wait(30)
    finally:
        q.kill()
    blocks = {}
    with open(out) as f:
        for line in f:
            va, n, count, last, lastva, xpage = line.split()
            blocks[int(va, 16)] = (int(n), int(count), int(last, 16), int(lastva, 16),
                                   int(xpage))
    return blocks


def symbols(program):
    # (sorted start addresses, names): the kernel's, then the user program's as u:NAME.
    syms = []
    with open(os.path.join(ROOT, "kernel", "kernel.sym")) as f:
        for line in f:
            a, name = line.split()[:2]
            if int(a, 16) >= 0x80000000:  # not file-name entries at 0
                syms.append((int(a, 16), name))
    path = os.path.join(ROOT, "user", "_" + program)
    if os.path.exists(path):
        nm = subprocess.run(["riscv64-unknown-elf-nm", "-n", path], capture_output=True,
                            text=True).stdout
        for line in nm.splitlines():
            f = line.split()
            if len(f) == 3 and f[1] in "tT":
                syms.append((int(f[0], 16), "u:" + f[2]))
    syms.sort()
    return [a for a, _ in syms], [n for _, n in syms]


def ends_in(insn):
    # What the block's last instruction is, for the costs above (RV64GC encodings).
    if insn & 3 != 3:  # compressed: c.jr / c.jalr are indirect jumps
        h = insn & 0xffff
        return "jalr" if (h & 0xe07f) == 0x8002 and (h >> 7) & 0x1f else "other"
    op = insn & 0x7f
    if op == 0x67:
        return "jalr"
    if op == 0x73:
        if (insn >> 12) & 7:
            return "csr"
        return {0x00000073: "ecall", 0x10200073: "sret"}.get(insn, "other")
    return "other"


def call_target(insn, at):
    # The target of a `jal ra, target` (a direct call), or None.
    if insn & 0x7f != 0x6f or (insn >> 7) & 0x1f != 1:
        return None
    imm = ((insn >> 31) & 1) << 20 | ((insn >> 12) & 0xff) << 12 | \
        ((insn >> 20) & 1) << 11 | ((insn >> 21) & 0x3ff) << 1
    if imm & (1 << 20):
        imm -= 1 << 21
    return at + imm


def main():
    ap = argparse.ArgumentParser(description="Count what a guest command costs QEMU, per "
                                 "guest function (see the file-top comment).")
    ap.add_argument("command")
    ap.add_argument("--per", type=float, default=1, help="divide counts by this many operations")
    ap.add_argument("--top", type=int, default=30, help="functions to list")
    ap.add_argument("--calls", action="store_true", help="also list direct calls per operation")
    args = ap.parse_args()
    os.chdir(ROOT)
    build_plugin()
    with tempfile.TemporaryDirectory() as tmp:
        base = boot_and_count(None, os.path.join(tmp, "base.txt"))
        full = boot_and_count(args.command, os.path.join(tmp, "full.txt"))
    addrs, names = symbols(args.command.split()[0])

    def fn(va):
        i = bisect.bisect_right(addrs, va) - 1
        return names[i] if i >= 0 else hex(va)

    per_fn = collections.defaultdict(collections.Counter)
    total = collections.Counter()
    calls = collections.Counter()
    for va, (n, count, last, lastva, xpage) in full.items():
        count -= base.get(va, (0, 0))[1]
        xpage -= base.get(va, (0, 0, 0, 0, 0))[4]
        if count <= 0:
            continue  # boot-time spinning that happened to run longer in the first boot
        if fn(va) == "main":
            continue  # the kernel's boot: harts wait for each other, longer in one boot
        kind = ends_in(last)
        for c in (per_fn[fn(va)], total):
            c["insns"] += n * count
            c["blocks"] += count
            c[kind] += count
            if kind == "other":  # after jalr, CSR, ecall, sret QEMU looks up the next block anyway
                c["page"] += max(0, xpage)
        target = call_target(last, lastva | (va & ~0xffffffff))
        if target is not None:
            calls[(fn(lastva | (va & ~0xffffffff)), fn(target))] += count
    p = args.per
    print("per operation: %.0f instructions, %.0f blocks, %.1f indirect jumps, %.1f CSR "
          "accesses, %.2f ecalls, %.1f jumps to another page" % (
              total["insns"] / p, total["blocks"] / p, total["jalr"] / p, total["csr"] / p,
              total["ecall"] / p, total["page"] / p))
    print("%-28s %9s %8s %9s %6s %6s" % ("function", "insns", "blocks", "indirect", "csr",
                                         "page"))
    for name, c in sorted(per_fn.items(), key=lambda x: -x[1]["insns"])[:args.top]:
        print("%-28s %9.1f %8.1f %9.1f %6.1f %6.1f" % (
            name[:28], c["insns"] / p, c["blocks"] / p, c["jalr"] / p, c["csr"] / p,
            c["page"] / p))
    if args.calls:
        print("\ndirect calls per operation (caller -> callee):")
        for (a, b), c in calls.most_common(args.top * 2):
            if c / p >= 0.01:
                print("%7.2f %s -> %s" % (c / p, a, b))
    return 0


if __name__ == "__main__":
    sys.exit(main())
