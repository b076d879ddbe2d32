"""The Codebook: bundled v1.1 content, validation errors that say what to fix, derived values."""
from __future__ import annotations

import dataclasses
import json

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
