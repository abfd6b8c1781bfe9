# gdb commands for the network lab, loaded by .gdbinit (`source tools/gdb/netcmds.py`).
#
#   txring        the e1000 TX ring: TDH/TDT from the device, tx_tail/tx_clean from the
#                 driver, and every descriptor's length, cmd and status (DD marked)
#   rxring        the RX ring the same way (RDH/RDT, rx_next)
#   skb EXPR      an sk_buff's pointers, and its Ethernet, IPv4 and UDP/ICMP headers decoded
#
# Register offsets are from the Intel 8254x manual, section 13 (see kernel/e1000_dev.h).
# Reading TDH/TDT/RDH/RDT through gdb has no side effects (unlike ICR, which we never read).
import gdb

TDH, TDT, RDH, RDT = 0x3810, 0x3818, 0x2810, 0x2818


def dev():
    return gdb.parse_and_eval("'e1000.c'::e1000")


def reg(e, off):
    base = int(e["regs"])
    if base == 0:
        raise gdb.GdbError("e1000 not initialised yet (regs is 0): continue past e1000_init")
    return int(gdb.parse_and_eval("*(unsigned int *)%d" % (base + off)))


def ring_size(arr):
    return int(arr.type.sizeof // arr[0].type.sizeof)


def flags(value, names):
    out = [name for bit, name in names if value & bit]
    return "|".join(out) if out else "-"


class TxRing(gdb.Command):
    """Print the e1000 TX ring: head, tail and each descriptor (txring [all])."""

    def __init__(self):
        super().__init__("txring", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        e = dev()
        ring = e["tx_ring"]
        n = ring_size(ring)
        head, tail = reg(e, TDH), reg(e, TDT)
        clean, sw_tail = int(e["tx_clean"]), int(e["tx_tail"])
        print("TX ring: %d descriptors  TDH %d  TDT %d  tx_tail %d  tx_clean %d  (%d in flight)"
              % (n, head, tail, sw_tail, clean, (sw_tail - clean) % n))
        for i in range(n):
            d = ring[i]
            length, cmd, status = int(d["length"]), int(d["cmd"]), int(d["status"])
            if length == 0 and arg.strip() != "all":
                continue
            marks = "".join([" <TDH" if i == head else "", " <TDT" if i == tail else "",
                             " <tx_clean" if i == clean else ""])
            skb = int(e["tx_skbs"][i])
            print("  [%3d] addr 0x%x len %4d cmd %-12s status %-3s skb 0x%x%s"
                  % (i, int(d["addr"]), length,
                     flags(cmd, [(1, "EOP"), (2, "IFCS"), (8, "RS")]),
                     flags(status, [(1, "DD")]), skb, marks))


class RxRing(gdb.Command):
    """Print the e1000 RX ring: head, tail and each descriptor."""

    def __init__(self):
        super().__init__("rxring", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        e = dev()
        ring = e["rx_ring"]
        n = ring_size(ring)
        head, tail, nxt = reg(e, RDH), reg(e, RDT), int(e["rx_next"])
        print("RX ring: %d descriptors  RDH %d  RDT %d  rx_next %d" % (n, head, tail, nxt))
        for i in range(n):
            d = ring[i]
            status = int(d["status"])
            if status == 0 and i not in (head, tail, nxt) and arg.strip() != "all":
                continue
            marks = "".join([" <RDH" if i == head else "", " <RDT" if i == tail else "",
                             " <rx_next" if i == nxt else ""])
            print("  [%3d] addr 0x%x len %4d status %-7s errors 0x%x%s"
                  % (i, int(d["addr"]), int(d["length"]),
                     flags(status, [(1, "DD"), (2, "EOP")]), int(d["errors"]), marks))


def read_bytes(addr, n):
    return bytes(gdb.selected_inferior().read_memory(addr, n))


def ip4(b):
    return ".".join(str(x) for x in b)


def decode(data):
    """Lines describing an Ethernet frame's headers."""
    out = []
    if len(data) < 14:
        return ["  (shorter than an Ethernet header)"]
    etype = int.from_bytes(data[12:14], "big")
    out.append("  eth  dst %s src %s type 0x%04x" % (
        ":".join("%02x" % x for x in data[0:6]), ":".join("%02x" % x for x in data[6:12]), etype))
    if etype == 0x0806 and len(data) >= 42:
        op = int.from_bytes(data[20:22], "big")
        out.append("  arp  op %d (%s) sender %s target %s" % (
            op, {1: "request", 2: "reply"}.get(op, "?"), ip4(data[28:32]), ip4(data[38:42])))
    if etype != 0x0800 or len(data) < 34:
        return out
    ip = data[14:]
    ihl = (ip[0] & 15) * 4
    proto = ip[9]
    out.append("  ip   %s -> %s  ver %d ihl %d len %d ttl %d proto %d csum 0x%04x" % (
        ip4(ip[12:16]), ip4(ip[16:20]), ip[0] >> 4, ihl, int.from_bytes(ip[2:4], "big"),
        ip[8], proto, int.from_bytes(ip[10:12], "big")))
    t = ip[ihl:]
    if proto == 17 and len(t) >= 8:
        out.append("  udp  %d -> %d  len %d csum 0x%04x" % (
            int.from_bytes(t[0:2], "big"), int.from_bytes(t[2:4], "big"),
            int.from_bytes(t[4:6], "big"), int.from_bytes(t[6:8], "big")))
    elif proto == 1 and len(t) >= 8:
        out.append("  icmp type %d code %d id %d seq %d" % (
            t[0], t[1], int.from_bytes(t[4:6], "big"), int.from_bytes(t[6:8], "big")))
    return out


class Skb(gdb.Command):
    """Print an sk_buff and decode its headers: skb EXPR (a struct sk_buff *)."""

    def __init__(self):
        super().__init__("skb", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        if not arg.strip():
            raise gdb.GdbError("usage: skb EXPR   (for example: skb skb)")
        s = gdb.parse_and_eval(arg).dereference()
        head, data, tail, end = (int(s[f]) for f in ("head", "data", "tail", "end"))
        print("skb 0x%x: len %d  headroom %d  tailroom %d  protocol 0x%04x" % (
            int(s.address), int(s["len"]), data - head, end - tail, int(s["protocol"])))
        path = s["path"].string()
        if path:
            print("  path: " + path)
        # On receive, layers pull their headers: start at the Ethernet header if known.
        mac = int(s["mac_header"])
        start = mac if head <= mac <= data else data
        n = min(tail - start, 128)
        for line in decode(read_bytes(start, n)):
            print(line)


TxRing()
RxRing()
Skb()
