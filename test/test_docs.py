# The docs stay true to the code: every file a doc names exists, every identifier it
# names (in `code` or in a code block) occurs in the source, every function it calls
# `name()` or puts in a station table is defined, and every guest program it tells a
# student to type is built. Host-side only: no QEMU.
import os
import re
import subprocess

import harness

ROOT = harness.ROOT
DOCS = ["docs/lab-net.md", "README.md", "docs/internals.md", "test/README.md"]
SOURCE_DIRS = ["kernel", "user", "mkfs", "tools", "test"]
PATH_RE = re.compile(r"^(?:\./)?((?:kernel|user|mkfs|tools|test|docs|\.ci)/[\w./-]*|[\w.-]+\.(?:c|h|S|md|py|ld|tmpl))$")
IDENT_RE = re.compile(r"\b([a-z][a-z0-9]*(?:_[a-z0-9]+)+)\b")
CALL_RE = re.compile(r"`([a-z_][a-z0-9_]*)\(")
# Words with underscores that are not identifiers of ours (options, Linux's own names).
NOT_OURS = {"__sys_sendto", "sock_ops", "ip_check_checksum", "udp_check_checksum"}
LINUX_ONLY = {"__sys_sendto"}


def generated(path):
    """A path the build or the tests make (git ignores it): it need not exist yet."""
    r = subprocess.run(["git", "check-ignore", "-q", path], cwd=ROOT)
    return r.returncode == 0


def tracked():
    out = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout
    return out.split()


def source_text():
    files = [f for f in tracked() if f.split("/")[0] in SOURCE_DIRS and
             f.endswith((".c", ".h", ".S", ".py", ".tbl"))] + ["grade-lab-net", "Makefile"]
    return {f: open(os.path.join(ROOT, f), errors="replace").read() for f in files
            if os.path.exists(os.path.join(ROOT, f))}


def doc_tokens(text):
    """Backticked spans and the contents of fenced code blocks."""
    blocks = re.findall(r"```.*?\n(.*?)```", text, re.S)
    inline = re.findall(r"`([^`\n]+)`", re.sub(r"```.*?```", "", text, flags=re.S))
    return inline, blocks


def defined_functions(src):
    names = set()
    for f, text in src.items():
        if f.endswith(".c"):
            names.update(re.findall(r"^([a-z_][a-z0-9_]*)\(", text, re.M))
        if f.endswith(".py"):
            names.update(re.findall(r'__init__\("(\w+)"', text))   # gdb commands
    return names


def test_docs_name_real_things():
    src = source_text()
    words = set()
    for text in src.values():
        words.update(re.findall(r"\b\w+\b", text))
    funcs = defined_functions(src)
    progs = {os.path.basename(f)[:-2] for f in tracked() if f.startswith("user/") and
             f.endswith(".c")}
    problems = []
    for doc in DOCS:
        path = os.path.join(ROOT, doc)
        if not os.path.exists(path):
            problems.append("%s: missing" % doc)
            continue
        text = open(path).read()
        inline, blocks = doc_tokens(text)
        for tok in inline:
            t = tok.strip()
            m = PATH_RE.match(t)
            if m and not os.path.exists(os.path.join(ROOT, m.group(1).rstrip("/"))) and \
                    not any(f.endswith("/" + t) for f in tracked()) and not generated(t):
                problems.append("%s: names the file `%s`, which does not exist" % (doc, t))
        spans = inline + blocks
        for span in spans:
            for ident in IDENT_RE.findall(span):
                if ident in NOT_OURS or "." in ident:
                    continue
                if ident not in words:
                    problems.append("%s: names `%s`, which occurs nowhere in the source"
                                    % (doc, ident))
        for name in set(CALL_RE.findall(text)) - LINUX_ONLY:
            if name not in funcs and name not in ("sendto", "send", "recvfrom", "socket",
                                                  "bind", "connect", "poll", "netctl",
                                                  "sysinfo", "recv", "close", "perror",
                                                  "__sync_synchronize"):
                problems.append("%s: calls `%s()`, which is defined nowhere" % (doc, name))
        # Station tables: `name` (`kernel/...`) must be a defined function.
        for name in re.findall(r"\| `(\w+)`(?:, `(\w+)`)? \(`kernel/", text):
            for n in name:
                if n and n not in funcs:
                    problems.append("%s: the station `%s` is not a function" % (doc, n))
        # Guest commands in the try-it tables: the program exists.
        for cmd in re.findall(r"^\| `(\w+)[ `]", text, re.M):
            if cmd not in progs and cmd not in ("make",):
                problems.append("%s: tells students to run `%s`, which is not a program"
                                % (doc, cmd))
    assert not problems, "docs out of step with the code:\n  " + "\n  ".join(problems)


def test_packet_paths_are_linked_together():
    # kernel.ld lays out the send and the receive path's functions (sections .text.NAME)
    # in groups, one page each (the groups end at ALIGN(0x1000)). The linker ignores a name that
    # matches nothing and lets a group spill over its page, so check here: each name is
    # a function of the built kernel, linked in the listed order, and each group's
    # functions lie on one page.
    assert os.path.exists(os.path.join(ROOT, "kernel", "kernel.sym")), "run `make` first"
    ld = open(os.path.join(ROOT, "kernel", "kernel.ld")).read()
    text = ld[ld.index("kernel/uservec.o(.text)"):ld.index("*(.text .text.*)")]
    groups = [re.findall(r"\*\(\.text\.(\w+)\)", g) for g in text.split("ALIGN(0x1000)")]
    groups = [g for g in groups if g]
    groups[0].insert(0, "uservec")
    names = [n for g in groups for n in g]
    assert len(groups) >= 3 and len(names) >= 20, "kernel.ld lists %d functions" % len(names)
    sym = {}
    for line in open(os.path.join(ROOT, "kernel", "kernel.sym")):
        f = line.split()
        if len(f) == 2 and int(f[0], 16) >= 0x80000000:
            sym[f[1]] = int(f[0], 16)
    missing = [n for n in names if n not in sym]
    assert not missing, "kernel.ld names functions the kernel does not have: %s" % missing
    addrs = [sym[n] for n in names]
    assert addrs == sorted(addrs), "kernel.ld: the functions are not linked in the listed order"
    starts = sorted(set(sym.values()))
    for g in groups:
        first, last = sym[g[0]], sym[g[-1]]
        end = starts[starts.index(last) + 1]   # where the next symbol begins
        assert first // 4096 == (end - 1) // 4096, \
            "kernel.ld: the group %s ... %s spans %#x..%#x, more than its page; move a " \
            "function to another group" % (g[0], g[-1], first, end)
