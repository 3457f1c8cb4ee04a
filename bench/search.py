#!/usr/bin/env python3
"""Search latency for bench/run.sh (Python 3, standard library only).

  search.py queries CORPUS N SEED > queries.txt   200 queries drawn from the corpus
  search.py fts5 CORPUS queries.txt              SQLite FTS5 on the same text
  search.py http URL queries.txt                 GET URL?q=... for each query

Queries: one to three words, phrases, Cyrillic place names and misspelled
place names, all taken from the generated corpus. The last two modes print
one JSON object: {"p50_ms", "p99_ms", "queries", "build_s", "size_bytes"}.
"""

import json
import os
import random
import re
import sqlite3
import sys
import time
import urllib.parse
import urllib.request


def entry_texts(corpus):
    folder = os.path.join(corpus, "entries")
    for name in sorted(os.listdir(folder)):
        with open(os.path.join(folder, name), encoding="utf-8") as f:
            text = f.read()
        parts = text.split("---\n", 2)
        front, body = (parts[1], parts[2]) if len(parts) == 3 else ("", text)
        m = re.search(r'^title: "?(.*?)"?$', front, re.M)
        yield name[:-3], (m.group(1) if m else name), body


def make_queries(corpus, n, seed):
    rng = random.Random(seed)
    words, sentences = [], []
    for i, (_, _, body) in enumerate(entry_texts(corpus)):
        if i >= 200:
            break
        for line in body.splitlines():
            if line and line[0].isalpha():
                sentences.extend(s for s in line.split(". ") if len(s.split()) > 4)
                words.extend(w for w in re.findall(r"[a-z]{5,}", line))
    with open(os.path.join(corpus, "places.yaml"), encoding="utf-8") as f:
        places = f.read()
    cyrillic = re.findall(r"name: ([А-Яа-яЁё]+), lang: ru, script: Cyrl", places)
    latin = re.findall(r"name: ([A-Za-z]+), lang: en", places)
    out = []
    for k in range(n):
        kind = k % 10
        if kind < 6:
            out.append(" ".join(rng.choice(words) for _ in range(1 + kind % 3)))
        elif kind < 8:
            s = rng.choice(sentences).split()
            i = rng.randrange(0, len(s) - 2)
            out.append('"' + " ".join(re.sub(r"[^\w]", "", w) for w in s[i:i + 2]) + '"')
        elif kind == 8:
            out.append(rng.choice(cyrillic))
        else:
            name = rng.choice(latin)
            i = rng.randrange(1, len(name) - 1)
            out.append(name[:i] + name[i + 1:])  # a letter dropped
    return out


def percentiles(times):
    times = sorted(times)
    pick = lambda p: times[min(len(times) - 1, int(round(p * (len(times) - 1))))]
    return {"p50_ms": pick(0.50) * 1e3, "p99_ms": pick(0.99) * 1e3, "queries": len(times)}


def fts5(corpus, queries):
    db_path = os.path.join(corpus, ".bench-fts5.db")
    if os.path.exists(db_path):
        os.remove(db_path)
    t = time.perf_counter()
    db = sqlite3.connect(db_path)
    db.execute("CREATE VIRTUAL TABLE docs USING fts5(slug UNINDEXED, title, body, tokenize='unicode61 remove_diacritics 2')")
    db.executemany("INSERT INTO docs VALUES (?, ?, ?)", entry_texts(corpus))
    db.commit()
    build = time.perf_counter() - t
    times = []
    for q in queries:
        # Each word quoted (a phrase stays one phrase), so FTS5 syntax
        # characters in a query cannot break it.
        if q.startswith('"'):
            match = q
        else:
            match = " ".join('"' + w.replace('"', "") + '"' for w in q.split())
        t = time.perf_counter()
        db.execute(
            "SELECT slug, snippet(docs, 2, '<b>', '</b>', '…', 12) FROM docs WHERE docs MATCH ? ORDER BY rank LIMIT 20",
            (match,),
        ).fetchall()
        times.append(time.perf_counter() - t)
    db.close()
    result = percentiles(times)
    result.update(build_s=build, size_bytes=os.path.getsize(db_path))
    os.remove(db_path)
    return result


def http(url, queries):
    times = []
    for q in queries:
        t = time.perf_counter()
        with urllib.request.urlopen(url + "?q=" + urllib.parse.quote(q), timeout=30) as r:
            r.read()
        times.append(time.perf_counter() - t)
    return percentiles(times)


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    if mode == "queries":
        print("\n".join(make_queries(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))))
    elif mode in ("fts5", "http"):
        with open(sys.argv[3], encoding="utf-8") as f:
            queries = [q for q in f.read().splitlines() if q]
        print(json.dumps((fts5 if mode == "fts5" else http)(sys.argv[2], queries)))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
