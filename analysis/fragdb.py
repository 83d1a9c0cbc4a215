# SPDX-License-Identifier: MIT
"""The one loader of fragsim results: an experiment database and its HDF5 files.

An *experiment* is one SQLite database (``fragsim.db``, one row per run) and
the runs' HDF5 files (``runs/<uid>.h5``, named by ``runs.h5_file`` relative
to the database's directory). The formats are docs/results-format.md. No
other module of :mod:`analysis` opens these files or parses logs.

>>> exp = Experiment("out/fragsim.db")
>>> exp.runs                        # one row per run, index run_id
>>> exp.metrics                     # tidy: run_id, name, value, unit
>>> exp.metrics_wide()              # run_id x metric name
>>> exp.series(run_id)              # per-epoch counters + derived series, index t_s
>>> exp.timeseries(["free_2m_now"]) # tidy: run_id, epoch, t_s, name, value

Everything is keyed by ``run_id`` (``runs.id``). Unsigned 64-bit values that
SQLite returns negative (seeds, pfns >= 2^63) are converted back.

Derived per-epoch series (documented in docs/reports.md):

- ``free_2m_now``: 2 MiB blocks free in the buddy right now, summed over zones
  and migratetypes: order-9 free blocks + 2 x order-10 free blocks
  (``/epoch/free_blocks``). What a THP fault could take without compaction.
- ``free_2m_compactable``: an upper bound of the 2 MiB blocks compaction could
  produce: free pageblocks + pageblocks labelled Movable that are not mixed,
  not hugetlb and hold no reserved pages (``/epoch/pageblock_type``).
- ``gib_free_now``: 1 GiB regions (SPBs spanning a whole 1 GiB) whose 262144
  pages are all free in the buddy (``/epoch/spb`` ``free_pages``); the last
  epoch equals the metric ``hugetlb_1g_allocatable``.
- ``gib_movable_only``: whole 1 GiB SPBs holding no unmovable, reclaimable or
  reserved pages: allocatable as 1 GiB after migrating their movable pages.
- ``spb_empty``, ``spb_clean``, ``spb_tainted``: SPBs by category.
- ``pb_<migratetype>``: pageblocks by ``get_pageblock_migratetype()``;
  ``pb_free``, ``pb_mixed``, ``pb_mixed_<migratetype>``, ``pb_hugetlb``.
- ``free_mib_order<k>``: free memory on the order-k lists, MiB.
- ``thp_success_interval``: thp_fault_alloc / (thp_fault_alloc +
  thp_fault_fallback) over each epoch interval (NaN without THP faults);
  ``thp_success_cumulative`` since the start.
"""
from __future__ import annotations

import json
import math
import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

os.environ.setdefault("HDF5_USE_FILE_LOCKING", "FALSE")   # read files a live run may hold

import h5py  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

__all__ = ["Experiment", "RunData", "FragDBError", "SUPPORTED_STATS_VERSIONS", "MIGRATETYPES",
           "PB_FREE", "PB_MIXED", "PB_HUGETLB", "PB_RESERVED", "PB_MT_MASK", "SPB_FIELDS",
           "PAGE_SIZE", "PAGEBLOCK_ORDER", "SPB_ORDER", "NR_ORDERS"]

#: Stats versions (FRAG_STATS_VERSION) whose counter and metric names this code knows.
SUPPORTED_STATS_VERSIONS = {1}
#: Layouts (FRAG_RESULTS_SCHEMA_VERSION, FRAG_H5_FORMAT_VERSION) this code reads.
SUPPORTED_SCHEMA_VERSIONS = {1}
SUPPORTED_H5_FORMATS = {1}

#: The kernel's migratetype order (enum migratetype).
MIGRATETYPES = ["Unmovable", "Movable", "Reclaimable", "HighAtomic", "CMA", "Isolate"]
PB_MT_MASK = 0x07
PB_FREE = 0x08
PB_MIXED = 0x10
PB_HUGETLB = 0x20
PB_RESERVED = 0x40
SPB_FIELDS = ["category", "fullness", "free_pages", "pcp_pages", "unmovable_pages", "movable_pages",
              "reclaimable_pages", "pb_unmovable", "pb_movable", "pb_reclaimable", "pb_highatomic", "pb_free",
              "reserved_pages"]
SPB_CATEGORIES = ["empty", "clean", "tainted"]
PAGE_SIZE = 4096
PAGEBLOCK_ORDER = 9
SPB_ORDER = 18
NR_ORDERS = 11
PAGES_PER_SPB = 1 << SPB_ORDER
PAGEBLOCKS_PER_SPB = 1 << (SPB_ORDER - PAGEBLOCK_ORDER)
U64 = 1 << 64
#: Epochs of the pageblock map read at a time when scanning a whole run.
MAP_SLAB = 64


class FragDBError(Exception):
    """A database or HDF5 file that cannot be read as fragsim results."""


def _s(v) -> str:
    return v.decode() if isinstance(v, bytes) else str(v)


def _u64(v):
    """SQLite stores uint64 >= 2^63 with the same bits: read back negative."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return v
    v = int(v)
    return v + U64 if v < 0 else v


@dataclass
class MapGeometry:
    """Where each pageblock of the map sits on the physical memory map.

    ``region`` and ``column`` give, for pageblock ``i`` of ``/epoch/pageblock_type``,
    its 1 GiB region (pfn >> 18) and its column (pageblock within the region,
    0..511). ``rows`` lists the regions that hold any zone's pageblock, in
    ascending order; ``row`` is the row of each pageblock in that list.
    """
    region: np.ndarray
    column: np.ndarray
    row: np.ndarray
    rows: np.ndarray
    zone: np.ndarray            # zone index of each pageblock
    zone_names: list[str]       # "node0/DMA32"


@dataclass
class RunData:
    """One run's HDF5 file, read lazily and cached."""
    run_id: int
    path: Path
    _cache: dict = field(default_factory=dict, repr=False)

    def _file(self) -> h5py.File:
        if not self.path.is_file():
            raise FragDBError(f"{self.path}: HDF5 file of run {self.run_id} not found")
        try:
            return h5py.File(self.path, "r")
        except OSError as e:
            raise FragDBError(f"{self.path}: cannot open as HDF5: {e}") from e

    def _get(self, key, fn):
        if key not in self._cache:
            with self._file() as f:
                self._cache[key] = fn(f)
        return self._cache[key]

    # -- raw datasets --------------------------------------------------
    def attrs(self) -> dict:
        """Root attributes (strings decoded, integers as int)."""
        def read(f):
            out = {}
            for k, v in f.attrs.items():
                if isinstance(v, (bytes, str)):
                    out[k] = _s(v)
                elif isinstance(v, np.integer):
                    out[k] = int(v)
                elif isinstance(v, np.floating):
                    out[k] = float(v)
                else:
                    out[k] = v
            fmt = out.get("format_version")
            if fmt is not None and fmt not in SUPPORTED_H5_FORMATS:
                raise FragDBError(f"{self.path}: HDF5 format version {fmt}; this analysis reads "
                                  f"{sorted(SUPPORTED_H5_FORMATS)}")
            sv = out.get("stats_version")
            if sv is not None and sv not in SUPPORTED_STATS_VERSIONS:
                raise FragDBError(f"{self.path}: stats version {sv}; this analysis knows "
                                  f"{sorted(SUPPORTED_STATS_VERSIONS)}")
            return out
        return self._get("attrs", read)

    def has_epochs(self) -> bool:
        return self.nr_epochs() > 0

    def nr_epochs(self) -> int:
        return self._get("T", lambda f: int(f["epoch/t_ns"].shape[0]) if "epoch/t_ns" in f else 0)

    def t_ns(self) -> np.ndarray:
        return self._get("t_ns", lambda f: f["epoch/t_ns"][:].astype(np.uint64) if "epoch/t_ns" in f
                         else np.zeros(0, np.uint64))

    def t_s(self) -> np.ndarray:
        return self.t_ns().astype(float) / 1e9

    def counters(self) -> pd.DataFrame:
        """``/epoch/counters``: index t_s, one column per counter (float64; cumulative counts and gauges)."""
        def read(f):
            ds = f["epoch/counters"]
            names = [_s(x) for x in ds.attrs["names"]]
            df = pd.DataFrame(ds[:].astype(np.float64), columns=names)
            df.index = pd.Index(f["epoch/t_ns"][:].astype(float) / 1e9, name="t_s")
            return df
        return self._get("counters", read)

    def counter_units(self) -> dict[str, str]:
        def read(f):
            ds = f["epoch/counters"]
            return dict(zip((_s(x) for x in ds.attrs["names"]), (_s(x) for x in ds.attrs["units"])))
        return self._get("counter_units", read)

    def free_blocks(self) -> np.ndarray:
        """``/epoch/free_blocks`` as uint32 [T][zone][order][migratetype]."""
        return self._get("free_blocks", lambda f: f["epoch/free_blocks"][:])

    def zones(self) -> pd.DataFrame:
        """``/zones``: one row per zone, with ``zone`` = ``node<nid>/<name>`` and ``end_pfn``."""
        def read(f):
            z = f["zones"][:]
            df = pd.DataFrame({n: z[n] for n in z.dtype.names})
            df["name"] = [_s(x) for x in df["name"]]
            for c in ["nid", "start_pfn", "spanned_pages", "managed_pages", "first_pageblock", "nr_pageblocks",
                      "first_spb", "nr_spbs"]:
                df[c] = df[c].astype(np.int64)
            df["zone"] = [f"node{n}/{m}" for n, m in zip(df["nid"], df["name"])]
            df["end_pfn"] = df["start_pfn"] + df["spanned_pages"]
            return df
        return self._get("zones", read)

    def nr_pageblocks(self) -> int:
        return self._get("P", lambda f: int(f["epoch/pageblock_type"].shape[1]))

    def pageblock_map(self, epoch: int) -> np.ndarray:
        """The pageblock codes (uint8 [nr_pageblocks]) at one epoch (negative counts from the end)."""
        T = self.nr_epochs()
        if not -T <= epoch < T:
            raise IndexError(f"epoch {epoch} out of range (run {self.run_id} has {T} epochs)")
        with self._file() as f:
            return f["epoch/pageblock_type"][epoch % T]

    def pageblock_maps(self, epochs: Sequence[int]) -> np.ndarray:
        """Pageblock codes at several epochs: uint8 [len(epochs)][nr_pageblocks]."""
        T = self.nr_epochs()
        idx = [e % T for e in epochs]
        with self._file() as f:
            ds = f["epoch/pageblock_type"]
            return np.stack([ds[e] for e in idx]) if idx else np.zeros((0, ds.shape[1]), np.uint8)

    def map_code_histogram(self) -> np.ndarray:
        """Pageblocks per code at every epoch: int64 [T][256]. Read in slabs of epochs."""
        def read(f):
            ds = f["epoch/pageblock_type"]
            T = ds.shape[0]
            out = np.zeros((T, 256), np.int64)
            for s in range(0, T, MAP_SLAB):
                block = ds[s:s + MAP_SLAB]
                off = (np.arange(block.shape[0], dtype=np.int64) * 256)[:, None]
                out[s:s + block.shape[0]] = np.bincount((block.astype(np.int64) + off).ravel(),
                                                        minlength=block.shape[0] * 256).reshape(-1, 256)
            return out
        return self._get("map_hist", read)

    def spb(self) -> np.ndarray:
        """``/epoch/spb`` as uint32 [T][nr_spbs][13] (fields :data:`SPB_FIELDS`)."""
        return self._get("spb", lambda f: f["epoch/spb"][:])

    def spb_regions(self) -> np.ndarray:
        """The 1 GiB region (pfn >> 18) and page count of every SPB row: int64 [nr_spbs][2]."""
        def build():
            z = self.zones()
            rows = []
            for _, r in z.iterrows():
                base = r["start_pfn"] >> SPB_ORDER
                for k in range(int(r["nr_spbs"])):
                    ss = (base + k) << SPB_ORDER
                    s, e = max(ss, r["start_pfn"]), min(ss + PAGES_PER_SPB, r["end_pfn"])
                    rows.append((base + k, e - s))
            return np.array(rows, np.int64).reshape(-1, 2)
        if "spb_regions" not in self._cache:
            self._cache["spb_regions"] = build()
        return self._cache["spb_regions"]

    def map_geometry(self) -> MapGeometry:
        """Physical placement of every pageblock of the map (see :class:`MapGeometry`)."""
        if "geometry" not in self._cache:
            z = self.zones()
            P = self.nr_pageblocks()
            pfn_pb = np.zeros(P, np.int64)
            zone = np.zeros(P, np.int64)
            for zi, r in z.iterrows():
                first, n = int(r["first_pageblock"]), int(r["nr_pageblocks"])
                pb_base = int(r["start_pfn"]) >> PAGEBLOCK_ORDER
                pfn_pb[first:first + n] = pb_base + np.arange(n, dtype=np.int64)
                zone[first:first + n] = zi
            region = pfn_pb >> (SPB_ORDER - PAGEBLOCK_ORDER)
            column = pfn_pb & (PAGEBLOCKS_PER_SPB - 1)
            rows = np.unique(region)
            row = np.searchsorted(rows, region)
            self._cache["geometry"] = MapGeometry(region, column, row, rows, zone, list(z["zone"]))
        return self._cache["geometry"]

    def metrics(self) -> pd.DataFrame:
        """``/metrics`` (name, value, unit); empty for a killed run."""
        def read(f):
            if "metrics" not in f:
                return pd.DataFrame(columns=["name", "value", "unit"])
            m = f["metrics"][:]
            return pd.DataFrame({"name": [_s(x) for x in m["name"]], "value": m["value"].astype(float),
                                 "unit": [_s(x) for x in m["unit"]]})
        return self._get("metrics", read)

    # -- derived ---------------------------------------------------------
    def series(self) -> pd.DataFrame:
        """Counters plus the derived series of the module docstring; index t_s."""
        if "series" in self._cache:
            return self._cache["series"]
        T = self.nr_epochs()
        if T == 0:
            df = pd.DataFrame(index=pd.Index([], name="t_s", dtype=float))
            self._cache["series"] = df
            return df
        c = self.counters()
        d: dict[str, np.ndarray] = {}
        fb = self.free_blocks().astype(np.int64)                       # [T][Z][O][MT]
        per_order = fb.sum(axis=(1, 3))                                # [T][O]
        for o in range(per_order.shape[1]):
            d[f"free_mib_order{o}"] = per_order[:, o] * (PAGE_SIZE << o) / 2**20
        d["free_2m_now"] = (per_order[:, PAGEBLOCK_ORDER:] *
                            (1 << (np.arange(PAGEBLOCK_ORDER, per_order.shape[1]) - PAGEBLOCK_ORDER))).sum(axis=1)
        per_mt_free = fb.sum(axis=(1, 2))
        for m, name in enumerate(MIGRATETYPES[:fb.shape[3]]):
            d[f"free_blocks_{name.lower()}"] = per_mt_free[:, m]

        h = self.map_code_histogram()                                  # [T][256]
        codes = np.arange(256)
        mt = codes & PB_MT_MASK
        isfree = (codes & PB_FREE) != 0
        mixed = (codes & PB_MIXED) != 0
        htlb = (codes & PB_HUGETLB) != 0
        resv = (codes & PB_RESERVED) != 0
        for m, name in enumerate(MIGRATETYPES):
            d[f"pb_{name.lower()}"] = h[:, mt == m].sum(axis=1)
            d[f"pb_mixed_{name.lower()}"] = h[:, (mt == m) & mixed].sum(axis=1)
        d["pb_free"] = h[:, isfree].sum(axis=1)
        d["pb_mixed"] = h[:, mixed].sum(axis=1)
        d["pb_hugetlb"] = h[:, htlb].sum(axis=1)
        d["pb_reserved"] = h[:, resv].sum(axis=1)
        d["free_2m_compactable"] = h[:, isfree | ((mt == 1) & ~mixed & ~htlb & ~resv)].sum(axis=1)

        sp = self.spb().astype(np.int64)                               # [T][S][F]
        cat = sp[:, :, 0]
        for k, name in enumerate(SPB_CATEGORIES):
            d[f"spb_{name}"] = (cat == k).sum(axis=1)
        full = self.spb_regions()[:, 1] == PAGES_PER_SPB
        d["gib_free_now"] = ((sp[:, :, 2] == PAGES_PER_SPB) & full[None, :]).sum(axis=1)
        clean = (sp[:, :, 4] == 0) & (sp[:, :, 6] == 0) & (sp[:, :, 12] == 0)
        d["gib_movable_only"] = (clean & full[None, :]).sum(axis=1)

        df = pd.DataFrame(d, index=c.index)
        df = pd.concat([c, df], axis=1)
        if "thp_fault_alloc" in c and "thp_fault_fallback" in c:
            a, fbk = c["thp_fault_alloc"].to_numpy(), c["thp_fault_fallback"].to_numpy()
            da, df_ = np.diff(a, prepend=0.0), np.diff(fbk, prepend=0.0)
            da[0] = df_[0] = np.nan if T > 1 else 0.0       # the first sample closes no interval
            with np.errstate(invalid="ignore", divide="ignore"):
                df["thp_success_interval"] = np.where(da + df_ > 0, da / (da + df_), np.nan)
                df["thp_success_cumulative"] = np.where(a + fbk > 0, a / (a + fbk), np.nan)
        self._cache["series"] = df
        return df


class Experiment:
    """An experiment database and its runs' HDF5 files.

    Attributes are pandas DataFrames read once when the database is opened:
    ``runs`` (index ``run_id``), ``params``, ``metrics`` and ``events`` (tidy,
    with a ``run_id`` column).
    """

    def __init__(self, db_path: str | os.PathLike):
        self.path = Path(db_path)
        if not self.path.is_file():
            raise FragDBError(f"{self.path}: no such database")
        self.dir = self.path.resolve().parent
        try:
            con = sqlite3.connect(f"file:{self.path.resolve()}?mode=ro", uri=True)
        except sqlite3.Error as e:
            raise FragDBError(f"{self.path}: cannot open: {e}") from e
        try:
            self._check_versions(con)
            self.runs = self._read_runs(con)
            self.params = pd.read_sql_query("SELECT run_id, key, value FROM params ORDER BY run_id, key", con)
            self.metrics = pd.read_sql_query("SELECT run_id, name, value, unit FROM metrics ORDER BY run_id, name",
                                             con)
            self.metrics["value"] = self.metrics["value"].astype(float)
            self.events = pd.read_sql_query(
                "SELECT run_id, seq, t_ns, type, cpu, nid, pfn, ord, value, outcome, detail FROM events "
                "ORDER BY run_id, seq", con)
        except sqlite3.DatabaseError as e:
            raise FragDBError(f"{self.path}: not a fragsim results database ({e})") from e
        finally:
            con.close()
        if len(self.events):
            self.events["pfn"] = self.events["pfn"].map(_u64)
            self.events["t_s"] = self.events["t_ns"].astype(float) / 1e9
        else:
            self.events["t_s"] = pd.Series(dtype=float)
        self._runs: dict[int, RunData] = {}

    def _check_versions(self, con: sqlite3.Connection) -> None:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "stats_version" not in tables:
            raise FragDBError(f"{self.path}: not a fragsim results database (no stats_version table)")
        rows = con.execute("SELECT stats_version, schema_version FROM stats_version").fetchall()
        if len(rows) != 1:
            raise FragDBError(f"{self.path}: stats_version holds {len(rows)} rows, expected 1")
        self.stats_version, self.schema_version = int(rows[0][0]), int(rows[0][1])
        if self.stats_version not in SUPPORTED_STATS_VERSIONS or self.schema_version not in SUPPORTED_SCHEMA_VERSIONS:
            raise FragDBError(
                f"{self.path}: results database has stats version {self.stats_version} and schema version "
                f"{self.schema_version}; this analysis reads stats versions {sorted(SUPPORTED_STATS_VERSIONS)} "
                f"and schema versions {sorted(SUPPORTED_SCHEMA_VERSIONS)}")

    def _read_runs(self, con: sqlite3.Connection) -> pd.DataFrame:
        df = pd.read_sql_query("SELECT * FROM runs ORDER BY id", con)
        df["seed"] = df["seed"].map(_u64).astype(object)
        df = df.rename(columns={"id": "run_id"}).set_index("run_id")
        df["h5_path"] = [str(self.dir / p) if isinstance(p, str) and p else None for p in df["h5_file"]]
        return df

    # -- selections ---------------------------------------------------------
    def complete_runs(self) -> pd.DataFrame:
        """Runs with status ``complete`` (what analyses use)."""
        return self.runs[self.runs["status"] == "complete"]

    def policies(self, runs: pd.DataFrame | None = None) -> list[str]:
        """Policies in order of first appearance."""
        r = self.complete_runs() if runs is None else runs
        return list(dict.fromkeys(r["policy"]))

    def run(self, run_id: int) -> RunData:
        """The run's HDF5 data (lazy, cached)."""
        run_id = int(run_id)
        if run_id not in self._runs:
            if run_id not in self.runs.index:
                raise FragDBError(f"{self.path}: no run with id {run_id}")
            p = self.runs.at[run_id, "h5_path"]
            if not p:
                raise FragDBError(f"{self.path}: run {run_id} has no HDF5 file")
            self._runs[run_id] = RunData(run_id, Path(p))
        return self._runs[run_id]

    def has_h5(self, run_id: int) -> bool:
        p = self.runs.at[int(run_id), "h5_path"]
        return bool(p) and Path(p).is_file()

    # -- tidy frames --------------------------------------------------------
    def params_wide(self) -> pd.DataFrame:
        """run_id x parameter key (text values)."""
        if self.params.empty:
            return pd.DataFrame(index=self.runs.index)
        return self.params.pivot(index="run_id", columns="key", values="value").reindex(self.runs.index)

    def swept_keys(self, runs: pd.DataFrame | None = None) -> list[str]:
        """Parameter keys whose values differ between the (complete) runs, other than
        the seed, the policy and the run name."""
        r = self.complete_runs() if runs is None else runs
        p = self.params_wide().loc[r.index]
        skip = {"seed", "policy.name", "name", "run.name"}
        return [k for k in p.columns if k not in skip and p[k].nunique(dropna=False) > 1]

    def metrics_wide(self, names: Iterable[str] | None = None) -> pd.DataFrame:
        """run_id x metric name (float)."""
        m = self.metrics if names is None else self.metrics[self.metrics["name"].isin(list(names))]
        if m.empty:
            return pd.DataFrame(index=self.runs.index)
        return m.pivot(index="run_id", columns="name", values="value").reindex(self.runs.index)

    def metric_units(self) -> dict[str, str]:
        return dict(zip(self.metrics["name"], self.metrics["unit"]))

    def metric(self, name: str) -> pd.Series:
        """One metric for every run that has it (index run_id)."""
        m = self.metrics[self.metrics["name"] == name]
        return pd.Series(m["value"].to_numpy(), index=m["run_id"].to_numpy(), name=name)

    def series(self, run_id: int) -> pd.DataFrame:
        """Per-epoch counters and derived series of a run (index t_s)."""
        return self.run(run_id).series()

    def timeseries(self, names: Sequence[str], run_ids: Iterable[int] | None = None) -> pd.DataFrame:
        """Tidy time series: run_id, epoch, t_s, name, value (runs without HDF5 are skipped)."""
        ids = list(self.complete_runs().index) if run_ids is None else [int(r) for r in run_ids]
        parts = []
        for rid in ids:
            if not self.has_h5(rid):
                continue
            s = self.series(rid)
            have = [n for n in names if n in s.columns]
            if not have or s.empty:
                continue
            w = s[have].reset_index()
            w.insert(0, "epoch", np.arange(len(w)))
            t = w.melt(id_vars=["epoch", "t_s"], var_name="name", value_name="value")
            t.insert(0, "run_id", rid)
            parts.append(t)
        if not parts:
            return pd.DataFrame(columns=["run_id", "epoch", "t_s", "name", "value"])
        return pd.concat(parts, ignore_index=True)

    def events_of(self, type_: str, run_ids: Iterable[int] | None = None) -> pd.DataFrame:
        e = self.events[self.events["type"] == type_]
        if run_ids is not None:
            e = e[e["run_id"].isin(list(run_ids))]
        return e

    def histogram(self, prefix: str, run_id: int) -> pd.Series:
        """A latency histogram stored as metrics ``<prefix>.<lower edge ns>``: counts indexed by edge."""
        m = self.metrics[(self.metrics["run_id"] == run_id) & self.metrics["name"].str.startswith(prefix + ".")]
        if m.empty:
            return pd.Series(dtype=float)
        edges = m["name"].str.slice(len(prefix) + 1).astype(np.int64)
        return pd.Series(m["value"].to_numpy(), index=edges.to_numpy()).sort_index()

    def config(self, run_id: int) -> dict:
        try:
            return json.loads(self.runs.at[int(run_id), "config"])
        except (ValueError, TypeError):
            return {}
