#!/usr/bin/python3
# A raw-Ethernet peer for QEMU's `-netdev dgram`: every UDP datagram on loopback between
# QEMU and this process is one Ethernet frame. The peer plays one or more hosts on the
# guest's subnet (by default 10.0.2.2, the guest's gateway, so the guest's default
# configuration 10.0.2.15/24 works unchanged), and:
#   - answers ARP requests for its hosts itself (optionally late, or never), and checks
#     every field of the guest's ARP requests and replies;
#   - checks every IPv4/ICMP/UDP frame the guest sends (version, header length, lengths,
#     checksums, TTL, addresses) and records each problem in `errors`;
#   - answers the guest's pings and echoes UDP sent to its port 7;
#   - sends pings to the guest and checks the replies field by field (ping());
#   - builds and injects arbitrary, also deliberately broken, frames (build_* and inject());
#   - records every frame it saw (`frames`, each a parsed Pkt) for the tests to inspect.
#
# Interface (the frame builders need nothing but struct; no scapy):
#   w = Wire(port=0)                     bind 127.0.0.1:port (w.port); then start QEMU with
#       w.netdev_args(qemu_port)         '-netdev dgram,...' pointing at it, and
#   w.start(qemu_port)                   start the receive thread
#   w.ping("10.0.2.15", seq=1)           -> round-trip seconds, or raises WireError
#   w.send_udp(sport, dport, payload)    a well-formed UDP frame to the guest
#   w.inject(frame)                      any bytes as a frame
#   w.wait_for(pred, timeout, since=i)   -> the first Pkt (index >= i) with pred(pkt) true
#   w.count_start(); ...; w.count_stop() (benchmarks) only count the frames that come in
#                                        between: -> UdpSink.summary() (count, rate, ...)
#   w.stop()
# Command line: wire.py PEER_PORT QEMU_PORT  (serve until Ctrl-C, one line per frame),
#               wire.py --selftest           (check the peer against a simulated guest).
# Run with /usr/bin/python3 (Debian's); only the standard library is needed.
import socket
import struct
import sys
import threading
import time

from udp_echo import UdpSink

ETH_P_IP = 0x0800
ETH_P_ARP = 0x0806
BROADCAST = "ff:ff:ff:ff:ff:ff"
GUEST_MAC = "52:54:00:12:34:56"     # QEMU's default e1000 MAC
GUEST_IP = "10.0.2.15"
PEER_IP = "10.0.2.2"
NETMASK_BITS = 24


class WireError(Exception):
    pass


# ---------------------------------------------------------------- addresses, checksums

def mac_b(mac):
    return bytes(int(x, 16) for x in mac.split(":"))


def mac_s(b):
    return ":".join("%02x" % x for x in b)


def ip_b(ip):
    return socket.inet_aton(ip)


def ip_s(b):
    return socket.inet_ntoa(b)


def host_mac(ip):
    # The MAC the peer uses for one of its hosts: 52:55 + the IPv4 address (like slirp).
    return mac_s(b"\x52\x55" + ip_b(ip))


def same_subnet(a, b, bits=NETMASK_BITS):
    mask = (0xffffffff << (32 - bits)) & 0xffffffff
    return (struct.unpack("!I", ip_b(a))[0] & mask) == (struct.unpack("!I", ip_b(b))[0] & mask)


def inet_csum(data):
    # RFC 1071 one's complement sum of 16-bit words, complemented.
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def udp_csum(src, dst, udp):
    # RFC 768: checksum over the pseudo header and the UDP header + data; 0 goes out as 0xffff.
    pseudo = ip_b(src) + ip_b(dst) + struct.pack("!BBH", 0, 17, len(udp))
    c = inet_csum(pseudo + udp)
    return c or 0xffff


# ---------------------------------------------------------------- building frames

def build_eth(dst, src, etype, payload):
    return mac_b(dst) + mac_b(src) + struct.pack("!H", etype) + payload


def build_arp(op, sha, spa, tha, tpa, htype=1, ptype=ETH_P_IP, hlen=6, plen=4):
    # RFC 826 ARP packet for Ethernet/IPv4 (every field overridable for bad-input tests).
    return (struct.pack("!HHBBH", htype, ptype, hlen, plen, op) + mac_b(sha) + ip_b(spa) +
            mac_b(tha) + ip_b(tpa))


def build_ip(src, dst, proto, payload, ttl=64, ident=0x1234, flags_frag=0x4000, version=4,
             ihl=5, tot_len=None, csum=None, tos=0, options=b""):
    # RFC 791 header (+ options) + payload; tot_len/csum override the correct values.
    hlen = 20 + len(options)
    if tot_len is None:
        tot_len = hlen + len(payload)
    hdr = struct.pack("!BBHHHBBH4s4s", (version << 4) | ihl, tos, tot_len, ident, flags_frag,
                      ttl, proto, 0, ip_b(src), ip_b(dst)) + options
    if csum is None:
        csum = inet_csum(hdr)
    hdr = hdr[:10] + struct.pack("!H", csum) + hdr[12:]
    return hdr + payload


def build_udp(src, dst, sport, dport, payload, length=None, csum=None):
    # RFC 768 header + payload; length/csum override the correct values.
    ulen = 8 + len(payload) if length is None else length
    udp = struct.pack("!HHHH", sport, dport, ulen, 0) + payload
    if csum is None:
        csum = udp_csum(src, dst, struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload)
    return udp[:6] + struct.pack("!H", csum) + udp[8:]


def build_icmp(icmp_type, code, rest, data, csum=None):
    # RFC 792: type, code, checksum, 4 bytes of rest-of-header, data.
    msg = struct.pack("!BBH", icmp_type, code, 0) + rest + data
    if csum is None:
        csum = inet_csum(msg)
    return msg[:2] + struct.pack("!H", csum) + msg[4:]


def build_echo(ident, seq, data, reply=False, csum=None):
    return build_icmp(0 if reply else 8, 0, struct.pack("!HH", ident, seq), data, csum)


# ---------------------------------------------------------------- parsing frames

class Pkt:
    # One frame, parsed as far as it goes: eth always; arp, ip, icmp, udp when present.
    # Fields that are absent are None. `problems` lists what is wrong with it.
    def __init__(self, raw, t=0.0, direction="in"):
        self.raw, self.t, self.dir = raw, t, direction
        self.dst = self.src = self.type = None
        self.arp = self.ip = self.icmp = self.udp = None
        self.problems = []
        self._parse()

    def _parse(self):
        raw = self.raw
        if len(raw) < 14:
            self.problems.append("runt frame of %d bytes" % len(raw))
            return
        self.dst, self.src = mac_s(raw[0:6]), mac_s(raw[6:12])
        self.type = struct.unpack("!H", raw[12:14])[0]
        body = raw[14:]
        if self.type == ETH_P_ARP:
            self._parse_arp(body)
        elif self.type == ETH_P_IP:
            self._parse_ip(body)

    def _parse_arp(self, b):
        if len(b) < 28:
            self.problems.append("ARP packet of %d bytes" % len(b))
            return
        htype, ptype, hlen, plen, op = struct.unpack("!HHBBH", b[:8])
        self.arp = dict(htype=htype, ptype=ptype, hlen=hlen, plen=plen, op=op,
                        sha=mac_s(b[8:14]), spa=ip_s(b[14:18]), tha=mac_s(b[18:24]),
                        tpa=ip_s(b[24:28]))

    def _parse_ip(self, b):
        if len(b) < 20:
            self.problems.append("IP packet of %d bytes" % len(b))
            return
        vihl, tos, tot_len, ident, ff, ttl, proto, csum = struct.unpack("!BBHHHBBH", b[:12])
        ihl = vihl & 15
        ip = dict(version=vihl >> 4, ihl=ihl, tos=tos, tot_len=tot_len, id=ident,
                  flags_frag=ff, ttl=ttl, proto=proto, csum=csum, src=ip_s(b[12:16]),
                  dst=ip_s(b[16:20]))
        self.ip = ip
        if ip["version"] != 4:
            self.problems.append("IP version %d" % ip["version"])
        if ihl < 5 or ihl * 4 > len(b):
            self.problems.append("IP header length %d" % ihl)
            return
        if inet_csum(b[:ihl * 4]) != 0:
            self.problems.append("bad IP header checksum 0x%04x" % csum)
        if tot_len < ihl * 4 or tot_len > len(b):
            self.problems.append("IP total length %d, frame has %d" % (tot_len, len(b)))
            return
        if ff & 0x3fff:
            self.problems.append("IP fragment (flags/offset 0x%04x)" % ff)
        payload = b[ihl * 4:tot_len]
        ip["payload"] = payload
        if proto == 1:
            self._parse_icmp(payload)
        elif proto == 17:
            self._parse_udp(payload)

    def _parse_icmp(self, b):
        if len(b) < 8:
            self.problems.append("ICMP message of %d bytes" % len(b))
            return
        t, code, csum, a, c = struct.unpack("!BBHHH", b[:8])
        self.icmp = dict(type=t, code=code, csum=csum, id=a, seq=c, rest=b[4:8], data=b[8:])
        if inet_csum(b) != 0:
            self.problems.append("bad ICMP checksum 0x%04x" % csum)

    def _parse_udp(self, b):
        if len(b) < 8:
            self.problems.append("UDP datagram of %d bytes" % len(b))
            return
        sport, dport, ulen, csum = struct.unpack("!HHHH", b[:8])
        self.udp = dict(sport=sport, dport=dport, len=ulen, csum=csum, data=b[8:ulen])
        if ulen < 8 or ulen > len(b):
            self.problems.append("UDP length %d, IP payload %d" % (ulen, len(b)))
            return
        if csum != 0 and inet_csum(ip_b(self.ip["src"]) + ip_b(self.ip["dst"]) +
                                   struct.pack("!BBH", 0, 17, ulen) + b[:ulen]) != 0:
            self.problems.append("bad UDP checksum 0x%04x" % csum)

    def is_arp(self, op=None):
        return self.arp is not None and (op is None or self.arp["op"] == op)

    def is_udp(self, dport=None):
        return self.udp is not None and (dport is None or self.udp["dport"] == dport)

    def is_icmp(self, icmp_type=None):
        return self.icmp is not None and (icmp_type is None or self.icmp["type"] == icmp_type)

    def __repr__(self):
        return "<%s %s>" % (self.dir, summary(self))


def summary(p):
    # One line that says what the frame is.
    if p.type is None:
        return "runt %d bytes" % len(p.raw)
    s = "%s > %s " % (p.src, p.dst)
    if p.arp:
        a = p.arp
        s += "ARP op %d %s(%s) -> %s(%s)" % (a["op"], a["spa"], a["sha"], a["tpa"], a["tha"])
    elif p.udp and p.ip:
        s += "UDP %s:%d > %s:%d len %d" % (p.ip["src"], p.udp["sport"], p.ip["dst"],
                                           p.udp["dport"], len(p.udp["data"]))
    elif p.icmp and p.ip:
        s += "ICMP %s > %s type %d code %d id %d seq %d" % (
            p.ip["src"], p.ip["dst"], p.icmp["type"], p.icmp["code"], p.icmp["id"],
            p.icmp["seq"])
    elif p.ip:
        s += "IP %s > %s proto %d" % (p.ip["src"], p.ip["dst"], p.ip["proto"])
    else:
        s += "type 0x%04x %d bytes" % (p.type, len(p.raw))
    if p.problems:
        s += " [" + "; ".join(p.problems) + "]"
    return s


# ---------------------------------------------------------------- the peer

class Wire(threading.Thread):
    def __init__(self, port=0, hosts=(PEER_IP,), guest_ip=GUEST_IP, guest_mac=GUEST_MAC,
                 verbose=False):
        super().__init__(daemon=True)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.sock.bind(("127.0.0.1", port))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.qemu = None
        self.hosts = {ip: host_mac(ip) for ip in hosts}   # the IPs this peer plays
        self.ip = hosts[0]
        self.mac = self.hosts[self.ip]
        self.guest_ip, self.guest_mac = guest_ip, guest_mac
        self.verbose = verbose
        self.cond = threading.Condition()
        self.frames = []          # every frame, both directions, in order (Pkt)
        self.errors = []          # problems found in frames from the guest
        self.arp_delay = 0.0      # seconds before answering an ARP request
        self.arp_answer = True    # False: never answer (the guest's resolution must fail)
        self.arp_ignore = 0       # ignore this many requests first (a lost reply)
        self.echo_ports = {7}     # UDP ports of the peer's hosts that echo
        self.answer_pings = True
        self.counter = None       # benchmarks: a UdpSink counting on our socket (count_start)
        self.parked = threading.Event()   # set while the receive thread leaves the socket
        self.running = True

    def netdev_args(self, qemu_port, netdev_id="net0"):
        # The -netdev value that connects QEMU (listening on qemu_port) to this peer.
        return ("dgram,id=%s,local.type=inet,local.host=127.0.0.1,local.port=%d,"
                "remote.type=inet,remote.host=127.0.0.1,remote.port=%d"
                % (netdev_id, qemu_port, self.port))

    def start(self, qemu_port=None):
        if qemu_port is not None:
            self.qemu = ("127.0.0.1", qemu_port)
        super().start()

    def stop(self):
        self.running = False
        if self.is_alive():
            self.join(2)
        self.sock.close()

    # -- counting (benchmarks)

    def count_start(self, spin=False):
        # From now until count_stop, count what arrives instead of parsing it: a benchmark
        # sends the peer more frames per second than this Python thread can read, so the
        # C sink (udp_echo.UdpSink, test/peers/udp_sink.c) reads them on this socket, with
        # the kernel's arrival stamps. Nothing is answered meanwhile, so first renew the
        # guest's ARP entry for us (it lives 60 s; an ARP request from us updates it, RFC
        # 826's merge): a guest that had to resolve us while we count would get no reply.
        mark = self.mark()
        self.send_arp(1)  # a request (ar$op 1); the guest answers with op 2
        if self.wait_for(lambda p: p.is_arp(2), 3.0, since=mark) is None:
            raise WireError("the guest did not answer our ARP request")
        self.parked.clear()
        self.counter = UdpSink(sock=self.sock, spin=spin)
        if not self.parked.wait(2):   # the thread's recvfrom returns within its timeout
            raise WireError("the peer's receive thread did not let go of its socket")

    def count_stop(self, quiet=0.5, timeout=10):
        # Once nothing has come for `quiet` seconds: the counts (UdpSink.summary()), and
        # the receive thread reads again.
        counter = self.counter
        counter.wait_quiet(quiet, timeout)
        counter.stop()
        self.counter = None
        return counter.summary()

    # -- receive side

    def run(self):
        while self.running:
            if self.counter is not None:   # count_start: the socket is the counter's now
                self.parked.set()
                time.sleep(0.01)
                continue
            self.parked.clear()
            try:
                raw, addr = self.sock.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                break
            if self.qemu is None:
                self.qemu = addr
            p = Pkt(raw, time.monotonic(), "in")
            self._record(p)
            try:
                self._check(p)
                self._answer(p)
            except Exception as e:   # a bug here must show up as a test failure, not a hang
                self._error(p, "peer exception: %r" % e)

    def _record(self, p):
        with self.cond:
            self.frames.append(p)
            self.cond.notify_all()
        if self.verbose:
            print("%s %.6f %s" % ("<-" if p.dir == "in" else "->", p.t, summary(p)), flush=True)

    def _error(self, p, what):
        with self.cond:
            self.errors.append("%s: %s" % (what, summary(p)))

    def _check(self, p):
        # Every frame from the guest must be well formed, field by field.
        for prob in p.problems:
            self._error(p, prob)
        if p.src != self.guest_mac:
            self._error(p, "source MAC is not the guest's")
        if p.arp:
            self._check_arp(p)
        elif p.ip:
            self._check_ip(p)

    def _check_arp(self, p):
        a = p.arp
        if (a["htype"], a["ptype"], a["hlen"], a["plen"]) != (1, ETH_P_IP, 6, 4):
            self._error(p, "ARP htype/ptype/hlen/plen %r" % ((a["htype"], a["ptype"], a["hlen"],
                                                              a["plen"]),))
        if a["sha"] != self.guest_mac or a["sha"] != p.src:
            self._error(p, "ARP sender MAC %s" % a["sha"])
        if a["spa"] != self.guest_ip:
            self._error(p, "ARP sender IP %s" % a["spa"])
        if a["op"] == 1:
            if p.dst != BROADCAST and p.dst not in self.hosts.values():
                self._error(p, "ARP request to %s" % p.dst)
            if not same_subnet(a["tpa"], self.guest_ip):
                self._error(p, "ARP request for off-link %s" % a["tpa"])
        elif a["op"] == 2:
            if a["tpa"] not in self.hosts or a["tha"] != self.hosts[a["tpa"]] or p.dst != a["tha"]:
                self._error(p, "ARP reply to the wrong host")
        else:
            self._error(p, "ARP opcode %d" % a["op"])

    def _check_ip(self, p):
        ip = p.ip
        if ip["ihl"] != 5:
            self._error(p, "guest sent IP options (IHL %d)" % ip["ihl"])
        if ip["ttl"] < 2:
            self._error(p, "guest sent TTL %d" % ip["ttl"])
        if ip["src"] != self.guest_ip:
            self._error(p, "IP source %s" % ip["src"])
        if 14 + ip["tot_len"] < len(p.raw) and len(p.raw) > 60:
            self._error(p, "frame longer than the IP packet")
        if ip["dst"] in self.hosts and p.dst != self.hosts[ip["dst"]]:
            self._error(p, "IP to %s sent to MAC %s" % (ip["dst"], p.dst))
        if ip["proto"] not in (1, 17, 6):
            self._error(p, "IP protocol %d" % ip["proto"])

    def _answer(self, p):
        if p.arp and p.arp["op"] == 1 and p.arp["tpa"] in self.hosts and self.arp_answer:
            if self.arp_ignore > 0:
                self.arp_ignore -= 1
                return
            a = p.arp
            reply = build_eth(a["sha"], self.hosts[a["tpa"]], ETH_P_ARP,
                              build_arp(2, self.hosts[a["tpa"]], a["tpa"], a["sha"], a["spa"]))
            if self.arp_delay > 0:
                threading.Timer(self.arp_delay, self.inject, (reply,)).start()
            else:
                self.inject(reply)
        elif p.ip and p.ip["dst"] in self.hosts and not p.problems:
            me = p.ip["dst"]
            if p.is_icmp(8) and p.icmp["code"] == 0 and self.answer_pings:
                icmp = build_echo(p.icmp["id"], p.icmp["seq"], p.icmp["data"], reply=True)
                self.inject(build_eth(p.src, self.hosts[me], ETH_P_IP,
                                      build_ip(me, p.ip["src"], 1, icmp)))
            elif p.udp and p.udp["dport"] in self.echo_ports:
                self.send_udp(p.udp["dport"], p.udp["sport"], p.udp["data"], src=me,
                              dst=p.ip["src"], dst_mac=p.src)

    # -- send side

    def inject(self, frame):
        if self.qemu is None:
            raise WireError("QEMU's port is not known yet")
        self.sock.sendto(frame, self.qemu)
        self._record(Pkt(frame, time.monotonic(), "out"))

    def frame_to_guest(self, etype, payload, src_mac=None, dst_mac=None):
        return build_eth(dst_mac or self.guest_mac, src_mac or self.mac, etype, payload)

    def send_ip(self, proto, payload, src=None, dst=None, src_mac=None, dst_mac=None, **kw):
        # An IPv4 packet to the guest; kw go to build_ip (ttl, csum, tot_len, ...).
        src = src or self.ip
        ip = build_ip(src, dst or self.guest_ip, proto, payload, **kw)
        self.inject(self.frame_to_guest(ETH_P_IP, ip, src_mac or self.hosts.get(src, self.mac),
                                        dst_mac))

    def send_udp(self, sport, dport, payload, src=None, dst=None, src_mac=None, dst_mac=None,
                 ulen=None, ucsum=None, **kw):
        src, dst = src or self.ip, dst or self.guest_ip
        udp = build_udp(src, dst, sport, dport, payload, length=ulen, csum=ucsum)
        self.send_ip(17, udp, src=src, dst=dst, src_mac=src_mac, dst_mac=dst_mac, **kw)

    def send_arp(self, op, tpa=None, tha="00:00:00:00:00:00", spa=None, dst_mac=BROADCAST, **kw):
        spa = spa or self.ip
        sha = self.hosts.get(spa, self.mac)
        self.inject(build_eth(dst_mac, sha, ETH_P_ARP,
                              build_arp(op, sha, spa, tha, tpa or self.guest_ip, **kw)))

    # -- waiting

    def mark(self):
        # The index of the next frame: pass it as `since` to look only at later frames.
        with self.cond:
            return len(self.frames)

    def find(self, pred, since=0, direction="in"):
        with self.cond:
            return [p for p in self.frames[since:] if p.dir == direction and pred(p)]

    def wait_for(self, pred, timeout=5.0, since=0, direction="in"):
        # The first frame (at index >= since, from the guest) with pred(p) true, or None.
        deadline = time.monotonic() + timeout
        with self.cond:
            i = since
            while True:
                while i < len(self.frames):
                    p = self.frames[i]
                    i += 1
                    if p.dir == direction and pred(p):
                        return p
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.cond.wait(left)

    def ping(self, seq=1, ident=0x7777, data=None, src=None, timeout=3.0, ttl=64):
        # Ping the guest from one of our hosts; check every field of the reply.
        # Returns the round trip in seconds; raises WireError on no or a bad reply.
        src = src or self.ip
        data = data if data is not None else bytes(range(32)) + struct.pack("!I", seq)
        mark = self.mark()
        t0 = time.monotonic()
        self.send_ip(1, build_echo(ident, seq, data), src=src, ttl=ttl, ident=seq & 0xffff)

        def is_reply(p):
            return (p.is_icmp(0) and p.ip["src"] == self.guest_ip and p.ip["dst"] == src and
                    p.icmp["id"] == ident and p.icmp["seq"] == seq)
        p = self.wait_for(is_reply, timeout, since=mark)
        if p is None:
            raise WireError("no echo reply from %s to %s seq %d" % (self.guest_ip, src, seq))
        rtt = p.t - t0
        bad = list(p.problems)
        if p.dst != self.hosts.get(src, self.mac):
            bad.append("reply to MAC %s" % p.dst)
        if p.src != self.guest_mac:
            bad.append("reply from MAC %s" % p.src)
        if p.ip["ihl"] != 5 or p.ip["tot_len"] != 20 + 8 + len(data):
            bad.append("IHL %d total length %d" % (p.ip["ihl"], p.ip["tot_len"]))
        if p.ip["ttl"] < 2 or p.ip["flags_frag"] & 0xbfff:
            bad.append("TTL %d flags 0x%x" % (p.ip["ttl"], p.ip["flags_frag"]))
        if p.icmp["code"] != 0 or p.icmp["data"] != data:
            bad.append("code %d or data differs" % p.icmp["code"])
        if bad:
            raise WireError("bad echo reply: " + "; ".join(bad))
        return rtt


def write_pcap(path, frames):
    # A classic pcap file (LINKTYPE_ETHERNET) holding frames, for checking tools/pcap_check.py.
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            f.write(struct.pack("<IIII", 1000 + i, 0, len(fr), len(fr)) + fr)


# ---------------------------------------------------------------- self test

class _FakeGuest(threading.Thread):
    # A stand-in for the kernel, enough to exercise the peer: answers ARP and pings,
    # sends one UDP datagram (after resolving the peer's MAC) when asked.
    def __init__(self, peer_port):
        super().__init__(daemon=True)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.peer = ("127.0.0.1", peer_port)
        self.arp = {}
        self.udp_in = []
        self.running = True

    def send(self, dst_mac, etype, payload):
        self.sock.sendto(build_eth(dst_mac, GUEST_MAC, etype, payload), self.peer)

    def send_udp(self, dst, sport, dport, data):
        deadline = time.monotonic() + 2
        while dst not in self.arp and time.monotonic() < deadline:
            self.send(BROADCAST, ETH_P_ARP, build_arp(1, GUEST_MAC, GUEST_IP,
                                                      "00:00:00:00:00:00", dst))
            time.sleep(0.3)
        self.send(self.arp[dst], ETH_P_IP,
                  build_ip(GUEST_IP, dst, 17, build_udp(GUEST_IP, dst, sport, dport, data)))

    def run(self):
        while self.running:
            try:
                raw, _ = self.sock.recvfrom(65535)
            except socket.timeout:
                continue
            p = Pkt(raw)
            if p.problems:
                continue
            if p.arp and p.arp["op"] == 2:
                self.arp[p.arp["spa"]] = p.arp["sha"]
            elif p.arp and p.arp["op"] == 1 and p.arp["tpa"] == GUEST_IP:
                self.send(p.src, ETH_P_ARP, build_arp(2, GUEST_MAC, GUEST_IP, p.arp["sha"],
                                                      p.arp["spa"]))
            elif p.is_icmp(8) and p.ip["dst"] == GUEST_IP:
                self.send(p.src, ETH_P_IP, build_ip(GUEST_IP, p.ip["src"], 1, build_echo(
                    p.icmp["id"], p.icmp["seq"], p.icmp["data"], reply=True)))
            elif p.udp:
                self.udp_in.append(p)


def selftest():
    # The peer against the fake guest: ARP answered (late), ping checked, UDP echoed,
    # bad frames from the guest detected. Returns the number of failures.
    fails = 0
    w = Wire()
    g = _FakeGuest(w.port)
    g.start()
    w.start(g.port)
    try:
        w.arp_delay = 0.4
        t0 = time.monotonic()
        g.send_udp(PEER_IP, 5000, 7, b"hello")
        p = w.wait_for(lambda p: p.is_udp(7), 3)
        if p is None or time.monotonic() - t0 < 0.35:
            print("FAIL: UDP after a late ARP reply"); fails += 1
        deadline = time.monotonic() + 2
        while not g.udp_in and time.monotonic() < deadline:
            time.sleep(0.05)
        if not g.udp_in or g.udp_in[0].udp["data"] != b"hello" or g.udp_in[0].problems:
            print("FAIL: UDP echo"); fails += 1
        rtt = w.ping(seq=3)
        if not 0 <= rtt < 1:
            print("FAIL: ping rtt %r" % rtt); fails += 1
        if w.errors:
            print("FAIL: errors on good frames: %r" % w.errors); fails += 1
        g.send(w.mac, ETH_P_IP, build_ip(GUEST_IP, PEER_IP, 17, b"x" * 8, csum=0x1111))
        g.send(BROADCAST, ETH_P_ARP, build_arp(1, GUEST_MAC, GUEST_IP, "00:00:00:00:00:00",
                                               PEER_IP, hlen=5))
        g.send(w.mac, ETH_P_IP, build_ip(GUEST_IP, PEER_IP, 17,
                                         build_udp(GUEST_IP, PEER_IP, 1, 2, b"abc", csum=7)))
        time.sleep(0.3)
        text = "\n".join(w.errors)
        for want in ("bad IP header checksum", "ARP htype/ptype/hlen/plen", "bad UDP checksum"):
            if want not in text:
                print("FAIL: peer did not flag %r" % want); fails += 1
    except WireError as e:
        print("FAIL: %s" % e); fails += 1
    finally:
        g.running = False
        w.stop()
    print("wire selftest: %s" % ("ok" if fails == 0 else "%d failures" % fails))
    return fails


def main(argv):
    if len(argv) == 2 and argv[1] == "--selftest":
        return 1 if selftest() else 0
    if len(argv) != 3:
        print("usage: wire.py PEER_PORT QEMU_PORT | --selftest\n"
              "  then: qemu ... -netdev dgram,id=net0,local.type=inet,local.host=127.0.0.1,"
              "local.port=QEMU_PORT,remote.type=inet,remote.host=127.0.0.1,remote.port=PEER_PORT",
              file=sys.stderr)
        return 2
    w = Wire(int(argv[1]), verbose=True)
    w.start(int(argv[2]))
    print("wire peer %s (%s) on port %d, QEMU on %d" % (w.ip, w.mac, w.port, int(argv[2])),
          flush=True)
    try:
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    w.stop()
    for e in w.errors:
        print("error:", e)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
