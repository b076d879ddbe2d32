"""The Codebook: bundled v1.1 content, validation errors that say what to fix, derived values."""
from __future__ import annotations

import copy
import dataclasses
import json
import pickle

import numpy as np
import pytest

from nlp.codebook import Codebook, CodebookError, load_codebook

ORDER = ["covid", "effective_response", "anti_stigmatization", "anti_overreaction", "generosity",
         "health_silk_road", "digital_silk_road"]


def _write(tmp_path, data, name="cb.json"):
    p = tmp_path / name
    p.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return p


def _minimal(**over):
    data = {"name": "toy", "version": "0.1",
            "labels": [{"id": "a", "cues": {"en": ["alpha"]}}, {"id": "b", "cues": {"zh": ["乙"]}}]}
    data.update(over)
    return data


def test_bundled_codebook(codebook):
    assert isinstance(codebook, Codebook)
    assert list(codebook.label_ids) == ORDER
    assert codebook.version == "1.1"
    assert codebook.storytelling == ("effective_response", "anti_stigmatization", "anti_overreaction", "generosity")
    assert codebook["generosity"].name["zh"] == "慷慨援助"
    assert "污名化" in codebook.cues("anti_stigmatization", "zh")
    assert codebook["effective_response"].hypothesis["en"].startswith("The text praises")
    assert len(codebook.sha256) == 64
    assert set(codebook.rules) == set(range(1, 12))


def test_codebook_is_immutable(codebook):
    with pytest.raises(dataclasses.FrozenInstanceError):
        codebook.version = "2"
    with pytest.raises(TypeError):
        codebook["covid"].cues["zh"] = ("x",)


def test_to_matrix_and_back(codebook):
    Y = codebook.to_matrix([["generosity", "covid"], [], ["digital_silk_road"]])
    assert Y.tolist() == [[1, 0, 0, 0, 1, 0, 0], [0] * 7, [0, 0, 0, 0, 0, 0, 1]]
    assert codebook.to_labels(Y[0]) == ["covid", "generosity"]  # codebook order, not input order
    with pytest.raises(CodebookError, match="unknown label 'nonsense'"):
        codebook.to_matrix([["nonsense"]])
    assert codebook.to_matrix([["nonsense", "covid"]], strict=False).tolist() == [[1, 0, 0, 0, 0, 0, 0]]
    assert codebook.to_matrix([]).shape == (0, 7)


def test_derived_values(codebook):
    Y = codebook.to_matrix([["health_silk_road"], ["digital_silk_road"], ["health_silk_road", "digital_silk_road"],
                            [], ["covid", "anti_overreaction"]])
    assert codebook.silk_road_category(Y).tolist() == ["health", "digital", "general", "none", "none"]
    assert codebook.storytelling_flag(Y).tolist() == [0, 0, 0, 0, 1]


def test_implications_rule_1(codebook):
    Y = codebook.to_matrix([["generosity"], ["digital_silk_road"]])
    out = codebook.apply_implications(Y)
    assert out[0, codebook.index("covid")] == 1
    assert out[1, codebook.index("covid")] == 0
    P = np.zeros((1, 7))
    P[0, codebook.index("effective_response")] = 0.7
    P[0, codebook.index("covid")] = 0.2
    assert codebook.apply_implications(P)[0, codebook.index("covid")] == pytest.approx(0.7)


def test_own_codebook_json_and_yaml(tmp_path):
    cb = load_codebook(_write(tmp_path, _minimal()))
    assert cb.label_ids == ("a", "b")
    yml = tmp_path / "cb.yaml"
    yml.write_text("name: toy\nversion: '2'\nlabels:\n  - id: x\n    cues: {en: [ex]}\n", encoding="utf-8")
    assert load_codebook(yml).label_ids == ("x",)


@pytest.mark.parametrize("data, message", [
    (_minimal(colour="red"), "unknown top-level field"),
    (_minimal(labels=[{"id": "a", "cues": {"en": ["x"]}}, {"id": "a", "cues": {"en": ["y"]}}]), "duplicate label id 'a'"),
    (_minimal(labels=[{"id": "a", "cues": {"en": []}}]), "cues for 'en' are empty"),
    (_minimal(labels=[{"id": "a", "cues": {"en": ["  "]}}]), "empty cue phrase"),
    (_minimal(labels=[{"id": "a"}]), "'cues' must map"),
    (_minimal(labels=[{"id": "a", "cues": {"en": ["x"]}, "colour": 1}]), "unknown field"),
    (_minimal(labels=[{"cues": {"en": ["x"]}}]), "missing or empty 'id'"),
    (_minimal(storytelling=["zzz"]), "unknown label 'zzz'"),
    (_minimal(implies={"a": ["zzz"]}), "unknown label 'zzz'"),
    (_minimal(silk_road={"green": "a"}), "'silk_road' keys"),
    ({"name": "x", "labels": []}, "missing required field 'version'"),
    (_minimal(labels=[]), "non-empty list"),
    (_minimal(rules={"x": "y"}), "'rules' must map a decision-rule number to its text"),
    (_minimal(rules=["one"]), "'rules' must be a mapping"),
    (_minimal(labels=[{"id": "a", "cues": {"en": ["x"]}, "rules": ["one"]}]), r"\(a\): 'rules' must be a list of decision-rule numbers"),
    (_minimal(labels=[{"id": "a", "cues": {"en": ["x"]}, "rules": 1}]), r"\(a\): 'rules' must be a list of decision-rule numbers"),
    (_minimal(labels=[{"id": "a", "cues": {"en": ["x"]}, "name": ["a"]}]), r"\(a\): 'name' must be a string or map"),
    (_minimal(labels=[{"id": "a", "cues": {"en": ["x"]}, "counter_cues": "x"}]), r"\(a\): 'counter_cues' must map a language code"),
    (_minimal(labels=[{"id": "a", "cues": {"en": "x"}}]), "cues for 'en' must be a list of phrases, got str"),
    (_minimal(labels=[{"id": "a", "cues": {"zh": [None, "新冠肺炎"]}}]), r"\(a\): cues for 'zh' hold None, not a phrase"),
    (_minimal(labels=[{"id": "a", "cues": {"en": ["x"]}, "frame_cues": {"en": [None]}}]), "frame_cues for 'en' must be"),
    (_minimal(name=["a"]), "'name' must be a non-empty string"),
    (_minimal(implies=["a"]), "'implies' must be a mapping"),
    (_minimal(silk_road="a"), "'silk_road' must be a mapping"),
    (_minimal(storytelling={"a": 1}), "'storytelling' must be a label id or a list of label ids"),
    (_minimal(implies={"a": ["b"], "b": ["a"]}), "'implies' has a cycle: a -> b -> a"),
])
def test_validation_errors_say_what_to_fix(tmp_path, data, message):
    p = _write(tmp_path, data)
    with pytest.raises(CodebookError, match=message) as err:
        load_codebook(p)
    assert str(p) in str(err.value)  # names the file


def test_missing_file(tmp_path):
    with pytest.raises(CodebookError, match="not found"):
        load_codebook(tmp_path / "nope.yaml")


@pytest.mark.parametrize("name, text, message", [
    ("bad.yaml", "name: x\nlabels: [a, b\n", r"invalid YAML at line 3, column 1: did not find expected"),
    ("bad.json", '{"name": "x", ', r"invalid JSON at line 1, column 15: Expecting property name"),
    ("docs.jsonl", '{"id": 1}\n{"id": 2}\n', r"invalid YAML at line 2, column 1"),
    ("list.yaml", "- a\n- b\n", r"top level must be a mapping .* \(got list\)"),
])
def test_unparsable_file_is_a_codebook_error(tmp_path, name, text, message):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    with pytest.raises(CodebookError, match=message) as err:
        load_codebook(p)
    assert str(err.value).startswith(f"{p}: ")  # names the file


@pytest.mark.parametrize("command", [["codebook"], ["train", "--train", "x.jsonl", "--out", "m"]])
def test_cli_reports_bad_codebook_without_traceback(tmp_path, command):
    from typer.testing import CliRunner

    from nlp.cli import app

    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nlabels: [a, b\n", encoding="utf-8")
    res = CliRunner().invoke(app, command + ["--codebook", str(bad)])
    assert res.exit_code == 2, res.output
    assert f"error: {bad}: invalid YAML at line 3" in res.output


def test_codebook_pickles_deepcopies_and_hashes(codebook):
    for other in (pickle.loads(pickle.dumps(codebook)), copy.deepcopy(codebook)):
        assert other == codebook and other.sha256 == codebook.sha256 and hash(other) == hash(codebook)
        assert other.implies == codebook.implies and other["covid"].cues == codebook["covid"].cues
        with pytest.raises(TypeError):  # still read-only
            other["covid"].cues["zh"] = ("x",)
        Y = codebook.to_matrix([["generosity"], ["health_silk_road"]])
        assert (other.apply_implications(Y) == codebook.apply_implications(Y)).all()
        assert other.silk_road_category(Y).tolist() == codebook.silk_road_category(Y).tolist()
    assert len({codebook, copy.deepcopy(codebook)}) == 1


def test_single_label_id_is_a_one_element_list(tmp_path):
    labels = [{"id": i, "cues": {"en": [i]}} for i in ("gift", "covid")]  # not one letter: 'g' must not pass
    cb = load_codebook(_write(tmp_path, _minimal(labels=labels, storytelling="gift", implies={"gift": "covid"})))
    assert cb.storytelling == ("gift",)
    assert dict(cb.implies) == {"gift": ("covid",)}


def test_implications_are_transitive(tmp_path):
    labels = [{"id": i, "cues": {"en": [i]}} for i in ("a", "b", "c")]
    cb = load_codebook(_write(tmp_path, _minimal(labels=labels, implies={"b": ["c"], "a": ["b"]})))
    assert dict(cb.implies) == {"b": ("c",), "a": ("b", "c")}
    assert cb.apply_implications(cb.to_matrix([["a"]])).tolist() == [[1, 1, 1]]
    assert cb.apply_implications(np.array([[0.9, 0.2, 0.1]])).tolist() == [[0.9, 0.9, 0.9]]


def test_bundled_implications_unchanged(codebook):
    rng = np.random.default_rng(0)
    story = [codebook.index(s) for s in codebook.storytelling]
    j = codebook.index("covid")
    for Y in (rng.integers(0, 2, size=(200, 7)), rng.random((200, 7))):
        want = Y.copy()
        want[:, j] = np.maximum(Y[:, j], Y[:, story].max(axis=1))  # rule 1, one pass as before
        assert (codebook.apply_implications(Y) == want).all()


@pytest.mark.parametrize("key, expected", [("digital", ["digital", "none", "none"]),
                                           ("health", ["health", "none", "none"])])
def test_partial_silk_road_mapping(tmp_path, key, expected):
    cb = load_codebook(_write(tmp_path, _minimal(silk_road={key: "b"})))
    assert cb.silk_road_category(cb.to_matrix([["b"], ["a"], []])).tolist() == expected
