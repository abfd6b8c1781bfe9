#!/usr/bin/python3
# Make the student handout from the reference solution.
#
# The solution regions in the source look like this (docs/internals.md):
#
#     // LAB tx BEGIN
#     // LAB-HINT: a hint kept in the handout
#     // LAB-STUB: return -1;        (code the handout keeps so it builds)
#     ... solution lines ...
#     // LAB tx END
#
# `tools/handout.py OUT` copies every tracked file into OUT with each region replaced by
# its hints, a TODO line and its stubs, and writes OUT.tar.gz. `--check OUT` verifies an
# existing handout: no solution line (found by its text) survives there. `--parts arp,udprx
# OUT` removes only those parts (the tests use it to check partial credit).
# Python files may use `#` instead of `//`.
import os
import re
import subprocess
import sys
import tarfile

BEGIN = re.compile(r"^(\s*)(//|#) LAB (\w+) BEGIN\s*$")
END = re.compile(r"^\s*(//|#) LAB (\w+) END\s*$")
HINT = re.compile(r"^\s*(//|#) LAB-HINT:\s?(.*)$")
STUB = re.compile(r"^\s*(//|#) LAB-STUB:\s?(.*)$")
TEXT_EXT = (".c", ".h", ".S", ".py", ".ld", ".tmpl")


class MarkerError(Exception):
    pass


def tracked_files(root):
    out = subprocess.run(["git", "ls-files", "-z"], cwd=root, check=True,
                         capture_output=True).stdout.decode()
    return [f for f in out.split("\0") if f and os.path.isfile(os.path.join(root, f))]


def split_regions(lines, path):
    """Yield ("text", line) and ("region", part, indent, comment, body_lines) items."""
    i = 0
    while i < len(lines):
        m = BEGIN.match(lines[i])
        if END.match(lines[i]):
            raise MarkerError(f"{path}:{i + 1}: END without BEGIN")
        if not m:
            yield ("text", lines[i])
            i += 1
            continue
        indent, comment, part = m.group(1), m.group(2), m.group(3)
        start = i
        body = []
        i += 1
        while i < len(lines) and not END.match(lines[i]):
            if BEGIN.match(lines[i]):
                raise MarkerError(f"{path}:{i + 1}: nested BEGIN inside part {part}")
            body.append(lines[i])
            i += 1
        if i == len(lines):
            raise MarkerError(f"{path}:{start + 1}: part {part} has no END")
        if END.match(lines[i]).group(2) != part:
            raise MarkerError(f"{path}:{i + 1}: END does not match part {part}")
        i += 1
        yield ("region", part, indent, comment, body)


def replace_region(part, indent, comment, body):
    """The handout's text for one region."""
    out = [f"{indent}{comment} TODO (lab part {part}): your code here."]
    for line in body:
        m = HINT.match(line)
        if m:
            out.append(f"{indent}{comment} Hint: {m.group(2)}")
    for line in body:
        m = STUB.match(line)
        if m:
            out.append(f"{indent}{m.group(2)}")
    return out


def transform(text, path, only=None):
    """Return (handout_text, {part: [solution lines]}) for one file. With only (a set of
    part names), regions of other parts keep their solution (marker lines removed)."""
    lines = text.split("\n")
    out, parts = [], {}
    for item in split_regions(lines, path):
        if item[0] == "text":
            out.append(item[1])
            continue
        _, part, indent, comment, body = item
        if only is not None and part not in only:
            out.extend(l for l in body if not HINT.match(l) and not STUB.match(l))
            continue
        out.extend(replace_region(part, indent, comment, body))
        sol = [l for l in body if not HINT.match(l) and not STUB.match(l)]
        parts.setdefault(part, []).extend(sol)
    return "\n".join(out), parts


def distinctive(line):
    """A solution line worth searching for: real code, not a brace or a bare return."""
    s = line.strip()
    if len(s) < 12 or s.startswith("//") or s.startswith("#"):
        return False
    return True


def make(root, outdir, only=None):
    summary = {}
    for rel in tracked_files(root):
        src = os.path.join(root, rel)
        dst = os.path.join(outdir, rel)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        data = open(src, "rb").read()
        if rel.endswith(TEXT_EXT) and b"LAB " in data:
            text, parts = transform(data.decode(), rel, only)
            data = text.encode()
            for part, sol in parts.items():
                summary.setdefault(part, []).append((rel, len(sol)))
        with open(dst, "wb") as f:
            f.write(data)
        os.chmod(dst, os.stat(src).st_mode & 0o777)
    return summary


def check(root, outdir):
    """Every distinctive solution line is gone from the handout's copy of its file."""
    bad = []
    for rel in tracked_files(root):
        if not rel.endswith(TEXT_EXT):
            continue
        text = open(os.path.join(root, rel)).read()
        if "LAB " not in text:
            continue
        handout_text, parts = transform(text, rel)
        # Lines outside every region are shared text, not the solution's own.
        shared = set(l.strip() for l in handout_text.split("\n"))
        theirs = set(l.strip() for l in open(os.path.join(outdir, rel)).read().split("\n"))
        for part, sol in parts.items():
            for line in sol:
                s = line.strip()
                if distinctive(line) and s in theirs and s not in shared:
                    bad.append(f"{rel}: part {part}: {s}")
    return bad


def main():
    args = sys.argv[1:]
    root = subprocess.run(["git", "rev-parse", "--show-toplevel"], check=True,
                          capture_output=True, text=True).stdout.strip()
    if len(args) == 2 and args[0] == "--check":
        bad = check(root, args[1])
        for b in bad:
            print("solution line survives:", b)
        print("handout check:", "FAILED" if bad else "OK, no solution line survives")
        return 1 if bad else 0
    only = None
    if len(args) == 3 and args[0] == "--parts":
        # A tree with only these parts removed (e.g. to check the grader's partial credit).
        only = set(args[1].split(","))
        args = args[2:]
    if len(args) != 1:
        print("usage: tools/handout.py [--parts tx,rx,...] OUTDIR | --check OUTDIR",
              file=sys.stderr)
        return 2
    outdir = os.path.abspath(args[0])
    if os.path.exists(outdir):
        subprocess.run(["rm", "-rf", outdir], check=True)
    try:
        summary = make(root, outdir, only)
    except MarkerError as e:
        print("handout:", e, file=sys.stderr)
        return 1
    with tarfile.open(outdir + ".tar.gz", "w:gz") as tar:
        tar.add(outdir, arcname=os.path.basename(outdir))
    for part in sorted(summary):
        files = ", ".join(f"{f} ({n} lines)" for f, n in summary[part])
        print(f"part {part}: {files}")
    print(f"handout written to {outdir}/ and {outdir}.tar.gz")
    return 0


if __name__ == "__main__":
    sys.exit(main())
