#!/usr/bin/python3
# Judge a packet capture with tshark: every frame the guest sent must be well formed,
# with correct IPv4, UDP and ICMP checksums (tshark's checks switched on).
#
#   tools/pcap_check.py FILE [GUEST_MAC]   print offending frames; exit 1 if any
#   from pcap_check import bad_frames       bad_frames(path, mac) -> [line, ...]
#
# Only frames whose Ethernet source is the guest's MAC count (tests inject broken frames
# on purpose; those come from other MACs). Quoted headers inside ICMP errors are not
# judged: an ICMP error quotes what it received, broken or not.
import os
import subprocess
import sys

GUEST_MAC = "52:54:00:12:34:56"

# tshark 4.0 preference names (see `tshark -G defaultprefs`); ICMP checksums are always
# verified. The display filter names fields that exist in this version (`tshark -G fields`).
PREFS = ["ip.check_checksum:TRUE", "udp.check_checksum:TRUE", "tcp.check_checksum:TRUE"]
BAD = ('_ws.malformed || _ws.expert.severity >= "error" || ip.checksum.status == "Bad" || '
       'udp.checksum.status == "Bad" || icmp.checksum.status == "Bad" || '
       'tcp.checksum.status == "Bad"')


def bad_frames(path, guest_mac=GUEST_MAC):
    # Lines (one per offending frame from guest_mac) saying what tshark found wrong.
    if not os.path.exists(path):
        raise FileNotFoundError(path)
    if os.path.getsize(path) <= 24:
        return []   # only the pcap file header: nothing was captured
    cmd = ["tshark", "-n", "-r", path]
    for p in PREFS:
        cmd += ["-o", p]
    cmd += ["-Y", "eth.src == %s && (%s)" % (guest_mac, BAD), "-T", "fields",
            "-E", "separator=|", "-e", "frame.number", "-e", "_ws.col.Protocol",
            "-e", "_ws.col.Info", "-e", "_ws.expert.message"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        # tshark refuses a truncated capture (QEMU still writing, or killed mid-frame)
        # with "cut short in the middle of a packet"; what it printed before is judged.
        if "cut short" not in r.stderr and "appears to have been cut" not in r.stderr:
            raise RuntimeError("tshark failed: %s" % r.stderr.strip())
    return [line for line in r.stdout.splitlines() if line.strip()]


def frame_count(path):
    # Number of frames in the capture (to tell an empty capture from a clean one).
    r = subprocess.run(["tshark", "-n", "-r", path, "-T", "fields", "-e", "frame.number"],
                       capture_output=True, text=True, timeout=120)
    return len([x for x in r.stdout.split() if x.strip()])


def main(argv):
    if len(argv) not in (2, 3):
        print("usage: pcap_check.py FILE [GUEST_MAC]", file=sys.stderr)
        return 2
    mac = argv[2] if len(argv) == 3 else GUEST_MAC
    bad = bad_frames(argv[1], mac)
    for line in bad:
        print("bad frame from %s: %s" % (mac, line.replace("|", "  ")))
    print("%s: %d frames, %d bad from %s" % (argv[1], frame_count(argv[1]), len(bad), mac))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
