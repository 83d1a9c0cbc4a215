# SPDX-License-Identifier: MIT
"""The palette, figure sizes and saving conventions shared by every plot.

Colours never depend on what a particular report holds: a migratetype, a map
category, a buddy order, an SPB category or a known policy always gets the
same colour. Unknown policies get a colour from a fixed list chosen by a
CRC-32 of their name, so they keep it from one report to the next.

Every figure is written twice, ``NAME.png`` (``DPI`` dots per inch, the exact
pixel size of :data:`SIZES`) and ``NAME.svg``; ``bbox_inches`` is never
"tight" so the PNG size is known in advance (the tests check it).
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

__all__ = ["DPI", "MT_COLORS", "MAP_CATEGORIES", "SPB_CATEGORY_COLORS", "order_color", "policy_color",
           "policy_colors", "PlotFile", "save", "new_figure", "no_data", "SIZES", "rgb"]

DPI = 100

#: Figure sizes in inches, by kind (PNG pixels = inches x DPI).
SIZES: dict[str, tuple[float, float]] = {
    "wide": (10.0, 4.5),        # one panel, time on x
    "tall": (10.0, 7.0),        # two stacked panels
    "grid": (12.0, 8.0),        # A/B grid of 2 x 3 panels
    "bar": (10.0, 5.0),
    "square": (7.0, 6.0),       # heat map
}

#: Migratetype colours, in the kernel's enum migratetype order.
MT_COLORS: dict[str, str] = {
    "Unmovable": "#c0392b",     # red
    "Movable": "#3b82c4",       # blue
    "Reclaimable": "#e69f00",   # amber
    "HighAtomic": "#8e44ad",    # purple
    "CMA": "#17a589",           # teal
    "Isolate": "#1b1b1b",       # near black
}

#: The physical memory map's cell categories: (key, label, colour), in legend order.
MAP_CATEGORIES: list[tuple[str, str, str]] = [
    ("free", "free (whole pageblock)", "#e3e3e3"),
    ("Movable", "Movable", MT_COLORS["Movable"]),
    ("Movable_mixed", "Movable, mixed", "#173f66"),
    ("Reclaimable", "Reclaimable", MT_COLORS["Reclaimable"]),
    ("Reclaimable_mixed", "Reclaimable, mixed", "#8a5a00"),
    ("Unmovable", "Unmovable", MT_COLORS["Unmovable"]),
    ("Unmovable_mixed", "Unmovable, mixed", "#6e1a12"),
    ("HighAtomic", "HighAtomic", MT_COLORS["HighAtomic"]),
    ("CMA", "CMA", MT_COLORS["CMA"]),
    ("Isolate", "Isolate (isolated)", MT_COLORS["Isolate"]),
    ("hugetlb_2m", "hugetlb 2 MiB", "#f4a6c8"),
    ("hugetlb_1g", "hugetlb 1 GiB", "#2ecc71"),
    ("reserved", "reserved / holes", "#95a5a6"),
    ("absent", "not in any zone", "#ffffff"),
]

SPB_CATEGORY_COLORS = {"empty": "#d5d8dc", "clean": "#3b82c4", "tainted": "#c0392b"}

#: Policies with a fixed colour; others hash into OTHER_POLICY_COLORS.
KNOWN_POLICY_COLORS = {
    "linux": "#1f77b4",
    "linux-defrag": "#ff7f0e",
    "spb": "#2ca02c",
    "spb-steer": "#98df8a",
    "pcpbuddy": "#d62728",
    "nomobility": "#7f7f7f",
    "hugetlb-boot": "#8c564b",
    "cma": "#9467bd",
    "contiguitas": "#e377c2",
}
OTHER_POLICY_COLORS = ["#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#393b79",
                       "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd"]


def rgb(hex_colour: str) -> tuple[int, int, int]:
    h = hex_colour.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def order_color(order: int, nr_orders: int = 11):
    """Buddy order colours: a sequential map, order 0 dark to order 10 light."""
    return plt.get_cmap("viridis")(order / max(1, nr_orders - 1))


def policy_color(policy: str) -> str:
    if policy in KNOWN_POLICY_COLORS:
        return KNOWN_POLICY_COLORS[policy]
    return OTHER_POLICY_COLORS[zlib.crc32(policy.encode()) % len(OTHER_POLICY_COLORS)]


def policy_colors(policies: list[str]) -> dict[str, str]:
    return {p: policy_color(p) for p in policies}


@dataclass(frozen=True)
class PlotFile:
    """A written figure: its base name, PNG and SVG paths, PNG size in pixels and caption."""
    name: str
    png: Path
    svg: Path | None
    size_px: tuple[int, int]        # (width, height)
    title: str
    caption: str = ""
    section: str = ""


def new_figure(kind: str = "wide", nrows: int = 1, ncols: int = 1, **kw):
    """A figure of a standard size with constrained layout."""
    fig, axes = plt.subplots(nrows, ncols, figsize=SIZES[kind], dpi=DPI, layout="constrained", **kw)
    return fig, axes


def no_data(ax, message: str = "no data") -> None:
    """Mark an axes as empty: the figure says why instead of the plot crashing."""
    ax.text(0.5, 0.5, message, transform=ax.transAxes, ha="center", va="center", fontsize=12,
            color="#555555", wrap=True)
    # Hide this axes' ticks only (set_xticks([]) would clear axes sharing it).
    ax.tick_params(left=False, bottom=False, labelleft=False, labelbottom=False)
    ax.grid(False)
    for s in ax.spines.values():
        s.set_color("#bbbbbb")


def save(fig: Figure, outdir: Path, name: str, title: str, caption: str = "", section: str = "",
         svg: bool = True) -> PlotFile:
    """Write NAME.png and NAME.svg and close the figure."""
    outdir.mkdir(parents=True, exist_ok=True)
    png = outdir / f"{name}.png"
    fig.savefig(png, dpi=DPI, metadata={"Software": "fragsim analysis"})
    svg_path = None
    if svg:
        # The layout is settled by the PNG: keep it rather than solving it again.
        if fig.get_layout_engine() is not None:
            fig.set_layout_engine("none")
        svg_path = outdir / f"{name}.svg"
        fig.savefig(svg_path, metadata={"Date": None})
    w, h = fig.get_size_inches()
    size = (int(round(w * DPI)), int(round(h * DPI)))
    plt.close(fig)
    return PlotFile(name, png, svg_path, size, title, caption, section)
