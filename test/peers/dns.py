# A DNS server on loopback for the tests and the grader: Debian's dnsmasq, answering only
# from its own records (no upstream, no /etc/hosts), so no test needs the internet.
#
#   with Dnsmasq({"lab.test": "10.1.2.3"}) as d:   # d.port: where it listens (127.0.0.1)
#       ... the guest asks 10.0.2.2:d.port (QEMU user networking maps it to the host) ...
import os
import shutil
import socket
import subprocess
import time


def free_udp_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Dnsmasq:
    def __init__(self, records, log_path=None):
        self.records, self.log_path = records, log_path
        self.proc, self.port = None, None

    def __enter__(self):
        exe = shutil.which("dnsmasq") or "/usr/sbin/dnsmasq"
        if not os.path.exists(exe):
            raise AssertionError("dnsmasq is missing: apt-get install dnsmasq-base")
        for _ in range(5):
            self.port = free_udp_port()
            cmd = [exe, "--keep-in-foreground", "--no-resolv", "--no-hosts", "-C", "/dev/null",
                   "--pid-file=", "--listen-address=127.0.0.1", "--bind-interfaces",
                   "--port=%d" % self.port, "--log-facility=-", "--log-queries"]
            cmd += ["--address=/%s/%s" % kv for kv in self.records.items()]
            log = open(self.log_path or os.devnull, "w")
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
            time.sleep(0.3)
            if self.proc.poll() is None:
                return self
        raise AssertionError("dnsmasq would not start (see %s)" % self.log_path)

    def __exit__(self, *exc):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(5)
