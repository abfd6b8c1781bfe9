# DNS over our UDP: the guest's nslookup asks a dnsmasq that the test starts on the host's
# loopback (reached from the guest as 10.0.2.2 through QEMU user networking), and handles
# an answer, a refusal and a bad name. No test needs the internet.
import os
import sys

import harness

sys.path.insert(0, os.path.join(harness.TEST_DIR, "peers"))
import dns  # noqa: E402


@harness.timeout(60)
def test_nslookup_against_dnsmasq(ctx):
    q = ctx.boot(net="user", cpus=1)
    log = os.path.join(ctx.log_dir, "dnsmasq.log")
    with dns.Dnsmasq({"lab.test": "10.1.2.3", "peer.lab.test": "10.9.8.7"}, log) as d:
        out = q.run("nslookup lab.test 10.0.2.2 %d" % d.port, 20)
        q.check("lab.test has address 10.1.2.3" in out, "nslookup lab.test: %r" % out)
        out = q.run("nslookup peer.lab.test 10.0.2.2 %d" % d.port, 20)
        q.check("peer.lab.test has address 10.9.8.7" in out, "nslookup peer.lab.test: %r" % out)
        out = q.run("nslookup unknown.test 10.0.2.2 %d" % d.port, 20)
        q.check("server says" in out and "has address" not in out,
                "a name dnsmasq does not know must not get an address: %r" % out)
    out = q.run("nslookup bad..name", 10)
    q.check("not a valid name" in out, "nslookup bad..name should be refused: %r" % out)
    queries = open(log).read().count("query[A]")
    assert queries >= 3, "dnsmasq logged %d queries, expected 3: see %s" % (queries, log)
