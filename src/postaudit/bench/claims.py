"""Score the press claim extractor on a labelled folder (labels.jsonl beside the article files, the format of
../shared/press-dev): import every file with its URL and date into a fresh warehouse, build, and compare.

A labelled self-reported claim is found when a claim of the same article has the same metric (after converting
units: minutes to hours, fractions to percent), a value within 15% or inside the labelled range, and no
conflicting platform (`all` and NULL conflict with none). A found claim is a false positive when it matches no
labelled claim, or only a third party's while marked self_report = true. This is the rule of press-dev's score.py.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

from postaudit.sources.errors import InputError

# (metric, unit) → (canonical metric, factor to its canonical unit)
_CANON = {
    ("time_share", "fraction"): ("time_share", 100.0), ("time_per_day", "minutes_per_day"): ("time_per_day", 1 / 60),
    ("time_per_day", "minutes"): ("time_per_day", 1 / 60), ("time_per_week", "minutes_per_week"):
        ("time_per_week", 1 / 60), ("time_per_week", "minutes"): ("time_per_week", 1 / 60),
}
QUANTIFIED = {"time_share", "time_per_day", "time_per_week", "posts_per_day", "posts_per_week", "group_members",
              "message_visibility", "headcount"}
SCORED = QUANTIFIED | {"ama_effect"}   # kinds whose self-reports count for recall
_ANY_PLATFORM = (None, "", "social_media", "all")
Progress = Callable[[str], None]


def _canon(metric: str, unit: str | None, value: float | None) -> tuple[str, float | None]:
    m, f = _CANON.get((metric, unit), (metric, 1.0))
    return m, None if value is None else float(value) * f


def matches(found: dict, label: dict) -> bool:
    """Whether a found claim is the labelled one (metric, value within 15% or in range, platform)."""
    fm, fv = _canon(found["metric"], found.get("unit"), found.get("value"))
    lm, lv = _canon(label["metric"], label.get("unit"), label.get("value"))
    if fm != lm:
        return False
    fp, lp = found.get("platform"), label.get("platform")
    if fp not in _ANY_PLATFORM and lp not in _ANY_PLATFORM and fp != lp:
        return False
    if lm not in QUANTIFIED:
        return True
    if fv is None:
        return False
    lo, hi = label.get("value_low"), label.get("value_high")
    if lo is not None and hi is not None:
        lo = _canon(label["metric"], label.get("unit"), lo)[1]
        hi = _canon(label["metric"], label.get("unit"), hi)[1]
        if lo <= fv <= hi:
            return True
    return lv is not None and abs(fv - lv) <= 0.15 * abs(lv)


def load_labels(folder: Path) -> list[dict]:
    """The labelled articles of a folder (one JSON object per line of labels.jsonl)."""
    path = folder / "labels.jsonl"
    if not path.is_file():
        raise InputError(f"{folder}: no labels.jsonl (one JSON line per article: file, url, claims, …)")
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            art = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}:{n}: not JSON ({exc.msg})") from None
        for key in ("file", "url", "claims"):
            if key not in art:
                raise InputError(f"{path}:{n}: missing {key!r}")
        out.append(art)
    return out


def import_and_build(con: duckdb.DuckDBPyConnection, folder: Path, labels: list[dict],
                     progress: Progress | None = None) -> None:
    """`import article FILE --url URL [--published DATE]` for every labelled file, then the build."""
    from postaudit.build import build_metrics, build_sql
    from postaudit.sources.articles import import_article_files

    say = progress or (lambda _m: None)
    for i, art in enumerate(labels, 1):
        counts = import_article_files(con, [folder / art["file"]], url=art["url"], published=art.get("published"))
        if counts["files_skipped"]:
            raise InputError("; ".join(counts["notes"]))
        say(f"[{i}/{len(labels)}] {art['file']}")
    say("building")
    build_sql(con)
    build_metrics(con, n_boot=100)


def found_claims(con: duckdb.DuckDBPyConnection) -> dict[str, list[dict]]:
    """Claims in the warehouse by the URL of the article each belongs to (its earliest copy)."""
    rows = con.execute("""select a.url, c.metric, c.unit, c.value, c.platform, c.self_report, c.sentence
                          from claims c join press_articles a using (article_id)""").fetchall()
    out: dict[str, list[dict]] = {}
    for url, metric, unit, value, platform, self_report, sentence in rows:
        out.setdefault(url, []).append({"metric": metric, "unit": unit, "value": value, "platform": platform,
                                        "self_report": self_report, "sentence": sentence})
    return out


def extraction_times(con: duckdb.DuckDBPyConnection) -> list[tuple[int, float]]:
    """(characters, milliseconds) of extracting the claims of each article the warehouse holds, timed apart from
    import and build (the build runs the same extraction once per copy)."""
    from postaudit.press.claims_found import find_claims

    rows = con.execute("select article_id, text, title, language, author from press_articles").fetchall()
    out = []
    for article_id, text, title, language, author in rows:
        start = time.perf_counter()
        find_claims(article_id, text or "", title=title, language=language, author=author)
        out.append((len(text or ""), (time.perf_counter() - start) * 1000))
    return out


def score(found: dict[str, list[dict]], labels: list[dict], files: set[str] | None = None) -> dict:
    """Recall of labelled self-reports and precision of what was found, overall and per metric."""
    per: dict[str, dict[str, int]] = {}
    false_positives = []

    def slot(metric: str) -> dict[str, int]:
        return per.setdefault(metric, {"labelled": 0, "recalled": 0, "found": 0, "false_positives": 0})

    for art in labels:
        if files and art["file"] not in files:
            continue
        got = found.get(art["url"], [])
        for lab in art["claims"]:
            if not lab.get("self_report") or lab["metric"] not in SCORED:
                continue
            if lab["metric"] in QUANTIFIED and lab.get("value") is None and lab.get("value_low") is None:
                continue
            s = slot(lab["metric"])
            s["labelled"] += 1
            s["recalled"] += any(matches(f, lab) for f in got)
        for f in got:
            s = slot(f["metric"])
            s["found"] += 1
            hit = [lab for lab in art["claims"] if matches(f, lab)]
            if not hit or (f["self_report"] is True and not any(lab.get("self_report") for lab in hit)):
                s["false_positives"] += 1
                false_positives.append((art["file"], f["metric"], f["value"], (f["sentence"] or "")[:90]))
    labelled = sum(s["labelled"] for s in per.values())
    recalled = sum(s["recalled"] for s in per.values())
    n_found = sum(s["found"] for s in per.values())
    n_fp = sum(s["false_positives"] for s in per.values())
    return {"recall": recalled / labelled if labelled else 0.0, "recalled": recalled, "labelled": labelled,
            "precision": (n_found - n_fp) / n_found if n_found else 0.0, "found": n_found,
            "false_positives": n_fp, "per_metric": dict(sorted(per.items())), "false_positive_claims": false_positives}


def run(folder: Path, db_path: Path, progress: Progress | None = None, per_article: bool = False,
        timings: list[tuple[int, float]] | None = None) -> tuple[dict[str, list[dict]], list[dict]]:
    """Import and build a fresh warehouse at db_path from the labelled folder; (found claims by URL, labels).

    per_article: db_path is a folder that gets one warehouse per article (NN.duckdb), so copies of one story in
    the labelled set are scored each on its own claims, as press-dev's score.py does for a folder. timings, when
    given, receives (characters, ms) of the extraction of each article (extraction_times).
    """
    from postaudit import warehouse

    labels = load_labels(folder)
    missing = [a["file"] for a in labels if not (folder / a["file"]).is_file()]
    if missing:
        raise InputError(f"{folder}: labelled files missing: {', '.join(missing[:5])}")
    if db_path.exists() and (not per_article or any(db_path.iterdir())):
        raise InputError(f"{db_path} exists: the benchmark builds a fresh warehouse (remove it or pick another)")
    groups = [[a] for a in labels] if per_article else [labels]
    if per_article:
        db_path.mkdir(parents=True, exist_ok=True)
    found: dict[str, list[dict]] = {}
    for n, group in enumerate(groups, 1):
        path = db_path / f"{n:02d}.duckdb" if per_article else db_path
        con = warehouse.connect(path)
        try:
            import_and_build(con, folder, group, progress)
            got = found_claims(con)
            if timings is not None:
                timings.extend(extraction_times(con))
        finally:
            con.close()
        if per_article:   # every claim of a one-article warehouse is that article's
            found[group[0]["url"]] = [c for claims in got.values() for c in claims]
        else:
            found.update(got)
    return found, labels
