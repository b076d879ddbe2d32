"""Package-level promises: light import, CLI lists its commands, bundled default model loads."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest


def _run(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout


def test_import_nlp_is_light():
    out = _run("import sys, nlp, nlp.cli, nlp.classifiers, nlp.classifiers.linear; "
               "print([m for m in ('torch', 'transformers', 'sklearn', 'matplotlib', 'datasets') if m in sys.modules])")
    assert out.strip() == "[]"


def test_cli_lists_commands():
    out = subprocess.run([sys.executable, "-m", "nlp", "--help"], check=True, capture_output=True, text=True).stdout
    for cmd in ("tag", "train", "predict", "evaluate", "trend", "extract", "crosstab", "tokenize", "codebook"):
        assert cmd in out


def test_default_model_loads_and_tags(repo_dir, codebook):
    from nlp.classifiers import load_model

    folder = repo_dir / "models" / "default"
    if not (folder / "config.json").exists():
        pytest.skip("models/default is not built")
    model = load_model(folder)
    cfg = json.loads((folder / "config.json").read_text())
    assert cfg["labels"] == list(codebook.label_ids)
    P = model.predict_proba(["中方向友好城市捐赠了口罩和防护服。", "The two cities signed a 5G and smart city cooperation agreement."])
    Y = model.predict(["中方向友好城市捐赠了口罩和防护服。"])
    assert P.shape == (2, codebook.n_labels)
    assert Y[0, codebook.index("generosity")] == 1
    assert P[1, codebook.index("digital_silk_road")] > P[0, codebook.index("digital_silk_road")]


def test_default_model_reads_normalised_text(repo_dir):
    """Full-width letters and digits, zero-width spaces, NBSPs and CRLFs (common in copy-pasted
    official texts) give exactly the probabilities of the clean text: every model reads the
    canonical form of nlp.text.normalize."""
    from nlp.classifiers import load_model
    from nlp.corpus import Document

    folder = repo_dir / "models" / "default"
    if not (folder / "config.json").exists():
        pytest.skip("models/default is not built")
    model = load_model(folder)
    clean = ["The WHO said COVID-19 vaccines donated by China arrived in 2021.",
             "中方向世卫组织捐赠COVID-19疫苗，反对将病毒污名化。"]
    messy = ["Ｔｈｅ ＷＨＯ said\u00a0ＣＯＶＩＤ－１９ vaccines\u200b donated by China arrived in ２０２１．",
             "中方向世卫组织捐赠ＣＯＶＩＤ－１９疫苗\u200b，反对将病毒污名化。\r\n"]
    assert (model.predict_proba(messy) == model.predict_proba(clean)).all()
    docs = [Document(id=str(i), text=t, title="Ｎｏｔｅ") for i, t in enumerate(messy)]
    same = [Document(id=str(i), text=t, title="Note") for i, t in enumerate(clean)]
    assert (model.predict_proba(docs) == model.predict_proba(same)).all()


def test_bundled_data_found_where_a_wheel_installs_it(tmp_path, monkeypatch, repo_dir):
    """Outside a checkout (a wheel install), the codebook, dictionaries and gazetteer come from
    <prefix>/share/silkframe/corpora, where setup.cfg's data_files put them."""
    import shutil

    from nlp import resources
    from nlp.actors.gazetteer import default_gazetteer_dir
    from nlp.codebook import default_codebook_path, load_codebook
    from nlp.tokenizer import BilingualTokenizer, default_dict_dir

    share = tmp_path / "prefix" / "share" / "silkframe" / "corpora"
    share.mkdir(parents=True)
    shutil.copy(repo_dir / "corpora" / "codebook.yaml", share)
    shutil.copytree(repo_dir / "corpora" / "dict", share / "dict")
    shutil.copytree(repo_dir / "corpora" / "gazetteer", share / "gazetteer")
    monkeypatch.setattr(resources, "__file__", str(tmp_path / "site-packages" / "nlp" / "resources.py"))
    monkeypatch.setattr(sys, "prefix", str(tmp_path / "prefix"))
    assert default_codebook_path() == share / "codebook.yaml"
    assert default_dict_dir() == share / "dict" and default_gazetteer_dir() == share / "gazetteer"
    assert load_codebook().label_ids == load_codebook(repo_dir / "corpora" / "codebook.yaml").label_ids
    assert BilingualTokenizer()("共建健康丝绸之路") == ["共建", "健康丝绸之路"]
    shutil.rmtree(share)
    with pytest.raises(FileNotFoundError, match="looked in"):
        resources.bundled("codebook.yaml")


def test_setup_cfg_data_files_cover_the_bundled_data(repo_dir):
    """Every bundled file the code reads (codebook, dictionaries, gazetteer tables) is listed in
    setup.cfg's data_files, so a wheel carries it."""
    import configparser

    cfg = configparser.ConfigParser()
    cfg.read(repo_dir / "setup.cfg", encoding="utf-8")
    listed = set()
    for dest, patterns in cfg["options.data_files"].items():
        assert dest.startswith("share/silkframe/corpora")
        for pat in patterns.split():
            listed.update(p.relative_to(repo_dir) for p in repo_dir.glob(pat))
    corpora = repo_dir / "corpora"
    needed = ({(corpora / "codebook.yaml").relative_to(repo_dir)}
              | {p.relative_to(repo_dir) for p in (corpora / "dict").glob("*.txt")}
              | {p.relative_to(repo_dir) for p in (corpora / "gazetteer").glob("*.csv")})
    assert needed <= listed and len(needed) >= 8
