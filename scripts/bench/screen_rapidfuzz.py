"""rapidfuzz side of the screening benchmark: the same list and queries as chokepoint's bench.

For each scorer (WRatio, token_set_ratio) `process.extract` returns the best list names per
query; a query is flagged when the best score reaches the threshold (for a listed query, the
expected entry must also be among the hits at that threshold). Thresholds are chosen on the
TUNE half only (the lowest with FPR <= 1% there, and the lowest with recall >= 0.98 there) and
figures are reported on the HELD-OUT half, exactly like chokepoint's.

Speed on the 30k-entry list: `process.cdist` with workers=2 (rapidfuzz's multi-threaded
batch API, so both tools use the same 2 cores), and `process.extract` (one thread) for
reference. Wall clock and CPU time are both reported (the machine may be shared).

    python screen_rapidfuzz.py OUT_DIR [N_SPEED_QUERIES]
"""
import csv
import json
import sys
import time

import numpy as np
from rapidfuzz import fuzz, process, utils

d = sys.argv[1]
n_speed = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
CROSS = {"native-script", "pinyin", "romanisation"}


def read(path):
    with open(path, encoding="utf-8") as f:
        return list(csv.DictReader(f))


lst = read(f"{d}/eval-list.csv")
choices = [r["name"] for r in lst]
ids = [r["list_id"] for r in lst]
queries = read(f"{d}/eval-queries.csv")
out = {}
for name, scorer in [("WRatio", fuzz.WRatio), ("token_set_ratio", fuzz.token_set_ratio)]:
    t = time.time()
    best = []  # (best score, expected entry's score)
    for q in queries:
        hits = process.extract(q["name"], choices, scorer=scorer, processor=utils.default_process, limit=10)
        top = hits[0][1] if hits else 0.0
        exp = q["expected"]
        exp_score = max((s for (_, s, i) in hits if ids[i] == exp), default=0.0) if exp else 0.0
        best.append((top, exp_score))
    secs = time.time() - t

    def figs(th, half, kinds=None):
        listed = found = unlisted = fp = 0
        for q, (top, exp_score) in zip(queries, best):
            if q["half"] != half:
                continue
            if q["expected"]:
                if kinds == "same" and q["kind"] in CROSS or kinds == "cross" and q["kind"] not in CROSS:
                    continue
                listed += 1
                found += exp_score >= th and top >= th
            else:
                unlisted += 1
                fp += top >= th
        return {"listed": listed, "found": found, "unlisted": unlisted, "false_positives": fp,
                "recall": found / max(listed, 1), "false_positive_rate": fp / max(unlisted, 1)}

    recall_th = 0
    for th in range(100, -1, -1):
        if figs(th, "0")["recall"] >= 0.98:
            recall_th = th
            break
    fpr_th = 100
    for th in range(0, 101):
        if figs(th, "0")["false_positive_rate"] <= 0.01:
            fpr_th = th
            break
    out[name] = {
        "threshold_for_recall_0.98_on_tune": recall_th, "holdout_at_that_threshold": figs(recall_th, "1"),
        "threshold_for_fpr_0.01_on_tune": fpr_th, "holdout_at_fpr_threshold": figs(fpr_th, "1"),
        "holdout_same_script_at_fpr_threshold": figs(fpr_th, "1", "same"),
        "holdout_cross_script_at_fpr_threshold": figs(fpr_th, "1", "cross"),
        "eval_secs": secs, "eval_queries": len(queries)}

# speed on the 30k list
big = read(f"{d}/speed-list.csv")
big_choices = [r["name"] for r in big]
sq = [r["name"] for r in read(f"{d}/speed-queries.csv")][:n_speed]
for name, scorer in [("WRatio", fuzz.WRatio), ("token_set_ratio", fuzz.token_set_ratio)]:
    # cdist, 2 worker threads, in chunks (a full matrix would not fit in memory)
    t, c = time.time(), time.process_time()
    for i in range(0, len(sq), 250):
        m = process.cdist(sq[i:i + 250], big_choices, scorer=scorer, processor=utils.default_process,
                          dtype=np.uint8, workers=2)
        np.argmax(m, axis=1)
    secs, cpu = time.time() - t, time.process_time() - c
    n_extract = max(1, len(sq) // 4)
    t2 = time.time()
    for q in sq[:n_extract]:
        process.extract(q, big_choices, scorer=scorer, processor=utils.default_process, limit=5)
    secs2 = time.time() - t2
    out[name]["speed"] = {"list_names": len(big_choices), "queries": len(sq), "secs": secs, "cpu_secs": cpu,
                          "queries_per_sec": len(sq) / secs, "queries_per_cpu_sec": len(sq) / max(cpu, 1e-9),
                          "threads": 2, "api": "process.cdist(workers=2)",
                          "extract_queries": n_extract, "extract_queries_per_sec": n_extract / secs2}
json.dump(out, open(f"{d}/rapidfuzz.json", "w"), indent=1)
print(json.dumps(out, indent=1))
