"""Notebooks run top to bottom (they only call the library).

They need the default model and, for the real data, ../shared; they fall back to the bundled
sample when ../shared is absent, but executing them is slow, so this test runs them only when
../shared is present (as in CI) and skips with a reason otherwise.
"""
from __future__ import annotations

import pytest

NOTEBOOKS = ["press_conferences_trend.ipynb", "evaluation_report.ipynb", "replication.ipynb"]


@pytest.mark.slow
@pytest.mark.shared
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs(name, repo_dir, shared_dir, tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    if not (repo_dir / "models" / "default" / "config.json").exists():
        pytest.skip("models/default is missing")
    nb = nbformat.read(repo_dir / "notebooks" / name, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=900, kernel_name="python3",
                                     resources={"metadata": {"path": str(repo_dir / "notebooks")}})
    client.execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
    # every code cell ran
    assert all(c.get("execution_count") for c in nb.cells if c.cell_type == "code" and c.source.strip())
