"""Sentence-level cue context (framed / disputed cues) and its fast path."""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from nlp.cue_context import CueContext


def test_framed_and_disputed(codebook):
    cc = CueContext(codebook)
    texts = ["The two cities signed a 5G cooperation agreement. Huawei is a company.",
             "The US sanctions on Huawei are a crackdown on 5G.",
             "两市签署5G合作协议。华为是一家公司。",
             "The weather is fine."]
    framed, disputed = cc.counts(texts)
    dsr = codebook.index("digital_silk_road")
    assert framed[:, dsr].tolist() == [1, 0, 1, 0]      # one sentence with a cue AND a framing word
    assert disputed[:, dsr].tolist() == [0, 1, 0, 0]    # technology cue in a sanctions sentence
    # labels without frame/counter cues stay zero
    assert framed[:, codebook.index("generosity")].sum() == 0


def test_frame_must_share_the_sentence(codebook):
    cc = CueContext(codebook)
    framed, _ = cc.counts(["We discussed 5G. Separately, the cooperation on tourism grows."])
    assert framed[0, codebook.index("digital_silk_road")] == 0


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(["5G", "cooperation", "sanctions", "华为", "合作", "制裁", "。", ". ", "\n", "x", " ",
                                 "vaccine", "aid", "疫苗", "援助", "cooperative", "5Gs"]), max_size=30))
def test_fast_path_equals_reference(codebook, parts):
    cc = CueContext(codebook)
    text = "".join(parts)
    f1, d1 = cc.counts([text])
    f2, d2 = cc.counts([text], reference=True)
    assert np.array_equal(f1, f2) and np.array_equal(d1, d2)


def test_fused_scan_gives_the_context_counts(codebook):
    from nlp.cues import CueMatcher, cue_features

    cc = CueContext(codebook)
    texts = ["两市签署5G合作协议。华为是一家公司。", "The US sanctions on Huawei are a crackdown on 5G.", "无关。"]
    _, _, _, framed, disputed = cue_features(CueMatcher(codebook), cc, texts)
    dsr = codebook.index("digital_silk_road")
    assert framed[:, dsr].tolist() == [1, 0, 0]
    assert disputed[:, dsr].tolist() == [0, 1, 0]
    f2, d2 = cc.counts(texts, reference=True)
    assert np.array_equal(framed, f2) and np.array_equal(disputed, d2)
