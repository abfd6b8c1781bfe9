# test_review.py: "the kernel never panics on anything a user program or the wire can send
# it". user/fuzzsys throws hostile system-call arguments at the kernel; a wire peer
# throws malformed and random frames at the stack. Afterwards the shell still answers,
# the stack still pings, and no packet buffer leaked.
# Run: /usr/bin/python3 test/run_tests.py test_review
import os
import random
import re
import struct
import sys
import time

import harness

sys.path.insert(0, os.path.join(harness.TEST_DIR, "peers"))
import guest  # noqa: E402
import wire  # noqa: E402
from wire import (GUEST_IP, GUEST_MAC, PEER_IP, ETH_P_IP, ETH_P_ARP,  # noqa: E402
                  build_eth, build_arp, build_ip, build_udp, build_echo, build_icmp)


def no_panic(q):
    q.check("panic" not in q.output, "the kernel panicked")


@harness.timeout(200)
def test_fuzz_syscalls(ctx):
    q = ctx.boot(timeout=60)
    out = q.run("fuzzsys 30 400 7", 150)
    no_panic(q)
    q.check("fuzzsys: ok" in out, "fuzzsys did not finish: %r" % out[-300:])
    out = q.run("echo alive", 10)
    q.check("alive" in out, "the shell did not answer after fuzzsys")


def bad_frames(rng, peer_mac):
    # Frames that each break one length or offset field, then random bytes.
    g, p = GUEST_IP, PEER_IP
    udp = build_udp(p, g, 1234, 4000, b"x" * 20)
    icmp_quote = build_ip(g, p, 17, b"\x10\x00")  # an unreach quoting too little
    unreach = lambda quoted: build_ip(p, g, 1, build_icmp(3, 3, b"\0\0\0\0", quoted))
    out = [
        b"\x01" * 5,                               # runt
        build_eth(GUEST_MAC, peer_mac, ETH_P_IP, b""),
        build_eth(GUEST_MAC, peer_mac, ETH_P_IP, b"\x45"),
        build_eth(GUEST_MAC, peer_mac, ETH_P_ARP, b"\x00\x01\x08\x00"),
        build_eth(GUEST_MAC, peer_mac, ETH_P_ARP,
                  build_arp(1, peer_mac, p, "00:00:00:00:00:00", g, hlen=255, plen=255)),
        build_eth(GUEST_MAC, peer_mac, ETH_P_IP, build_ip(p, g, 17, udp, ihl=15)),
        build_eth(GUEST_MAC, peer_mac, ETH_P_IP, build_ip(p, g, 17, udp, ihl=4)),
        build_eth(GUEST_MAC, peer_mac, ETH_P_IP, build_ip(p, g, 17, udp, ihl=0)),
        build_eth(GUEST_MAC, peer_mac, ETH_P_IP, build_ip(p, g, 17, udp, tot_len=0xffff)),
        build_eth(GUEST_MAC, peer_mac, ETH_P_IP, build_ip(p, g, 17, udp, tot_len=19)),
        build_eth(GUEST_MAC, peer_mac, ETH_P_IP, build_ip(p, g, 17, udp, tot_len=21)),
        build_eth(GUEST_MAC, peer_mac, ETH_P_IP,
                  build_ip(p, g, 17, udp, ihl=15, options=b"\x01" * 40)),
        build_eth(GUEST_MAC, peer_mac, ETH_P_IP,
                  build_ip(p, g, 17, build_udp(p, g, 1, 4000, b"abc", length=0xffff))),
        build_eth(GUEST_MAC, peer_mac, ETH_P_IP,
                  build_ip(p, g, 17, build_udp(p, g, 1, 4000, b"abc", length=0))),
        build_eth(GUEST_MAC, peer_mac, ETH_P_IP,
                  build_ip(p, g, 17, build_udp(p, g, 1, 4000, b"abc", length=7))),
        build_eth(GUEST_MAC, peer_mac, ETH_P_IP, build_ip(p, g, 1, b"\x08")),
        build_eth(GUEST_MAC, peer_mac, ETH_P_IP, unreach(b"")),
        build_eth(GUEST_MAC, peer_mac, ETH_P_IP, unreach(icmp_quote)),
        build_eth(GUEST_MAC, peer_mac, ETH_P_IP, unreach(build_ip(g, p, 17, b"", ihl=15))),
        build_eth(GUEST_MAC, peer_mac, ETH_P_IP,
                  unreach(build_ip(g, p, 17, b"12345678" * 5, ihl=15)[:28])),
        build_eth(GUEST_MAC, peer_mac, ETH_P_IP, build_ip(p, g, 1, build_echo(1, 1, b"z" * 1472))),
        build_eth(GUEST_MAC, peer_mac, ETH_P_IP, build_ip(p, g, 99, b"proto")),
        build_eth(GUEST_MAC, peer_mac, ETH_P_IP, build_ip(p, g, 17, udp, version=6)),
        build_eth(GUEST_MAC, peer_mac, ETH_P_IP, build_ip(p, g, 17, udp, flags_frag=0x2000)),
        build_eth(GUEST_MAC, peer_mac, ETH_P_IP, build_ip(p, g, 17, udp, ttl=0)),
        build_eth(GUEST_MAC, peer_mac, ETH_P_IP, build_ip(p, g, 17, udp) + b"\x00" * 1600),
    ]
    for _ in range(300):
        # Never 0 bytes: QEMU's dgram back end takes an empty datagram for the end of the
        # connection and stops receiving.
        n = rng.choice([rng.randrange(1, 60), rng.randrange(1, 1600)])
        body = bytes(rng.randrange(256) for _ in range(n))
        kind = rng.randrange(4)
        if kind == 0:
            out.append(build_eth(GUEST_MAC, peer_mac, rng.choice([ETH_P_IP, ETH_P_ARP]), body))
        elif kind == 1:  # a valid IP header, random above it
            out.append(build_eth(GUEST_MAC, peer_mac, ETH_P_IP,
                                 build_ip(p, g, rng.choice([1, 17, 6, 0]), body[:1400])))
        elif kind == 2:  # one random byte of a good UDP frame changed
            f = bytearray(build_eth(GUEST_MAC, peer_mac, ETH_P_IP, build_ip(p, g, 17, udp)))
            f[rng.randrange(14, len(f))] = rng.randrange(256)
            out.append(bytes(f))
        else:
            out.append(body)
    return out


@harness.timeout(200)
def test_fuzz_wire(ctx):
    w = wire.Wire(hosts=(PEER_IP,))
    qport = harness.free_port(udp=True, tcp=False)
    w.start(qport)
    try:
        q = ctx.boot(net="dgram", dgram_ports=(qport, w.port), timeout=60)
        guest.start_bg(q, "udpecho 4000")
        base = guest.baseline(q)
        rng = random.Random(20261125)
        peer_mac = wire.host_mac(PEER_IP)
        for f in bad_frames(rng, peer_mac):
            w.inject(f)
        q.drain(1.0, 10)
        no_panic(q)
        for seq in range(1, 4):
            w.ping(seq=seq)  # raises on no reply or a bad one
        guest.check_no_leak(q, base, "malformed frames")
        out = q.run("echo alive", 10)
        q.check("alive" in out, "the shell did not answer after the malformed frames")
    finally:
        w.stop()


def test_kill_init(ctx):
    # kill(init's pid) must be refused: an init that exits panics the kernel.
    q = ctx.boot(timeout=60)
    q.sendline("\x10")  # Ctrl-P: the process list
    listing = q.drain(1.0, 5)
    m = re.search(r"^(\d+) \S+ init\b", listing, re.M)
    q.check(m is not None, "no init in the process list: %r" % listing)
    out = q.run("kill %s" % m.group(1), 10)
    q.drain(1.0, 3)
    no_panic(q)
    q.check("not permitted" in out, "kill of init was not refused: %r" % out)
    out = q.run("echo alive", 10)
    q.check("alive" in out, "the shell did not answer after kill of init")


def fs_img_with_nlink(ctx, name, nlink):
    # A copy of fs.img in which the root's file `name` has the given link count on disk
    # (kernel/fs.h: superblock in block 1, 64-byte dinodes, 16-byte dirents).
    bsize = 1024
    with open(os.path.join(harness.ROOT, "fs.img"), "rb") as f:
        img = bytearray(f.read())
    sb = struct.unpack_from("<9I", img, bsize)
    inode_start = sb[6]

    def dinode_off(inum):
        return (inode_start + inum // (bsize // 64)) * bsize + (inum % (bsize // 64)) * 64

    root = dinode_off(1)
    size = struct.unpack_from("<I", img, root + 8)[0]
    first = struct.unpack_from("<I", img, root + 12)[0]
    for off in range(0, min(size, bsize), 16):
        inum, ename = struct.unpack_from("<H14s", img, first * bsize + off)
        if inum and ename.rstrip(b"\0").decode() == name:
            struct.pack_into("<h", img, dinode_off(inum) + 6, nlink)
            path = os.path.join(ctx.log_dir, "nlink-fs.img")
            with open(path, "wb") as f:
                f.write(img)
            return path
    raise AssertionError("no %s in the root directory of fs.img" % name)


def test_link_count_limit(ctx):
    # nlink is a 16-bit count on disk: link() must refuse (EMLINK) before it wraps, or
    # the next unlink finds nlink < 1 and the kernel panics.
    q = ctx.boot(timeout=60, fs_img=fs_img_with_nlink(ctx, "README.md", 32766))
    out = q.run("ln README.md a; ln README.md b", 10)
    refused = "many links" in out
    out = q.run("rm a; echo alive", 10)
    q.drain(0.5, 3)
    no_panic(q)
    q.check("alive" in out, "rm after the link limit failed: %r" % out)
    q.check(refused, "the second link past 32767 was not refused")


def test_console_read_bad_address(ctx):
    # read(0, bad pointer) must fail with EFAULT and leave the typed line unread.
    q = ctx.boot(timeout=60)
    q.sendline("fuzzsys conread")
    q.expect(r"fuzzsys conread\n", 10)
    q.sendline("hello")
    out = q.wait_prompt(10)
    q.check("bad read -1 (Bad address)" in out, "read into a bad address: %r" % out)
    q.check("then read 6: hello" in out, "the line was not kept whole: %r" % out)


@harness.timeout(90)
def test_kill_ring_benchmark(ctx):
    # netctl(NETCTL_BENCH_TX) with a huge count must end when its process is killed, not
    # keep the CPU and the TX ring for hours.
    q = ctx.boot(net="user", timeout=60)
    pid = guest.start_bg(q, "netbench ring 2000000000")
    time.sleep(1)
    q.run("kill %d" % pid, 10)
    deadline = time.time() + 10
    while time.time() < deadline and guest.process_state(q, pid) not in (None, "zombie"):
        time.sleep(0.5)
    q.check(guest.process_state(q, pid) in (None, "zombie"),
            "netbench still %s 10 s after kill" % guest.process_state(q, pid))
    out = q.run("echo alive", 10)
    q.check("alive" in out, "the shell did not answer after the killed benchmark")
