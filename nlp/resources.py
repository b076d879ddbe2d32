"""Where the bundled data lives: the codebook, the domain dictionaries and the gazetteer tables.

They are kept in ``corpora/`` at the top of the repository (the layout the project fixes), which
an editable install (``make demo``, ``make test``) reads in place. A wheel cannot carry files from
outside the package folder, so ``setup.cfg`` installs the same files as data files, under
``<prefix>/share/silkframe/corpora``; :func:`bundled` looks in both places.
"""
from __future__ import annotations

import site
import sys
from pathlib import Path

__all__ = ["bundled", "candidate_roots"]


def candidate_roots() -> list[Path]:
    """Folders that may hold the bundled ``corpora`` tree, in the order they are tried."""
    roots = [Path(__file__).resolve().parents[1] / "corpora"]
    for prefix in (sys.prefix, getattr(site, "USER_BASE", None), sys.base_prefix):
        if prefix:
            roots.append(Path(prefix) / "share" / "silkframe" / "corpora")
    return roots


def bundled(*parts: str) -> Path:
    """Path of a bundled file or folder (``bundled("dict")``, ``bundled("codebook.yaml")``).

    Raises
    ------
    FileNotFoundError
        Naming every place looked in.
    """
    tried = []
    for root in candidate_roots():
        cand = root.joinpath(*parts)
        if cand.exists():
            return cand
        tried.append(str(cand))
    raise FileNotFoundError(f"bundled {'/'.join(parts)} not found; looked in: {', '.join(tried)} "
                            "(reinstall silkframe, or run from a checkout of the repository)")
