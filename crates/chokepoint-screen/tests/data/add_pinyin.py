"""Adds (or refreshes) the `pinyin` column of listed_names.csv: the Hanyu Pinyin of the `native`
name, syllable by syllable, capitalised, without tones, as a clerk would type it, written by
pypinyin (phrase dictionary: 长江 chang jiang, 成都 cheng du, 厦门 xia men), a tool independent
of the matcher's own transliteration (any_ascii, one reading per character). Used only to
generate the evaluation set's `pinyin` queries.

    pip install pypinyin && python add_pinyin.py listed_names.csv
"""
import csv
import re
import sys

from pypinyin import lazy_pinyin, load_phrases_dict

# Place names pypinyin's phrase dictionary reads with the wrong reading of a polyphonic
# character (长 is `chang` in place names: 长海 Changhai, as in 长江 and 长沙).
load_phrases_dict({"长海": [["cháng"], ["hǎi"]]})

path = sys.argv[1]
with open(path, encoding="utf-8", newline="") as f:
    rows = list(csv.DictReader(f))
fields = list(rows[0].keys())
if "pinyin" not in fields:
    fields.append("pinyin")
han = re.compile(r"[\u4e00-\u9fff]")
for r in rows:
    native = r.get("native") or ""
    if han.search(native):
        sylls = []
        for s in lazy_pinyin(native):
            for w in re.findall(r"[A-Za-z0-9]+", s):
                sylls.append(w[:1].upper() + w[1:])
        r["pinyin"] = " ".join(sylls)
    else:
        r["pinyin"] = ""
with open(path, "w", encoding="utf-8", newline="") as f:
    w = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
