"""Assemble corpora/local/local_news.jsonl from the written items, both codings and the adjudication.

Run from the repository root: ``python corpora/local/assemble.py``. Final labels = the coders'
labels where they agree, else the adjudicated labels (coding/adjudication.jsonl).
"""
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
#: (batch suffix, language): batch 1 = items_zh/en.jsonl, batch 2 = items2_zh/en.jsonl
BATCHES = [("", "zh"), ("", "en"), ("2", "zh"), ("2", "en")]
ORDER = ["covid", "effective_response", "anti_stigmatization", "anti_overreaction", "generosity",
         "health_silk_road", "digital_silk_road"]


def read(path):
    return [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()]


def main():
    adj = {r["id"]: r for r in read(HERE / "coding" / "adjudication.jsonl")}
    out = []
    for batch, lang in BATCHES:
        items = read(HERE / f"items{batch}_{lang}.jsonl")
        a = {r["id"]: r["labels"] for r in read(HERE / "coding" / f"coder_a_{lang}{batch}.jsonl")}
        b = {r["id"]: r["labels"] for r in read(HERE / "coding" / f"coder_b_{lang}{batch}.jsonl")}
        for it in items:
            la, lb = a[it["id"]], b[it["id"]]
            if set(la) == set(lb):
                final = la
            elif it["id"] in adj:
                final = adj[it["id"]]["labels"]
            else:
                raise SystemExit(f"{it['id']}: coders disagree and there is no adjudication")
            rec = dict(it)
            rec["labels"] = [x for x in ORDER if x in final]
            rec["coder_a"] = [x for x in ORDER if x in la]
            rec["coder_b"] = [x for x in ORDER if x in lb]
            out.append(rec)
    with open(HERE / "local_news.jsonl", "w", encoding="utf-8") as f:
        for r in out:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"wrote {len(out)} records to {HERE / 'local_news.jsonl'}")


if __name__ == "__main__":
    main()
