# SPDX-License-Identifier: MIT
"""The physical memory map: one row per 1 GiB region (superpageblock), one
cell per 2 MiB pageblock (512 columns), coloured by what the pageblock is.

Cell categories (:data:`analysis.plots.style.MAP_CATEGORIES`), first match wins:

1. ``free``: every page of the pageblock is free in the buddy (code 0x08);
2. ``hugetlb_1g`` / ``hugetlb_2m``: holds hugetlb pages (0x20). A pageblock is
   part of a 1 GiB page when every pageblock of its 1 GiB region holds hugetlb
   pages and the run recorded a successful ``hugetlb_1g`` event in that region
   before the epoch; otherwise it is a 2 MiB hugetlb page;
3. ``Isolate``, ``HighAtomic``, ``CMA``: by ``get_pageblock_migratetype()``;
4. ``reserved``: holds hole or reserved pages (0x40): such a pageblock can never
   become a free 2 MiB block;
5. ``Unmovable`` / ``Movable`` / ``Reclaimable``, or their ``_mixed`` variant when
   the pageblock holds pages allocated with another migratetype (0x10).

Cells of a region that belong to no zone are white. The image is drawn at an
exact pixel scale (2 pixels per pageblock column, a fixed height per row chosen
from the number of rows) so that :class:`MapLayout` can tell which pixel shows
which pageblock; the tests sample cells against the HDF5 map.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..fragdb import (MIGRATETYPES, PAGEBLOCKS_PER_SPB, PB_FREE, PB_HUGETLB, PB_MIXED, PB_MT_MASK, PB_RESERVED,
                      SPB_ORDER, Experiment, MapGeometry)
from .style import DPI, MAP_CATEGORIES, PlotFile, rgb, save

__all__ = ["classify", "map_image", "MapLayout", "layout_for", "plot_map", "plot_map_gif", "CATEGORY_INDEX",
           "PALETTE", "pick_epochs"]

CATEGORY_INDEX = {key: i for i, (key, _, _) in enumerate(MAP_CATEGORIES)}
PALETTE = np.array([rgb(c) for _, _, c in MAP_CATEGORIES], dtype=np.uint8)
ABSENT = CATEGORY_INDEX["absent"]

# Pixel layout of the static map (see layout_for()).
COL_PX = 2
LEFT_PX, RIGHT_PX, TOP_PX, BOTTOM_PX = 100, 520, 56, 64
ZONE_LABEL_PX = 150
LEGEND_MIN_H = 40 + 18 * ((len(MAP_CATEGORIES) + 1) // 2)


def row_px(nrows: int) -> int:
    """Pixels per 1 GiB row: big for small machines, at least one for huge ones."""
    for limit, px in ((4, 40), (8, 24), (32, 12), (96, 6), (400, 3), (800, 2)):
        if nrows <= limit:
            return px
    return 1


@dataclass(frozen=True)
class MapLayout:
    """Where the map image sits in the PNG (pixels, origin top-left)."""
    nrows: int
    ncols: int
    left: int
    top: int
    col_px: int
    row_px: int
    width: int
    height: int

    def cell_center(self, row: int, col: int) -> tuple[int, int]:
        """(x, y) pixel at the centre of cell (row, col)."""
        return (self.left + col * self.col_px + self.col_px // 2, self.top + row * self.row_px + self.row_px // 2)


def layout_for(nrows: int) -> MapLayout:
    rp = max(row_px(nrows), min(80, -(-LEGEND_MIN_H // nrows)))   # small machines: fill the legend's height
    img_h = nrows * rp
    h = max(TOP_PX + img_h + BOTTOM_PX, TOP_PX + LEGEND_MIN_H + BOTTOM_PX)
    w = LEFT_PX + PAGEBLOCKS_PER_SPB * COL_PX + RIGHT_PX
    return MapLayout(nrows, PAGEBLOCKS_PER_SPB, LEFT_PX, TOP_PX, COL_PX, rp, w, h)


def gib_hugetlb_regions(exp: Experiment, run_id: int, t_s: float) -> set[int]:
    """1 GiB regions given to a successful hugetlb_1g request at or before t_s."""
    ev = exp.events_of("hugetlb_1g", [run_id])
    ev = ev[(ev["outcome"] == "ok") & (ev["t_s"] <= t_s + 1e-12) & ev["pfn"].notna()]
    return {int(p) >> SPB_ORDER for p in ev["pfn"]}


def classify(codes: np.ndarray, geo: MapGeometry, gib_regions: set[int] | None = None) -> np.ndarray:
    """Category index (:data:`CATEGORY_INDEX`) of every pageblock of a map."""
    codes = np.asarray(codes, dtype=np.uint8)
    mt = codes & PB_MT_MASK
    mixed = (codes & PB_MIXED) != 0
    cat = np.full(codes.shape, ABSENT, np.int16)
    done = np.zeros(codes.shape, bool)

    def put(sel, key):
        nonlocal done
        sel = sel & ~done
        cat[sel] = CATEGORY_INDEX[key]
        done |= sel

    put((codes & PB_FREE) != 0, "free")
    htlb = (codes & PB_HUGETLB) != 0
    if htlb.any():
        gib = np.zeros(codes.shape, bool)
        if gib_regions:
            # A whole region of hugetlb pageblocks that a 1 GiB request was given.
            regions = geo.region[htlb]
            uniq, counts = np.unique(regions, return_counts=True)
            whole = {int(r) for r, c in zip(uniq, counts) if c == PAGEBLOCKS_PER_SPB and int(r) in gib_regions}
            if whole:
                gib = htlb & np.isin(geo.region, list(whole))
        put(gib, "hugetlb_1g")
        put(htlb, "hugetlb_2m")
    put(mt == 5, "Isolate")
    put(mt == 3, "HighAtomic")
    put(mt == 4, "CMA")
    put((codes & PB_RESERVED) != 0, "reserved")
    for m, name in ((0, "Unmovable"), (1, "Movable"), (2, "Reclaimable")):
        put((mt == m) & mixed, f"{name}_mixed")
        put(mt == m, name)
    return cat


def map_image(cat: np.ndarray, geo: MapGeometry) -> np.ndarray:
    """[rows][512] category grid (absent where no zone has the pageblock)."""
    grid = np.full((len(geo.rows), PAGEBLOCKS_PER_SPB), ABSENT, np.int16)
    grid[geo.row, geo.column] = cat
    return grid


def pick_epochs(nr_epochs: int, count: int = 3) -> list[int]:
    """Evenly spread epochs ending with the last (e.g. first third, two thirds, last)."""
    if nr_epochs <= 0:
        return []
    if nr_epochs <= count:
        return list(range(nr_epochs))
    return sorted({int(round((nr_epochs - 1) * (k + 1) / count)) for k in range(count)})


def _region_label(region: int) -> str:
    return f"{region} GiB" if region < 1024 else f"{region / 1024:.2f} TiB"


def _tick_step(nrows: int, max_labels: int = 24) -> int:
    step = 1
    while nrows / step > max_labels:
        step *= 2
    return step


def plot_map(exp: Experiment, run_id: int, epoch: int, outdir: Path, name: str | None = None,
             svg: bool = True) -> tuple[PlotFile, MapLayout]:
    """The memory map of a run at one epoch; returns the file and the pixel layout."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    rd = exp.run(run_id)
    T = rd.nr_epochs()
    epoch = epoch % T
    t_s = float(rd.t_s()[epoch])
    geo = rd.map_geometry()
    cat = classify(rd.pageblock_map(epoch), geo, gib_hugetlb_regions(exp, run_id, t_s))
    grid = map_image(cat, geo)
    lay = layout_for(len(geo.rows))
    fig = plt.figure(figsize=((lay.width + 0.01) / DPI, (lay.height + 0.01) / DPI), dpi=DPI)
    W, H = lay.width, lay.height
    img_w, img_h = lay.ncols * lay.col_px, lay.nrows * lay.row_px
    ax = fig.add_axes([lay.left / W, (H - lay.top - img_h) / H, img_w / W, img_h / H])
    ax.imshow(PALETTE[grid], interpolation="nearest", aspect="auto", extent=(0, lay.ncols, lay.nrows, 0),
              resample=False)
    ax.set_xlim(0, lay.ncols)
    ax.set_ylim(lay.nrows, 0)
    for sp in ax.spines.values():       # a frame just outside the cells, not over them
        sp.set_position(("outward", 2))
        sp.set_linewidth(0.6)
    xt = np.arange(0, lay.ncols + 1, 64)
    ax.set_xticks(xt)
    ax.set_xticklabels([f"{x * 2}" for x in xt], fontsize=8)
    ax.set_xlabel("offset in the 1 GiB region (MiB; one cell = one 2 MiB pageblock)", fontsize=9)
    step = _tick_step(lay.nrows)
    yt = np.arange(0, lay.nrows, step)
    ax.set_yticks(yt + 0.5)
    ax.set_yticklabels([_region_label(int(geo.rows[r])) for r in yt], fontsize=8)
    ax.set_ylabel("1 GiB region (physical address)", fontsize=9)
    # Zone starts, marked in the right margin (nothing is drawn over the cells).
    z = rd.zones()
    starts: dict[int, list[str]] = {}
    for zi, zr in z.iterrows():
        if int(zr["nr_pageblocks"]) == 0:
            continue
        first = int(zr["first_pageblock"])
        col = int(geo.column[first])
        starts.setdefault(int(geo.row[first]), []).append(
            zr["zone"] + (f" from {col * 2} MiB" if col else ""))
    free_px = -1e9                      # first pixel row below the previous label
    for row, names in sorted(starts.items()):
        y = row + (0.5 if lay.nrows < 16 else 0)
        # Labels of zones starting a few rows apart are stacked, not overprinted.
        text_px = max(y * lay.row_px, free_px)
        free_px = text_px + 10 * len(names) + 2
        ax.annotate("\n".join(names), xy=(lay.ncols, y), xytext=(lay.ncols + 6, text_px / lay.row_px),
                    fontsize=7, va="top" if lay.nrows >= 16 else "center", ha="left", annotation_clip=False,
                    arrowprops=dict(arrowstyle="-", lw=0.6, color="black"))
    r = exp.runs.loc[run_id]
    fig.text(lay.left / W, 1 - 14 / H, f"Physical memory map: {r['policy']}, seed {r['seed']}, t = {t_s:g} s "
             f"(epoch {epoch})", fontsize=11, va="top", ha="left", weight="bold")
    fig.text(lay.left / W, 1 - 34 / H, f"{lay.nrows} x 1 GiB regions, {len(cat)} pageblocks; "
             f"{r['scenario']} run {r['uid'][:8]}", fontsize=8, va="top", ha="left", color="#444444")
    counts = np.bincount(cat, minlength=len(MAP_CATEGORIES))
    handles = [Patch(facecolor=c, edgecolor="#666666", lw=0.5, label=f"{lab} ({counts[i]})")
               for i, (_, lab, c) in enumerate(MAP_CATEGORIES)]
    fig.legend(handles=handles, loc="upper left",
               bbox_to_anchor=((lay.left + img_w + ZONE_LABEL_PX) / W, 1 - (lay.top - 8) / H), ncol=2,
               fontsize=8, frameon=False, title="pageblocks (count at this epoch)", title_fontsize=8,
               handlelength=1.2, columnspacing=1.0)
    name = name or f"memmap_r{run_id}_e{epoch}"
    pf = save(fig, outdir, name, f"Memory map, {r['policy']} seed {r['seed']}, t = {t_s:g} s",
              "One row per 1 GiB region, one cell per 2 MiB pageblock; colour = what the pageblock holds.",
              section="memmap", svg=svg)
    return pf, lay


def plot_map_gif(exp: Experiment, run_id: int, outdir: Path, max_frames: int = 60,
                 frame_ms: int = 150) -> PlotFile | None:
    """An animated GIF of the map over the run (at most ``max_frames`` evenly spread epochs)."""
    from PIL import Image, ImageDraw

    rd = exp.run(run_id)
    T = rd.nr_epochs()
    if T == 0:
        return None
    geo = rd.map_geometry()
    epochs = sorted({int(round(x)) for x in np.linspace(0, T - 1, min(T, max_frames))})
    maps = rd.pageblock_maps(epochs)
    t = rd.t_s()
    nrows = len(geo.rows)
    rp = max(1, min(row_px(nrows), 16))
    img_w, img_h = PAGEBLOCKS_PER_SPB * COL_PX, nrows * rp
    head, leg_rows = 20, 4
    per_row = int(np.ceil(len(MAP_CATEGORIES) / leg_rows))
    leg_h = 14 * leg_rows + 6
    W, H = img_w, head + img_h + leg_h
    r = exp.runs.loc[run_id]
    # The static legend strip.
    legend = Image.new("RGB", (W, leg_h), "white")
    d = ImageDraw.Draw(legend)
    cw = W // per_row
    for i, (_, lab, c) in enumerate(MAP_CATEGORIES):
        x, y = (i % per_row) * cw + 4, (i // per_row) * 14 + 4
        d.rectangle([x, y, x + 9, y + 9], fill=rgb(c), outline=(100, 100, 100))
        d.text((x + 13, y - 1), lab, fill=(0, 0, 0))
    frames = []
    for k, e in enumerate(epochs):
        cat = classify(maps[k], geo, gib_hugetlb_regions(exp, run_id, float(t[e])))
        px = PALETTE[map_image(cat, geo)]
        px = np.repeat(np.repeat(px, rp, axis=0), COL_PX, axis=1)
        im = Image.new("RGB", (W, H), "white")
        im.paste(Image.fromarray(px, "RGB"), (0, head))
        im.paste(legend, (0, head + img_h))
        ImageDraw.Draw(im).text((4, 4), f"{r['policy']} seed {r['seed']}   t = {t[e]:7.2f} s   "
                                          f"({nrows} x 1 GiB rows, 2 MiB cells)", fill=(0, 0, 0))
        frames.append(im.convert("P", palette=Image.ADAPTIVE, colors=64))
    outdir.mkdir(parents=True, exist_ok=True)
    path = outdir / f"memmap_r{run_id}.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=frame_ms, loop=0, optimize=False)
    return PlotFile(path.stem, path, None, (W, H), f"Memory map over time, {r['policy']} seed {r['seed']}",
                    f"{len(frames)} frames from t = {t[epochs[0]]:g} s to {t[epochs[-1]]:g} s.", "memmap")
