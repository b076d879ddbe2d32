"""Evaluation metrics against hand-computed values (nlp.evaluation.metrics, bootstrap, calibration)."""
from __future__ import annotations

import math
import time

import numpy as np
import pytest

from nlp.evaluation import metrics as M
from nlp.evaluation.bootstrap import bootstrap_binary, bootstrap_scores, percentile_interval, resample_weights
from nlp.evaluation.calibration import expected_calibration_error, reliability_bins, threshold_sweep

# 5 documents × 3 labels. Per label (tp, fp, fn, tn): a (2,1,0,2), b (1,0,1,3), c (1,1,1,2).
Y_TRUE = np.array([[1, 0, 1], [1, 1, 0], [0, 0, 1], [0, 1, 0], [0, 0, 0]])
Y_PRED = np.array([[1, 0, 0], [1, 0, 0], [1, 0, 1], [0, 1, 1], [0, 0, 0]])
LABELS = ["a", "b", "c"]


def test_per_label_precision_recall_f1_support():
    rows = M.per_label_metrics(Y_TRUE, Y_PRED, LABELS)
    assert [r["label"] for r in rows] == LABELS
    assert [r["precision"] for r in rows] == pytest.approx([2 / 3, 1.0, 0.5])
    assert [r["recall"] for r in rows] == pytest.approx([1.0, 0.5, 0.5])
    assert [r["f1"] for r in rows] == pytest.approx([0.8, 2 / 3, 0.5])
    assert [r["support"] for r in rows] == [2, 2, 2]
    assert [r["predicted"] for r in rows] == [3, 1, 2]


def test_kappa_and_alpha_hand_computed():
    rows = M.per_label_metrics(Y_TRUE, Y_PRED, LABELS)
    # a: po=.8, pe=.48 -> 8/13; b: po=.8, pe=.56 -> 6/11; c: po=.6, pe=.52 -> 1/6
    assert [r["kappa"] for r in rows] == pytest.approx([8 / 13, 6 / 11, 1 / 6])
    # alpha = 1 - (2m-1) d / (n0 n1): a 1-9/25, b 1-9/21, c 1-18/24
    assert [r["alpha"] for r in rows] == pytest.approx([16 / 25, 4 / 7, 0.25])


def test_overall_metrics_hand_computed():
    ov = M.overall_metrics(Y_TRUE, Y_PRED)
    assert ov["micro_precision"] == pytest.approx(4 / 6)
    assert ov["micro_recall"] == pytest.approx(4 / 6)
    assert ov["micro_f1"] == pytest.approx(2 / 3)
    assert ov["macro_f1"] == pytest.approx(59 / 90)
    assert ov["weighted_f1"] == pytest.approx(59 / 90)  # equal supports
    assert ov["subset_accuracy"] == pytest.approx(1 / 5)
    assert ov["hamming_loss"] == pytest.approx(4 / 15)
    # pooled alpha over 15 (doc, label) units: d=4, n1=2*4+4=12, n0=2*7+4=18
    assert ov["alpha_overall"] == pytest.approx(1 - 29 * 4 / (18 * 12))
    assert ov["n_docs"] == 5


def test_weighted_f1_uses_support():
    t = np.array([[1, 0], [1, 0], [1, 1], [0, 0]])
    p = np.array([[1, 0], [1, 0], [1, 0], [0, 0]])
    # label 0: F1 1 (support 3); label 1: F1 0 (support 1) -> weighted 3/4, macro 1/2
    ov = M.overall_metrics(t, p)
    assert ov["weighted_f1"] == pytest.approx(0.75)
    assert ov["macro_f1"] == pytest.approx(0.5)


@pytest.mark.parametrize("a, b, kappa, alpha", [
    ([0, 0, 0, 0], [0, 0, 0, 0], math.nan, math.nan),      # never present: undefined
    ([1, 1, 1, 1], [1, 1, 1, 1], math.nan, math.nan),      # always present: undefined too
    ([1, 0, 1, 0], [1, 0, 1, 0], 1.0, 1.0),                 # perfect agreement with variation
    ([1, 0, 1, 0], [0, 1, 0, 1], -1.0, -0.75),              # all disagreement: alpha = 1 - 7*4/16
    ([0, 0, 0, 0], [1, 0, 0, 0], 0.0, 0.0),                 # gold never present, one prediction
])
def test_kappa_alpha_edge_cases(a, b, kappa, alpha):
    k, al = M.cohen_kappa(a, b), M.krippendorff_alpha(a, b)
    for got, want in ((k, kappa), (al, alpha)):
        if math.isnan(want):
            assert math.isnan(got)
        else:
            assert got == pytest.approx(want)
    # the vectorised count route pins the same edge cases
    sc = M.scores_from_counts(M.counts(np.array(a)[:, None], np.array(b)[:, None]))
    for got, want in ((sc["kappa"][0], kappa), (sc["alpha"][0], alpha)):
        assert (math.isnan(got) and math.isnan(want)) or got == pytest.approx(want)


def test_label_never_present_scores_zero_f1_and_null_kappa():
    t = np.array([[1, 0], [0, 0], [1, 0]])
    p = np.array([[1, 0], [0, 0], [0, 0]])
    rows = M.per_label_metrics(t, p, ["x", "y"])
    assert rows[1]["f1"] == 0.0 and rows[1]["precision"] == 0.0 and rows[1]["recall"] == 0.0
    assert math.isnan(rows[1]["kappa"]) and math.isnan(rows[1]["alpha"])


@pytest.mark.parametrize("cols", [[0, 1, 2, 3], [0]])  # one label: sklearn would read a binary target
def test_count_route_matches_sklearn_and_krippendorff(cols):
    rng = np.random.default_rng(3)
    t = (rng.random((60, 4)) < [0.5, 0.2, 0.05, 0.7]).astype(int)
    p = np.where(rng.random(t.shape) < 0.8, t, 1 - t)
    t, p = t[:, cols], p[:, cols]
    sc = M.scores_from_counts(M.counts(t, p))
    rows = M.per_label_metrics(t, p, list("wxyz")[:len(cols)])
    ov = M.overall_metrics(t, p)
    for stat in ("precision", "recall", "f1", "kappa", "alpha"):
        assert sc[stat] == pytest.approx([r[stat] for r in rows], nan_ok=True)
    for stat in ("micro_f1", "macro_f1", "weighted_f1", "subset_accuracy", "hamming_loss", "alpha_overall",
                 "micro_precision", "micro_recall"):
        assert float(sc[stat]) == pytest.approx(ov[stat])


def test_one_label_codebook_scores_the_label_not_its_absence():
    t, p = np.array([[1], [1], [0], [0]]), np.array([[1], [0], [0], [0]])
    row = M.per_label_metrics(t, p, ["x"])[0]
    assert (row["precision"], row["recall"], row["support"]) == (1.0, 0.5, 2)
    assert row["f1"] == pytest.approx(2 / 3)  # was P .667, R 1, F1 .8: the class "absent"
    ov = M.overall_metrics(t, p)
    assert (ov["micro_precision"], ov["micro_recall"]) == (1.0, 0.5)
    assert ov["micro_f1"] == ov["macro_f1"] == ov["weighted_f1"] == pytest.approx(2 / 3)
    bm = M.binary_measure(t[:, 0], p[:, 0])
    assert [row[k] for k in ("precision", "recall", "f1")] == [bm[k] for k in ("precision", "recall", "f1")]


def test_check_binary_rejects_bad_input():
    with pytest.raises(ValueError, match="0/1"):
        M.check_binary(np.array([[0, 2]]), "Y_pred")
    with pytest.raises(ValueError, match="expected 3"):
        M.check_binary(np.zeros((2, 2)), "Y_true", 3)
    with pytest.raises(ValueError, match="rows"):
        M.per_label_metrics(np.zeros((2, 1)), np.zeros((3, 1)), ["x"])


def test_storytelling_flag_measure(codebook):
    # R1-R4 are storytelling; covid alone is not
    gold = codebook.to_matrix([["covid", "generosity"], ["covid"], ["covid", "anti_overreaction"], [], ["effective_response", "covid"]])
    pred = codebook.to_matrix([["covid", "effective_response"], ["covid", "generosity"], ["covid"], [], ["covid", "effective_response"]])
    res = M.evaluate_arrays(gold, pred, codebook)["storytelling"]
    # flags gold [1,0,1,0,1], pred [1,1,0,0,1] -> tp2 fp1 fn1 tn1
    assert (res["support"], res["predicted"]) == (3, 3)
    assert res["precision"] == pytest.approx(2 / 3) and res["recall"] == pytest.approx(2 / 3)
    assert res["f1"] == pytest.approx(2 / 3)
    assert res["accuracy"] == pytest.approx(3 / 5)
    # po=.6, pe=.6*.6+.4*.4=.52 -> kappa=.08/.48
    assert res["kappa"] == pytest.approx(1 / 6)


def test_silk_road_confusion_matrix(codebook):
    gold = codebook.to_matrix([["health_silk_road"], ["digital_silk_road"], ["health_silk_road", "digital_silk_road"], [], ["health_silk_road"]])
    pred = codebook.to_matrix([["health_silk_road"], [], ["digital_silk_road"], [], ["health_silk_road", "digital_silk_road"]])
    sr = M.evaluate_arrays(gold, pred, codebook)["silk_road"]
    assert sr["categories"] == ["health", "digital", "general", "none"]
    assert sr["matrix"] == [[1, 0, 1, 0],
                            [0, 0, 0, 1],
                            [0, 1, 0, 0],
                            [0, 0, 0, 1]]
    assert sr["accuracy"] == pytest.approx(2 / 5)
    with pytest.raises(ValueError, match="unknown Silk Road"):
        M.silk_road_confusion(["health"], ["both"])


# ---- bootstrap ------------------------------------------------------------------------------------
def _noisy(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    t = (rng.random((n, 3)) < [0.5, 0.3, 0.2]).astype(int)
    p = np.where(rng.random(t.shape) < 0.85, t, 1 - t)
    return t, p


def test_bootstrap_interval_contains_point_estimate():
    t, p = _noisy(200)
    ci = bootstrap_scores(t, p, LABELS, n_boot=500, seed=1)
    rows = M.per_label_metrics(t, p, LABELS)
    ov = M.overall_metrics(t, p)
    for r in rows:
        for stat in ("f1", "kappa", "alpha", "precision", "recall"):
            lo, hi = ci["per_label"][r["label"]][stat]
            assert lo <= r[stat] <= hi, (r["label"], stat)
    for stat in ("macro_f1", "micro_f1", "subset_accuracy", "hamming_loss", "alpha_overall"):
        lo, hi = ci["overall"][stat]
        assert lo <= ov[stat] <= hi, stat
    assert ci["n_boot"] == 500 and ci["seed"] == 1


def test_bootstrap_shrinks_with_more_data_and_is_reproducible():
    t, p = _noisy(100)
    small = bootstrap_scores(t, p, LABELS, n_boot=400, seed=0)
    big = bootstrap_scores(np.tile(t, (9, 1)), np.tile(p, (9, 1)), LABELS, n_boot=400, seed=0)
    w_small = np.diff(small["overall"]["macro_f1"])[0]
    w_big = np.diff(big["overall"]["macro_f1"])[0]
    assert w_big < 0.6 * w_small  # roughly 1/3 the width with 9x the documents
    for lid in LABELS:
        assert np.diff(big["per_label"][lid]["kappa"])[0] < np.diff(small["per_label"][lid]["kappa"])[0]
    assert bootstrap_scores(t, p, LABELS, n_boot=400, seed=0) == small


def test_bootstrap_leaves_out_resamples_where_precision_recall_f1_are_undefined():
    # label a: 3 of 40 docs, all predicted right; ~5% of resamples draw none of them (P, R, F1 undefined)
    n = 40
    t = np.zeros((n, 2), int)
    t[:3, 0] = 1
    t[:, 1] = np.arange(n) % 2
    ci = bootstrap_scores(t, t, ["a", "b"], n_boot=1000, seed=0)
    undefined = int((resample_weights(n, 1000, 0)[:, :3].sum(axis=1) == 0).sum())
    assert undefined > 0
    for stat in ("precision", "recall", "f1", "kappa", "alpha"):
        assert ci["per_label"]["a"][stat] == [1.0, 1.0], stat  # was [0.0, 1.0] for P/R/F1
        assert ci["n_used"]["per_label"]["a"][stat] == 1000 - undefined
        assert ci["n_used"]["per_label"]["b"][stat] == 1000
    # macro-F1 keeps the point estimate's definition: every resample, a label absent there scores 0
    # (the ~4% of resamples without label a give (0 + 1) / 2)
    assert ci["n_used"]["overall"]["macro_f1"] == 1000 and ci["overall"]["macro_f1"] == [0.5, 1.0]
    # precision needs a prediction, recall a gold positive, F1 either
    only_gold = bootstrap_binary(t[:, 0], np.zeros(n, int), n_boot=1000, seed=0)
    assert only_gold["n_used"]["precision"] == 0 and math.isnan(only_gold["precision"][0])
    assert only_gold["n_used"]["recall"] == only_gold["n_used"]["f1"] == 1000 - undefined
    assert only_gold["recall"] == only_gold["f1"] == [0.0, 0.0]


def test_resample_weights_are_resamples():
    W = resample_weights(50, 20, seed=4)
    assert W.shape == (20, 50)
    assert (W.sum(axis=1) == 50).all() and (W >= 0).all()
    with pytest.raises(ValueError, match="empty"):
        resample_weights(0, 10)


def test_percentile_interval_ignores_undefined_replicates():
    s = np.array([[np.nan, 1.0], [np.nan, 2.0], [np.nan, 3.0]])
    lo, hi = percentile_interval(s, 0.5)
    assert math.isnan(lo[0]) and math.isnan(hi[0])
    assert (lo[1], hi[1]) == (1.5, 2.5)


def test_bootstrap_is_fast_at_gold_size():
    t, p = _noisy(1238)
    t = np.hstack([t, t[:, :2], t[:, :2]])
    p = np.hstack([p, p[:, :2], p[:, :2]])
    start = time.perf_counter()
    bootstrap_scores(t, p, list("abcdefg"), n_boot=1000, seed=0)
    assert time.perf_counter() - start < 5.0


# ---- calibration ---------------------------------------------------------------------------------------
def test_reliability_bins_and_ece():
    y, p = [0, 1, 1, 0], [0.1, 0.15, 0.85, 0.95]
    b = reliability_bins(y, p, n_bins=2)
    assert b["count"] == [2, 2]
    assert b["mean_pred"] == pytest.approx([0.125, 0.9])
    assert b["frac_pos"] == pytest.approx([0.5, 0.5])
    # .5*|.5-.125| + .5*|.5-.9|
    assert expected_calibration_error(y, p, n_bins=2) == pytest.approx(0.3875)
    assert reliability_bins([1], [1.0], n_bins=4)["count"] == [0, 0, 0, 1]  # 1.0 falls in the last bin
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        reliability_bins([1], [1.5])


def test_reliability_bins_put_edge_probabilities_in_the_bin_above():
    # linspace's 4th edge is 0.30000000000000004: 0.3 used to pool with 0.2 (ECE 0.25)
    y, p = [0] * 5 + [1] * 5, [0.3] * 5 + [0.2] * 5
    assert reliability_bins(y, p)["count"] == [0, 0, 5, 5, 0, 0, 0, 0, 0, 0]
    assert expected_calibration_error(y, p) == pytest.approx(0.55)  # .5*.3 + .5*.8
    assert reliability_bins([0, 0, 0], [0.6, 0.7, 1 / 3], n_bins=10)["count"] == [0, 0, 0, 1, 0, 0, 1, 1, 0, 0]
    assert reliability_bins([0], [1 / 3], n_bins=3)["count"] == [0, 1, 0]


def test_threshold_sweep():
    s = threshold_sweep([0, 1, 1, 0], [0.1, 0.15, 0.85, 0.95], thresholds=[0.1, 0.5, 0.9])
    assert s["f1"] == pytest.approx([2 / 3, 0.5, 0.0])
    assert s["precision"] == pytest.approx([0.5, 0.5, 0.0])
    assert s["recall"] == pytest.approx([1.0, 0.5, 0.0])
    assert s["best_threshold"] == 0.1 and s["best_f1"] == pytest.approx(2 / 3)


def test_threshold_sweep_best_is_smallest_threshold_in_any_order():
    s = threshold_sweep([1, 0], [0.6, 0.2], thresholds=[0.5, 0.3])  # both give F1 1
    assert s["f1"] == [1.0, 1.0] and s["best_threshold"] == 0.3
