# SPDX-License-Identifier: MIT
"""fragsim analysis: load experiment results, draw them, write the HTML report.

- :mod:`analysis.fragdb`: the one loader (SQLite database + HDF5 files -> pandas).
- :mod:`analysis.stats`: mean, 95% confidence intervals, paired/Welch t-tests
  (Student t implemented here, no scipy needed).
- :mod:`analysis.plots`: matplotlib figures (PNG + SVG) with a fixed palette.
- :mod:`analysis.report`: ``python3 -m analysis.report DB -o DIR`` (what
  ``fragsim report`` runs) writes ``DIR/index.html``.

Only the Python standard library, numpy, pandas, matplotlib and h5py are used
(Debian's python3-* packages; run with /usr/bin/python3).
"""

__all__ = ["fragdb", "stats", "plots", "report"]
