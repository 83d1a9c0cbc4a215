# SPDX-License-Identifier: MIT
"""Published claims, reproduced (or not) by simulation: ``fragsim claims``.

A claim file (``scenarios/claims/NAME.yaml``) is a scenario reference plus an
``expect:`` block::

    claim:
      title: RFC v1: fewer than 20 of 238 SPBs tainted under syzkaller churn
      source: "mm: reliable 1GB page allocation, v1 cover letter (2026-04-30)"
      published: "normally less than 20 SPBs tainted; 50 x 1 GiB allocatable"
      scenario: ../rfc-256g.yaml      # relative to the claim file
      set: [duration=600s]            # --set values for every run
      policies: [spb, linux]          # the first is the claim's subject
      seeds: 3
      expect:
        - {metric: spb_tainted, policy: spb, op: "<", value: 20}
        - {metric: hugetlb_1g_allocatable, policy: spb, op: ">", baseline: linux}
      notes: why the simulation may differ

An expectation compares one policy's per-seed values of a metric with a
threshold (``value``: the mean must satisfy ``op``) or with another policy
of the same seeds (``baseline``: the mean must satisfy ``op`` against the
baseline's mean, and a two-sided paired t-test across seeds must give
p < 0.05 for ``<``/``>``; for ``<=``/``>=`` ("no worse") it must not be
significantly on the wrong side). ``metric`` is a run metric, a ratio of
two (``compact_success/compact_stall``), or a time-series statistic
``decline:COUNTER`` = 1 - (COUNTER's increase over the last tenth of the
run) / (its increase over the first tenth).

Verdicts: ``reproduced`` (every expectation holds), ``not reproduced``
(some does not), ``not run`` (a policy is not registered, or the runs
failed). The runs are ``fragsim compare`` runs into
``OUT/runs/<scenario>-<hash of the --set values>/``: claims on the same
scenario and settings share their runs (a compare skips the runs already
complete there), and a claim looks only at its own policies and seeds. Outputs: the verdict table on stdout,
``OUT/claims.json``, ``OUT/claims.md`` and ``OUT/index.html``.
"""
from __future__ import annotations

import argparse
import html
import json
import math
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from .fragdb import Experiment
from .stats import compare as paired_compare
from .stats import summarize

OPS = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal, "==": np.equal}


class ClaimError(Exception):
    """A claim file that cannot be used (named file, key and why)."""


@dataclass
class Expect:
    metric: str
    policy: str
    op: str
    value: float | None = None
    baseline: str | None = None


@dataclass
class Claim:
    name: str
    path: Path
    title: str
    source: str
    published: str
    scenario: Path
    sets: list[str]
    policies: list[str]
    seeds: int
    expect: list[Expect]
    notes: str = ""


@dataclass
class Outcome:
    expect: Expect
    holds: bool | None
    measured: str
    detail: str = ""


@dataclass
class Result:
    claim: Claim
    verdict: str
    outcomes: list[Outcome] = field(default_factory=list)
    reason: str = ""
    command: str = ""
    db: str = ""


def _req(d: dict, key: str, path: Path, where: str = "claim"):
    if key not in d:
        raise ClaimError(f"{path}: {where}: missing key '{key}'")
    return d[key]


def load_claim(path: Path) -> Claim:
    """Parse and check one claim file; ClaimError names the file and key."""
    try:
        doc = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as e:
        raise ClaimError(f"{path}: {e}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("claim"), dict):
        raise ClaimError(f"{path}: expected a mapping with a 'claim:' key")
    c = doc["claim"]
    for k in c:
        if k not in {"title", "source", "published", "scenario", "set", "policies", "seeds", "expect", "notes"}:
            raise ClaimError(f"{path}: claim: unknown key '{k}'")
    scen = (path.parent / str(_req(c, "scenario", path))).resolve()
    if not scen.is_file():
        raise ClaimError(f"{path}: claim.scenario: no such file {scen}")
    pols = _req(c, "policies", path)
    if not isinstance(pols, list) or not pols or not all(isinstance(p, str) for p in pols):
        raise ClaimError(f"{path}: claim.policies: expected a list of policy names")
    seeds = c.get("seeds", 3)
    if not isinstance(seeds, int) or seeds < 1:
        raise ClaimError(f"{path}: claim.seeds: expected a whole number >= 1")
    sets = c.get("set", [])
    if not isinstance(sets, list) or not all(isinstance(s, str) and "=" in s for s in sets):
        raise ClaimError(f"{path}: claim.set: expected a list of KEY=VALUE strings")
    exps = []
    raw = _req(c, "expect", path)
    if not isinstance(raw, list) or not raw:
        raise ClaimError(f"{path}: claim.expect: expected a non-empty list")
    for i, e in enumerate(raw):
        where = f"claim.expect[{i}]"
        if not isinstance(e, dict):
            raise ClaimError(f"{path}: {where}: expected a mapping")
        op = str(_req(e, "op", path, where))
        if op not in OPS:
            raise ClaimError(f"{path}: {where}.op: '{op}' is not one of {', '.join(OPS)}")
        pol = str(e.get("policy", pols[0]))
        if pol not in pols:
            raise ClaimError(f"{path}: {where}.policy: '{pol}' is not in claim.policies")
        if ("value" in e) == ("baseline" in e):
            raise ClaimError(f"{path}: {where}: give either 'value' or 'baseline'")
        if "baseline" in e and e["baseline"] not in pols:
            raise ClaimError(f"{path}: {where}.baseline: '{e['baseline']}' is not in claim.policies")
        if "value" in e:
            try:   # YAML 1.1 reads 1.0e15 (no sign in the exponent) as a string
                e["value"] = float(e["value"])
            except (TypeError, ValueError):
                raise ClaimError(f"{path}: {where}.value: '{e['value']}' is not a number") from None
        exps.append(Expect(str(_req(e, "metric", path, where)), pol, op,
                           float(e["value"]) if "value" in e else None, e.get("baseline")))
    return Claim(path.stem, path, str(_req(c, "title", path)), str(_req(c, "source", path)),
                 str(c.get("published", "")), scen, [str(s) for s in sets], pols, seeds, exps,
                 str(c.get("notes", "")).strip())


def _metric_by_seed(exp: Experiment, policy: str, metric: str, seeds: int) -> dict[int, float]:
    runs = exp.complete_runs()
    runs = runs[(runs["policy"] == policy) & (runs["seed"] >= 1) & (runs["seed"] <= seeds)]
    out: dict[int, float] = {}
    if metric.startswith("decline:"):
        counter = metric.split(":", 1)[1]
        for rid, r in runs.iterrows():
            s = exp.series(rid)
            if counter not in s.columns or len(s) < 3:
                continue
            v = s[counter].to_numpy(dtype=float)
            k = max(1, len(v) // 10)
            first, last = v[k] - v[0], v[-1] - v[-1 - k]
            out[int(r["seed"])] = 1.0 - last / first if first > 0 else math.nan
        return out
    wide = exp.metrics_wide()
    names = metric.split("/")
    for rid, r in runs.iterrows():
        if rid not in wide.index or any(n not in wide.columns for n in names):
            continue
        vals = [float(wide.at[rid, n]) for n in names]
        if len(vals) == 2:
            out[int(r["seed"])] = vals[0] / vals[1] if vals[1] else math.nan
        else:
            out[int(r["seed"])] = vals[0]
    return out


def _fmt(v: float) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "nan"
    return f"{v:.4g}" if abs(v) < 1e5 else f"{v:.3e}"


def evaluate(claim: Claim, exp: Experiment, seeds: int | None = None) -> list[Outcome]:
    n = seeds or claim.seeds
    outs = []
    for e in claim.expect:
        a = _metric_by_seed(exp, e.policy, e.metric, n)
        if not a:
            outs.append(Outcome(e, None, "no data", f"no complete {e.policy} run has {e.metric}"))
            continue
        sa = summarize(list(a.values()))
        m = f"{e.policy}: {_fmt(sa.mean)} ± {_fmt(sa.ci95)} (n={sa.n})"
        if e.value is not None:
            holds = bool(OPS[e.op](sa.mean, e.value))
            outs.append(Outcome(e, holds, m, f"{e.metric} {e.op} {_fmt(e.value)}"))
            continue
        b = _metric_by_seed(exp, e.baseline, e.metric, n)
        if not b:
            outs.append(Outcome(e, None, m, f"no complete {e.baseline} run has {e.metric}"))
            continue
        sb = summarize(list(b.values()))
        t = paired_compare(b, a)
        m += f" vs {e.baseline}: {_fmt(sb.mean)} ± {_fmt(sb.ci95)}; p={_fmt(t.p)} ({t.kind})"
        side = bool(OPS[e.op](sa.mean, sb.mean))
        sig = t.significant(0.05)
        if e.op in ("<", ">"):
            holds = side and sig
        elif e.op == "==":
            holds = not sig
        else:   # "no worse": not significantly on the wrong side
            holds = side or not sig
        outs.append(Outcome(e, holds, m, f"{e.metric} {e.op} {e.baseline}'s"
                            + ("" if e.op in ("<=", ">=", "==") else " (significant)")))
    return outs


def runs_dir(claim: Claim, out: Path, extra_sets: list[str]) -> Path:
    """Where a claim's runs go: shared by the claims of the same scenario and --set values."""
    import hashlib
    key = json.dumps([str(claim.scenario), claim.sets + extra_sets])
    return out / "runs" / f"{claim.scenario.stem}-{hashlib.sha1(key.encode()).hexdigest()[:8]}"


def run_claim(claim: Claim, fragsim: str, out: Path, jobs: int | None, seeds: int | None, extra_sets: list[str],
              quiet: bool) -> Result:
    from_registry = subprocess.run([fragsim, "policies"], capture_output=True, text=True).stdout.split()
    missing = [p for p in claim.policies if p not in from_registry]
    n = seeds or claim.seeds
    cmd = [fragsim, "compare", str(claim.scenario), "--policies", ",".join(claim.policies), "--seeds", str(n),
           "--out", str(runs_dir(claim, out, extra_sets)), "--no-report", "--quiet"]
    for s in claim.sets + extra_sets:
        cmd += ["--set", s]
    if jobs:
        cmd += ["--jobs", str(jobs)]
    shown = " ".join(["fragsim claims", claim.name] + (["--seeds", str(n)] if seeds else [])
                     + sum((["--set", s] for s in extra_sets), []))
    if missing:
        return Result(claim, "not run", reason="policy not registered: " + ", ".join(missing), command=shown)
    if not quiet:
        print(f"claims: {claim.name}: fragsim compare {claim.scenario.name} --policies {','.join(claim.policies)} "
              f"--seeds {n}" + "".join(f" --set {s}" for s in claim.sets + extra_sets), flush=True)
    p = subprocess.run(cmd, capture_output=True, text=True)
    db = runs_dir(claim, out, extra_sets) / "fragsim.db"
    if not db.exists():
        return Result(claim, "not run", reason=f"the runs failed: {p.stderr.strip()[-300:]}", command=shown)
    exp = Experiment(db)
    outs = evaluate(claim, exp, n)
    if any(o.holds is None for o in outs):
        verdict = "not run"
    else:
        verdict = "reproduced" if all(o.holds for o in outs) else "not reproduced"
    reason = "" if p.returncode == 0 else f"fragsim compare exited {p.returncode}"
    return Result(claim, verdict, outs, reason, shown, str(db))


def table_text(results: list[Result]) -> str:
    lines = []
    w = max([5] + [len(r.claim.name) for r in results])
    lines.append(f"{'claim':<{w}}  {'verdict':<15}  measured")
    lines.append(f"{'-' * w}  {'-' * 15}  {'-' * 40}")
    for r in results:
        first = True
        if not r.outcomes:
            lines.append(f"{r.claim.name:<{w}}  {r.verdict:<15}  {r.reason}")
            continue
        for o in r.outcomes:
            mark = "ok " if o.holds else "--" if o.holds is None else "NO "
            lines.append(f"{r.claim.name if first else '':<{w}}  {r.verdict if first else '':<15}  "
                         f"{mark} {o.detail}: {o.measured}")
            first = False
        if r.reason:
            lines.append(f"{'':<{w}}  {'':<15}  ({r.reason})")
    n = {v: sum(r.verdict == v for r in results) for v in ("reproduced", "not reproduced", "not run")}
    lines.append("")
    lines.append(f"{n['reproduced']} reproduced, {n['not reproduced']} not reproduced, {n['not run']} not run")
    return "\n".join(lines) + "\n"


def write_outputs(results: list[Result], out: Path) -> None:
    data = [{"name": r.claim.name, "title": r.claim.title, "source": r.claim.source,
             "published": r.claim.published, "verdict": r.verdict, "reason": r.reason, "command": r.command,
             "notes": r.claim.notes,
             "expect": [{"metric": o.expect.metric, "policy": o.expect.policy, "op": o.expect.op,
                         "value": o.expect.value, "baseline": o.expect.baseline, "holds": o.holds,
                         "measured": o.measured} for o in r.outcomes]} for r in results]
    (out / "claims.json").write_text(json.dumps(data, indent=1) + "\n")
    md = ["# Claims: verdicts", "", "| claim | source | published | verdict | measured | reproduce |",
          "|---|---|---|---|---|---|"]
    for r in results:
        meas = "<br>".join(f"{'✔' if o.holds else '✘' if o.holds is False else '?'} {o.detail}: {o.measured}"
                           for o in r.outcomes) or r.reason
        md.append(f"| {r.claim.title} | {r.claim.source} | {r.claim.published} | **{r.verdict}** | {meas} | "
                  f"`{r.command}` |")
    (out / "claims.md").write_text("\n".join(md) + "\n")
    rows = []
    for r in results:
        meas = "<br>".join(html.escape(f"{'✔' if o.holds else '✘' if o.holds is False else '?'} {o.detail}: "
                                       f"{o.measured}") for o in r.outcomes) or html.escape(r.reason)
        rep = Path(r.db).parent / "report" / "index.html" if r.db else None
        link = (f' (<a href="{rep.relative_to(out)}">report</a>)' if rep and rep.exists() else "")
        color = {"reproduced": "#1a7f37", "not reproduced": "#cf222e"}.get(r.verdict, "#6e7781")
        rows.append(f"<tr><td><b>{html.escape(r.claim.title)}</b>{link}<br><small>{html.escape(r.claim.source)}"
                    f"</small></td><td>{html.escape(r.claim.published)}</td><td style='color:{color}'>"
                    f"<b>{html.escape(r.verdict)}</b></td><td>{meas}</td><td><small>{html.escape(r.claim.notes)}"
                    f"</small></td><td><code>{html.escape(r.command)}</code></td></tr>")
    (out / "index.html").write_text(
        "<!doctype html><meta charset='utf-8'><title>fragsim claims</title><style>body{font-family:sans-serif;"
        "margin:2em}td,th{border:1px solid #ccc;padding:6px;vertical-align:top}table{border-collapse:collapse}"
        "</style><h1>Published claims, reproduced by simulation</h1><table><tr><th>claim</th><th>published</th>"
        "<th>verdict</th><th>measured (mean ± 95% CI over seeds)</th><th>notes</th><th>command</th></tr>"
        + "".join(rows) + "</table>\n")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="fragsim claims", description="Run published claims and print verdicts.")
    ap.add_argument("names", nargs="*", help="claims to run (file stems); default: all")
    ap.add_argument("--dir", default=None, help="the claim files' directory (default: scenarios/claims)")
    ap.add_argument("--out", default="out/claims", help="output directory (default: out/claims)")
    ap.add_argument("--fragsim", default=os.environ.get("FRAGSIM", "fragsim"))
    ap.add_argument("--jobs", type=int)
    ap.add_argument("--seeds", type=int, help="override every claim's seed count")
    ap.add_argument("--set", action="append", default=[], help="KEY=VALUE for every run (e.g. duration=60s)")
    ap.add_argument("--list", action="store_true", help="list the claims and exit")
    ap.add_argument("--report", action="store_true", help="also write each claim's HTML report")
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args(argv)
    root = Path(__file__).resolve().parent.parent
    cdir = Path(a.dir) if a.dir else root / "scenarios" / "claims"
    files = sorted(cdir.glob("*.yaml"))
    if a.names:
        by = {f.stem: f for f in files}
        unknown = [n for n in a.names if n not in by]
        if unknown:
            print(f"fragsim claims: unknown claim(s) {', '.join(unknown)}; known: {', '.join(by)}", file=sys.stderr)
            return 2
        files = [by[n] for n in a.names]
    if not files:
        print(f"fragsim claims: no claim files in {cdir}", file=sys.stderr)
        return 2
    try:
        claims = [load_claim(f) for f in files]
    except ClaimError as e:
        print(f"fragsim claims: {e}", file=sys.stderr)
        return 2
    if a.list:
        for c in claims:
            print(f"{c.name:<28} {c.title}")
        return 0
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    results = [run_claim(c, a.fragsim, out, a.jobs, a.seeds, a.set, a.quiet) for c in claims]
    if a.report:
        for db in sorted({r.db for r in results if r.db}):
            subprocess.run([a.fragsim, "report", db, "-o", str(Path(db).parent / "report"), "--quiet"],
                           capture_output=True)
    write_outputs(results, out)
    sys.stdout.write("\n" + table_text(results))
    print(f"claims: {out / 'index.html'}")
    return 0 if all(r.verdict != "not run" for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
