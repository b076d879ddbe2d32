"""Evaluation against hand-coded labels: metrics, coder agreement, bootstrap CIs, calibration,
error tables, cross-validation and reports.

Submodules are pure functions over arrays (``metrics``, ``agreement``, ``bootstrap``,
``calibration``, ``errors``, ``cv``); ``run`` orchestrates them into one result dict and
``report`` writes it to disk. Import the submodules directly, e.g.
``from nlp.evaluation.run import evaluate_model``; this package imports nothing heavy.
"""
