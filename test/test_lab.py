# The lab can never ship broken: the reference solution scores full marks; the handout
# (make handout) builds without warnings, boots, passes the kernel's tests and scores zero
# on every lab part with no solution line left in it; a tree with only some parts removed
# keeps the points of the others (partial credit); the Gradescope bundle grades a
# submission against a fake autograder root and writes valid results.json.
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import zipfile

import harness

ROOT = harness.ROOT
PY = "/usr/bin/python3"
LAB_PARTS = ("tx", "rx", "arp", "udprx")
SCORE_RE = re.compile(r"^(part \d: [^\d]+?|the kernel \(not a lab part\))\s+(\d+)/(\d+)$", re.M)


def sh(cmd, cwd, timeout=600, env=None):
    r = subprocess.run(cmd, cwd=cwd, shell=True, capture_output=True, text=True,
                       timeout=timeout, env=env)
    return r.returncode, r.stdout + r.stderr


def grade(tree, *args):
    """Run a tree's grader; returns ({part line: (score, max)}, output)."""
    rc, out = sh("%s ./grade-lab-net %s" % (PY, " ".join(args)), tree, timeout=900)
    assert rc == 0, "grade-lab-net in %s exited %d:\n%s" % (tree, rc, out[-3000:])
    parts = {m.group(1).strip(): (int(m.group(2)), int(m.group(3)))
             for m in SCORE_RE.finditer(out)}
    assert parts, "no per-part scores in the grader's output:\n" + out[-3000:]
    return parts, out


def part_score(parts, key):
    for name, v in parts.items():
        if name.startswith(key) or (key == "kernel" and "kernel" in name):
            return v
    raise AssertionError("no score line for %s in %r" % (key, parts))


def make_tree(name, parts=None):
    out = os.path.join(tempfile.mkdtemp(prefix="lab-%s-" % name), name)
    args = ("--parts %s " % ",".join(parts) if parts else "") + out
    rc, text = sh("%s tools/handout.py %s" % (PY, args), ROOT)
    assert rc == 0, "tools/handout.py %s failed:\n%s" % (args, text)
    return out


@harness.timeout(400)
def test_solution_and_partial_graded_at_once(ctx):
    # Two graders on one machine at once (the solution here, and a tree with parts 3 and 4
    # removed): they must not interfere. The solution scores full marks; the partial tree
    # keeps all the points of parts 1 and 2 and none of 3 and 4 (partial credit works).
    tree = make_tree("partial", parts=("arp", "udprx"))
    results = {}

    def run(key, where):
        try:
            results[key] = grade(where)
        except BaseException as e:   # noqa: B902 - reported below
            results[key] = e
    try:
        threads = [threading.Thread(target=run, args=(k, w))
                   for k, w in (("solution", ROOT), ("partial", tree))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for key in ("solution", "partial"):
            if isinstance(results[key], BaseException):
                raise results[key]
        parts, out = results["solution"]
        total = re.search(r"^Score: (\d+)/(\d+)", out, re.M)
        assert total and total.group(1) == total.group(2), \
            "the reference solution must score full marks:\n" + out[-3000:]
        parts, pout = results["partial"]
        for key in ("part 1", "part 2"):
            got, full = part_score(parts, key)
            assert got == full, "with parts 1-2 done, %s should score %d, got %d:\n%s" % (
                key, full, got, pout[-3000:])
        for key in ("part 3", "part 4"):
            assert part_score(parts, key)[0] == 0, "%s should score 0:\n%s" % (key, pout[-3000:])
        ctx.note("solution %s/%s, partial tree graded at the same time" % total.groups())
    finally:
        shutil.rmtree(os.path.dirname(tree), ignore_errors=True)


@harness.timeout(600)
def test_handout(ctx):
    tree = make_tree("handout")
    try:
        rc, out = sh("%s tools/handout.py --check %s" % (PY, tree), ROOT)
        assert rc == 0, "solution lines survive in the handout:\n" + out
        rc, out = sh("make -j2 all 2>&1", tree)
        assert rc == 0, "the handout does not build:\n" + out[-3000:]
        warnings = [l for l in out.splitlines() if "warning:" in l]
        assert not warnings, "the handout builds with warnings:\n" + "\n".join(warnings)
        todo = sh("grep -rn 'TODO (lab part' kernel", tree)[1]
        for part in LAB_PARTS:
            assert "lab part %s)" % part in todo, "the handout has no TODO for part " + part
        # It boots and the kernel's own tests pass on it.
        q = ctx.boot(kernel=os.path.join(tree, "kernel", "kernel"),
                     fs_img=os.path.join(tree, "fs.img"), net="user")
        q.sendline("usertests -q")
        m = q.expect(r"ALL TESTS PASSED|SOME TESTS FAILED", 400)
        q.check(m.group(0) == "ALL TESTS PASSED", "usertests -q fails on the handout")
        q.kill()
        parts, out = grade(tree)
        kernel = part_score(parts, "kernel")
        assert kernel[0] == kernel[1], "the handout must keep the kernel's points:\n" + out
        for key in ("part 1", "part 2", "part 3", "part 4"):
            assert part_score(parts, key)[0] == 0, \
                "the handout must score 0 on %s:\n%s" % (key, out[-3000:])
        ctx.note("handout: kernel %d/%d, every lab part 0" % kernel)
    finally:
        shutil.rmtree(os.path.dirname(tree), ignore_errors=True)


@harness.timeout(400)
def test_gradescope_bundle(ctx):
    # Build the bundle, unpack it in a fake /autograder, submit the solution's lab files
    # (in a folder, as a student's upload would have them) and check results.json.
    work = tempfile.mkdtemp(prefix="gradescope-")
    try:
        tree = make_tree("handout")
        zpath = os.path.join(work, "autograder.zip")
        rc, out = sh("%s tools/gradescope.py --handout %s %s" % (PY, tree, zpath), ROOT)
        assert rc == 0, "tools/gradescope.py failed:\n" + out
        root = os.path.join(work, "autograder")
        with zipfile.ZipFile(zpath) as z:
            names = z.namelist()
            assert "setup.sh" in names and "run_autograder" in names, names[:10]
            z.extractall(root)
        for f in ("run_autograder", "setup.sh"):
            os.chmod(os.path.join(root, f), 0o755)
        sub = os.path.join(root, "submission", "my-lab")
        for f in ("kernel/e1000.c", "kernel/net/arp.c", "kernel/net/udp.c", "kernel/net/socket.c"):
            os.makedirs(os.path.dirname(os.path.join(sub, f)), exist_ok=True)
            shutil.copy(os.path.join(ROOT, f), os.path.join(sub, f))
        env = dict(os.environ, AUTOGRADER_ROOT=root)
        rc, out = sh("./run_autograder", root, timeout=600, env=env)
        res_path = os.path.join(root, "results", "results.json")
        assert os.path.exists(res_path), "run_autograder wrote no results.json:\n" + out[-3000:]
        res = json.load(open(res_path))
        assert isinstance(res.get("tests"), list) and res["tests"], "no tests in " + res_path
        for t in res["tests"]:
            for k in ("name", "score", "max_score", "output"):
                assert k in t, "a test in results.json lacks %r: %r" % (k, t)
        full = sum(t["max_score"] for t in res["tests"])
        assert res["score"] == full, "the solution's files should score %d through the " \
            "bundle, got %s:\n%s" % (full, res["score"], out[-3000:])
        ctx.note("gradescope bundle: %s/%s" % (res["score"], full))
    finally:
        shutil.rmtree(work, ignore_errors=True)
