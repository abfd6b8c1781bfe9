# test_style.py: every C file in kernel/, user/ and mkfs/ is formatted as .clang-format says.
#
# Fix the files it lists with `clang-format -i FILE...` (clang-format from Debian's package).

import glob
import os
import re
import shutil
import subprocess

import harness


def c_files():
  """The C sources and headers under kernel/, user/ and mkfs/ (generated files excluded)."""
  generated = {"kernel/syscall_nr.h", "kernel/syscall_tbl.h", "user/syscalls.h"}
  files = []
  for d in ("kernel", "kernel/net", "user", "mkfs"):
    for ext in ("c", "h"):
      files += glob.glob(os.path.join(harness.ROOT, d, "*." + ext))
  rel = sorted(os.path.relpath(f, harness.ROOT) for f in files)
  return [f for f in rel if f not in generated]


def test_clang_format():
  assert shutil.which("clang-format"), "clang-format is missing (apt-get install clang-format)"
  files = c_files()
  assert files, "no C files found under kernel/, user/, mkfs/"
  assert os.path.exists(os.path.join(harness.ROOT, ".clang-format")), ".clang-format is missing"
  r = subprocess.run(["clang-format", "--dry-run", "--Werror"] + files, cwd=harness.ROOT,
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
  bad = sorted(set(re.findall(r"^(\S+?):\d+:\d+: error:", r.stderr, re.M)))
  assert r.returncode == 0 or bad, "clang-format failed: %s" % r.stderr[-2000:]
  assert not bad, "%d of %d files differ from .clang-format (fix: clang-format -i FILE):\n%s" % (
      len(bad), len(files), "\n".join("  " + f for f in bad))
