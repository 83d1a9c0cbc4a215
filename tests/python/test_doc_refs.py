# SPDX-License-Identifier: MIT
"""docs/kernel-rules.md names a test for every kernel rule it marks tested.
This checks that each test it names exists, so that the table cannot point
at a test that was renamed or removed (the suite itself shows they pass).

Forms in the table's test column (docs/kernel-rules.md, "How to read"):
  `test_x:test_name`                  a TAP test of tests/unit/test_x.c
  `test_x.sh:"description"`           an ok line of tests/cli/test_x.sh
  `test_x.py:function`                a pytest function of tests/python/test_x.py
  `test_workloads/<wl>/<case>:<test>`  a case of tests/unit/test_workloads.c and one of its tests;
                                      <case> may be a {a,b} list or a <placeholder>
Environment (set by tests/meson.build): FRAG_SOURCE_ROOT.
"""
import os
import re
from pathlib import Path

import pytest

ROOT = os.environ.get("FRAG_SOURCE_ROOT")
if not ROOT:
    pytest.skip("FRAG_SOURCE_ROOT not set (run through meson test)", allow_module_level=True)
ROOT = Path(ROOT)


def table_test_cells(doc):
    """(line number, test cell) of every rule row (5 cells; '\\|' is a pipe inside a cell)."""
    for n, line in enumerate(doc.splitlines(), 1):
        if not line.startswith("| ") or line.startswith("| rule"):
            continue
        cells = re.split(r"(?<!\\)\|", line)
        if len(cells) == 7:
            yield n, cells[4]


def source(name):
    for d, ext in (("unit", ".c"), ("cli", ".sh"), ("python", ".py")):
        p = ROOT / "tests" / d / (name + ext)
        if p.exists():
            return p.read_text(errors="replace"), ext
    return None, None


def workload_cases(text):
    """(workload, case) pairs of the case table: { "wl", "case", ..."""
    return set(re.findall(r'\{\s*"([a-z0-9_]+)",\s*"([A-Za-z0-9_.+-]+)"', text))


def check(tok, wl_text, cases):
    """None if @tok names an existing test (or is not a test reference), else why not."""
    m = re.match(r"^test_workloads/([^/:]+)/([^:]+)(?::(.+))?$", tok)
    if m:
        wl, case, test = m.groups()
        if test and not re.search(r"\b%s\b" % re.escape(test), wl_text):
            return f"no test function {test} in test_workloads.c"
        if case.startswith("<"):
            return None
        names = case.strip("{}").split(",") if case.startswith("{") else [case]
        missing = [c for c in names if (wl, c) not in cases]
        return f"no case {wl}/{','.join(missing)} in test_workloads.c" if missing else None
    m = re.match(r"^(test_\w+)(\.sh|\.py)?:(.+)$", tok)
    if not m:
        return None
    name, _, what = m.groups()
    text, ext = source(name)
    if text is None:
        return f"no tests/*/{name}.(c|sh|py)"
    if what.startswith('"'):
        desc = what.strip('"')
        # <placeholder> in the table stands for a shell variable or a value in the description
        pat = r"\S+".join(re.escape(part) for part in re.split(r"<[^>]+>", desc))
        return None if re.search(pat, text) else f'no ok line "{desc}" in {name}{ext}'
    fn = what.split("(")[0].strip()
    if ext == ".py":
        return None if re.search(r"^def %s\b" % re.escape(fn), text, re.M) else f"no def {fn} in {name}.py"
    if ext == ".c":
        return None if re.search(r"\bTAP\(%s\)" % re.escape(fn), text) else f"no TAP({fn}) in {name}.c"
    return None if fn in text else f"no {fn} in {name}{ext}"


def test_every_named_test_exists():
    doc = (ROOT / "docs" / "kernel-rules.md").read_text()
    wl_text = (ROOT / "tests" / "unit" / "test_workloads.c").read_text()
    cases = workload_cases(wl_text)
    assert len(cases) > 40
    refs, bad = 0, []
    for n, cell in table_test_cells(doc):
        for tok in re.findall(r"`([^`]+)`", cell):
            if tok.startswith("…"):
                bad.append(f"kernel-rules.md:{n}: {tok}: abbreviated (write the test's full name)")
                continue
            if re.match(r"^test_\w+$", tok):
                bad.append(f"kernel-rules.md:{n}: {tok}: no file (write `test_x:{tok}`)")
                continue
            why = check(tok, wl_text, cases)
            if tok.startswith("test_"):
                refs += 1
            if why:
                bad.append(f"kernel-rules.md:{n}: {tok}: {why}")
    print(f"{refs} test references checked")
    assert refs > 200
    assert not bad, "\n".join(bad)
