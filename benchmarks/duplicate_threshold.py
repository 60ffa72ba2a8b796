"""Measure the likely-duplicate threshold on real titles: ``python -m benchmarks.duplicate_threshold [CSV …]``.

Reads systematic-review search results (default: the four SYNERGY reviews in /work/shared/datasets/synergy, whose
records are real titles from OpenAlex), then:

* **negatives**: every pair of distinct records, titles only (as if no record had a DOI, the hard case; in the
  app two different DOIs already keep records apart). Records of one review share a topic, so these are the
  near misses a real import meets. Pairs whose titles are identical once normalised (the same conference
  abstract under two DOIs, "Poster presentations") are counted apart: ids, not titles, decide those.
* **positives**: each record against a copy of itself changed as databases and reference managers change titles:
  punctuation, case, LaTeX markup, "The" dropped or added, one typo, the subtitle cut at the colon or one added,
  and all of case + punctuation + typo at once (seeded, so the figures repeat).

For each threshold it prints the recall (positives that share a block and score at least the threshold), the
false pairs (negatives that share a block and score at least it) and the precision those make, and the blocking
recall alone (papers/title_matching.py).
"""

import argparse
import csv
import random
import sys
from collections import Counter, defaultdict
from itertools import combinations
from pathlib import Path

from papers.identity import title_key
from papers.title_matching import LIKELY_THRESHOLD, MIN_KEY_LENGTH, block_keys, match_text, title_similarity

DEFAULT_FILES = sorted(Path("/work/shared/datasets/synergy").glob("*.csv"))
THRESHOLDS = (75, 80, 85, 88, 90, 92, 95)
TYPO_LETTERS = "abcdefghijklmnopqrstuvwxyz"
GREEK_TO_LATEX = {"α": r"$\alpha$", "β": r"$\beta$", "γ": r"$\gamma$", "δ": r"$\delta$", "κ": r"$\kappa$"}
ACCENT_TO_LATEX = {"é": r"\'{e}", "è": r"\`{e}", "ö": r"\"{o}", "ü": r"\"{u}", "ä": r"\"{a}", "ç": r"\c{c}"}
ADDED_SUBTITLES = (": a randomized controlled trial", ": a systematic review", ": results of a cohort study")


def read_titles(paths) -> list[str]:
    titles = []
    for path in paths:
        with open(path, newline="", encoding="utf-8") as handle:
            titles += [row["title"].strip() for row in csv.DictReader(handle) if row.get("title", "").strip()]
    return titles


def perturbations(title: str, rng: random.Random) -> dict[str, str]:
    """The changed copies of ``title``, by kind (kinds that do not apply to it are left out)."""
    copies = {
        "punctuation": title.replace(":", " -").replace(",", "").rstrip(".") + ".",
        "case": title.upper() if rng.random() < 0.5 else title.lower(),
        "latex": _latex(title),
        "article": title[4:] if title.lower().startswith("the ") else f"The {title[0].lower()}{title[1:]}",
        "typo": _typo(title, rng),
        "combined": _typo(title.lower().replace(":", " -").replace(",", ""), rng),
    }
    head, colon, _ = title.partition(": ")
    if colon:
        copies["subtitle cut"] = head
    else:
        copies["subtitle added"] = title + rng.choice(ADDED_SUBTITLES)
    return copies


def _latex(title: str) -> str:
    """What a BibTeX file makes of the title: Greek letters as math, accents as commands, or the capitals
    protected in braces ({BERT}) when it has neither."""
    changed = "".join(GREEK_TO_LATEX.get(ch, ACCENT_TO_LATEX.get(ch, ch)) for ch in title)
    if changed != title:
        return changed
    return " ".join(f"{{{word}}}" if word[:1].isupper() else word for word in title.split())


def _typo(title: str, rng: random.Random) -> str:
    positions = [i for i, ch in enumerate(title) if ch.isalpha()]
    if not positions:
        return title
    i = rng.choice(positions)
    kind = rng.choice(("substitute", "delete", "insert", "transpose"))
    if kind == "substitute":
        return title[:i] + rng.choice(TYPO_LETTERS) + title[i + 1 :]
    if kind == "delete":
        return title[:i] + title[i + 1 :]
    if kind == "insert":
        return title[:i] + rng.choice(TYPO_LETTERS) + title[i:]
    return title[:i] + title[i + 1 : i + 2] + title[i] + title[i + 2 :] if i + 1 < len(title) else title


def share_block(first: str, second: str) -> bool:
    a, b = block_keys(title_key(first)), block_keys(title_key(second))
    return a[0] == b[0] or a[1] == b[1]


def measure(titles: list[str], seed: int) -> dict:
    rng = random.Random(seed)
    positives: dict[str, list[tuple[bool, float]]] = defaultdict(list)
    judged = []  # the same for titles long enough to judge
    for title in titles:
        for kind, copy in perturbations(title, rng).items():
            outcome = (share_block(title, copy), title_similarity(title, copy))
            positives[kind].append(outcome)
            if len(match_text(title)) >= MIN_KEY_LENGTH:
                judged.append(outcome)
    negatives, same_title, blocked_pairs = [], 0, 0
    by_block = defaultdict(set)
    for index, title in enumerate(titles):
        for key in block_keys(title_key(title)):
            by_block[key].add(index)
    candidate_pairs = set()
    for members in by_block.values():
        candidate_pairs.update(combinations(sorted(members), 2))
    for i, j in sorted(candidate_pairs):
        if match_text(titles[i]) == match_text(titles[j]):
            same_title += 1
            continue
        blocked_pairs += 1
        negatives.append(title_similarity(titles[i], titles[j]))
    # The scorer without blocking, on every pair (what blocking saves, and what it might hide).
    unblocked = []
    for i, j in combinations(range(len(titles)), 2):
        if match_text(titles[i]) != match_text(titles[j]):
            unblocked.append(title_similarity(titles[i], titles[j]))
    return {
        "positives": positives,
        "judged": judged,
        "negatives": negatives,
        "unblocked": unblocked,
        "same_title": same_title,
        "blocked_pairs": blocked_pairs,
    }


def report(result: dict, titles: list[str], out=sys.stdout) -> None:
    positives = result["positives"]
    all_positive = [item for items in positives.values() for item in items]
    total_pairs = len(titles) * (len(titles) - 1) // 2
    print(f"{len(titles)} titles; {total_pairs:,} pairs of records, {result['blocked_pairs']:,} of them in a shared "
          f"block and {result['same_title']} with identical normalised titles (left to ids).", file=out)  # fmt: skip
    blocked = sum(shared for shared, _ in all_positive)
    print(f"Blocking keeps {blocked}/{len(all_positive)} changed copies ({blocked / len(all_positive):.1%}) "
          f"beside their original.", file=out)  # fmt: skip
    print("\nthreshold | recall (all changes) | false pairs in blocks | precision | false pairs without blocking",
          file=out)  # fmt: skip
    for threshold in THRESHOLDS:
        found = sum(shared and score >= threshold for shared, score in all_positive)
        false = sum(score >= threshold for score in result["negatives"])
        false_all = sum(score >= threshold for score in result["unblocked"])
        precision = found / (found + false) if found + false else 1.0
        mark = "  ← LIKELY_THRESHOLD" if threshold == LIKELY_THRESHOLD else ""
        print(f"{threshold:>9} | {found / len(all_positive):>20.1%} | {false:>21} | {precision:>9.2%} | "
              f"{false_all:>10}{mark}", file=out)  # fmt: skip
    judged = result["judged"]
    found = sum(shared and score >= LIKELY_THRESHOLD for shared, score in judged)
    print(f"\nRecall at {LIKELY_THRESHOLD:g} on titles of at least {MIN_KEY_LENGTH} characters (shorter ones are never "
          f"proposed): {found}/{len(judged)} = {found / len(judged):.1%}", file=out)  # fmt: skip
    print(f"Recall by change at {LIKELY_THRESHOLD:g}:", file=out)
    for kind, items in positives.items():
        found = sum(shared and score >= LIKELY_THRESHOLD for shared, score in items)
        print(f"  {kind:<15} {found:>5}/{len(items):<5} {found / len(items):.1%}", file=out)
    top = Counter(int(score) for score in result["negatives"] if score >= 80)
    print(f"Negatives scoring 80 or more, by score: {dict(sorted(top.items()))}", file=out)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, default=DEFAULT_FILES)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--show-false", type=int, default=0, metavar="N", help="print N false pairs, best first")
    args = parser.parse_args(argv)
    titles = read_titles(args.files)
    if not titles:
        parser.error("no titles read (give CSV files with a title column)")
    result = measure(titles, args.seed)
    report(result, titles)
    if args.show_false:
        pairs = []
        for i, j in combinations(range(len(titles)), 2):
            if match_text(titles[i]) != match_text(titles[j]) and share_block(titles[i], titles[j]):
                pairs.append((title_similarity(titles[i], titles[j]), titles[i], titles[j]))
        for score, first, second in sorted(pairs, reverse=True)[: args.show_false]:
            print(f"{score:5.1f}  {first!r}\n       {second!r}")


if __name__ == "__main__":
    main()
