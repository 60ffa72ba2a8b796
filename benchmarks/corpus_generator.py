"""A synthetic corpus for benchmarks, built by recombining the real seed abstracts.

Each synthetic abstract keeps the opening and most of the body of one seed abstract and swaps about a third
of its sentences for another's (long ones borrow from more), so a record stays on one topic and a search term
matches about as many records as it matches seed abstracts (recombining sentences freely would put "language
models" in nearly every record).
Lengths follow the seed's distribution with a thin tail out to the dataset's 13.8k maximum.

Everything hangs off one ``random.Random(seed)``, so a seed always gives the same corpus, and records are
produced one at a time so a million of them never sit in memory together.
"""

import bisect
import itertools
import json
import random
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from django.conf import settings

from papers.arxiv_ids import looks_like_arxiv_id

SEED_CORPUS = Path(settings.BASE_DIR) / "fixtures" / "000_17fd64235e3a3294.txt"
SEED_HEADER_LINES = 8
# The dataset's own header; generated abstracts are clipped to the same 431..13.8k range it states.
ARXIV_DUMP_HEADER = "arxiv_id\nstringlengths\n9\n12\nabstract\nstringlengths\n431\n13.8k\n"
MIN_ABSTRACT_LENGTH = 431
MAX_ABSTRACT_LENGTH = 13_800
LONG_ABSTRACT_SHARE = 0.01
VERSIONED_SHARE = 0.08
UNTITLED_SHARE = 0.08
OLD_NUMBERING_SHARE = 0.01  # four-digit YYMM.NNNN ids from before 2015

# Skewed like an NLP-heavy slice of arXiv: primary category -> relative weight.
PRIMARY_CATEGORIES = {
    "cs.CL": 34,
    "cs.LG": 22,
    "cs.AI": 12,
    "cs.CV": 9,
    "stat.ML": 4,
    "cs.IR": 4,
    "cs.SE": 3,
    "cs.HC": 2,
    "cs.RO": 2,
    "cs.CR": 2,
    "cs.CY": 1.5,
    "cs.NE": 1,
    "cs.SD": 0.8,
    "eess.AS": 0.7,
    "cs.DC": 0.5,
    "math.OC": 0.3,
    "q-bio.QM": 0.2,
}


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FIRST_NAMES = _words(
    "Aditi Ahmed Aiko Alejandro Alexander Alice Amir Ana Andrea Anh Anna Arjun Ayesha Bao Beatriz Ben Carlos "
    "Chen Chloe Daniel David Dmitri Elena Emily Emma Fatima Felix Gabriel Hana Hannah Hao Haruto Ibrahim Ines "
    "Isabel Jakob James Jia Jiwoo Jonas Jorge Julia Kai Karthik Kenji Laura Lei Leila Li Lucas Luis Maria Mariam "
    "Mateo Mei Michael Min-jun Mohammed Nadia Naveen Noah Nora Olga Omar Pablo Priya Rahul Rui Sakura Samuel "
    "Sara Sebastian Shreya Sofia Soo-ah Tariq Thomas Tomasz Wei Xin Yan Yasmin Yuki Yusuf Zhang Zoe"
)
LAST_NAMES = _words(
    "Abebe Ahmed Alvarez Andersson Bai Banerjee Becker Bianchi Brown Cao Chen Cohen Costa Dang Das Dubois "
    "Eriksson Fernandez Fischer Garcia Gupta Hashimoto He Hoang Hu Huang Ivanov Iyer Jansen Jiang Kim Kowalski "
    "Kumar Lam Larsen Lee Li Lin Liu Lopez Ma Martin Meyer Mishra Moreau Muller Nakamura Nguyen Novak Okafor "
    "Oliveira Park Patel Petrov Popescu Qian Rahman Reddy Rossi Sato Schmidt Shah Silva Singh Smith Sun Suzuki "
    "Tanaka Tran Wang Watanabe Weber Williams Wong Wu Xu Yamamoto Yang Yilmaz Zhang Zhao Zhou Zhu"
)
# 1..8 authors, most papers with three to five.
AUTHOR_COUNT_WEIGHTS = [6, 12, 18, 20, 16, 12, 9, 7]

STOPWORDS = frozenset(
    _words(
        "a an and are as at be by can for from has have in into is it its of on or our that the their these this "
        "to we which with while when where than then both each such via using based large new two three one more "
        "most also only other over under between across how what not all can may while however paper work show "
        "shows propose proposed approach method methods results existing different various recent several first"
    )
)
# Words a title phrase may end on, so phrases come out as noun phrases ("instruction tuning").
HEAD_NOUNS = frozenset(
    _words(
        "models model learning reasoning retrieval generation tuning alignment benchmark benchmarks tasks agents "
        "attention transformers transformer evaluation prompting inference training data datasets summarization "
        "translation representations embeddings networks understanding feedback instructions abilities decoding "
        "search knowledge distillation compression scaling capabilities generalization calibration uncertainty "
        "supervision safety agents memory architectures pretraining fine-tuning finetuning prompts systems "
        "questions answering demonstrations rewards reward modeling efficiency robustness biases"
    )
)
NOT_IN_TITLES = frozenset(
    _words(
        "https github com athttps org found paper they still been shown during team docs main art outperforming "
        "creating available original target datasets"
    )
)
NOT_MODEL_NAMES = frozenset(_words("AI CSS GPU HBM ID IK INST IO ML MT NLP OOD PS QA RL RM SL SRAM SAP XXL LLM LM"))
WORD = re.compile(r"[A-Za-z][A-Za-z-]+")
MODEL_NAME = re.compile(r"\b[A-Z][A-Za-z]*[A-Z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)?\b")
# A sentence ends at . ! or ? followed by a capital (or an opening bracket or quote), except after the
# abbreviations abstracts use mid-sentence.
SENTENCE_END = re.compile(r"(?<!e\.g\.)(?<!i\.e\.)(?<!\bal\.)(?<!vs\.)(?<=[.!?])\s+(?=[A-Z(\[\"“])")

TITLE_TEMPLATES = (
    "{name}: {Phrase} for {Phrase2}",
    "{name}: Towards {Phrase}",
    "{Phrase} with {Phrase2}",
    "Towards {Phrase} via {Phrase2}",
    "Improving {Phrase} with {Phrase2}",
    "On the {Phrase} of {Phrase2}",
    "Rethinking {Phrase} for {Phrase2}",
    "{Phrase}: A Survey",
    "{Phrase} Is All You Need",
    "{name}: Scaling {Phrase}",
    "Do {Phrase} Help {Phrase2}?",
    "Evaluating {Phrase} on {Phrase2}",
    "{Phrase} through {Phrase2}",
)


@dataclass(frozen=True)
class SeedAbstract:
    opener: str
    middle: tuple[str, ...]
    closer: str
    length: int


def read_seed_abstracts(path: Path = SEED_CORPUS) -> list[str]:
    """The abstracts of the seed dump: after the header, a record runs until the next line that is an id."""
    lines = path.read_text(encoding="utf-8").splitlines()[SEED_HEADER_LINES:]
    abstracts: list[str] = []
    current: list[str] | None = None
    for line in lines:
        if looks_like_arxiv_id(line):
            if current:
                abstracts.append(" ".join(current))
            current = []
        elif current is not None and line.strip():
            current.append(line.strip())
    if current:
        abstracts.append(" ".join(current))
    return abstracts


def split_sentences(text: str) -> list[str]:
    return [sentence.strip() for sentence in SENTENCE_END.split(text) if sentence.strip()]


def _title_phrases(abstracts: Iterable[str]) -> list[str]:
    """Recurring two- and three-word runs of content words that end in a head noun: the seed's noun phrases."""
    counts: Counter[str] = Counter()
    for abstract in abstracts:
        for sentence in split_sentences(abstract):
            words = [word.lower() for word in WORD.findall(sentence)]
            for size in (2, 3):
                for gram in zip(*(words[i:] for i in range(size)), strict=False):
                    if gram[-1] not in HEAD_NOUNS or any(word in STOPWORDS or len(word) < 3 for word in gram):
                        continue
                    if any(word in NOT_IN_TITLES for word in gram):
                        continue
                    counts[" ".join(gram)] += 1
    return sorted(phrase for phrase, count in counts.items() if count >= 2)


def _model_names(abstracts: Iterable[str]) -> list[str]:
    """Method and model names that recur in the seed (InstructBLIP, FLAN-T5), for "Name: ..." titles."""
    names = Counter(name for abstract in abstracts for name in MODEL_NAME.findall(abstract))
    return sorted(
        name
        for name, count in names.items()
        if count >= 2 and len(name) >= 3 and name not in NOT_MODEL_NAMES and not re.search(r"-[a-z]+$|[A-Z]s$", name)
    )


def _title_case(phrase: str) -> str:
    return " ".join(word if word[0].isupper() else word.capitalize() for word in phrase.split())


class CorpusGenerator:
    """Yields synthetic paper records (dicts with the JSONL importer's keys), deterministically for a seed."""

    def __init__(self, seed: int = 0, seed_path: Path = SEED_CORPUS, first_year: int = 2015, last_year: int = 2024):
        abstracts = read_seed_abstracts(seed_path)
        if not abstracts:
            raise ValueError(f"no abstracts found in {seed_path}")
        self.rng = random.Random(seed)
        self.sources = []
        for abstract in abstracts:
            sentences = split_sentences(abstract)
            if len(sentences) < 3:
                sentences = [*sentences, *([""] * (3 - len(sentences)))]
            self.sources.append(
                SeedAbstract(sentences[0], tuple(s for s in sentences[1:-1] if s), sentences[-1], len(abstract))
            )
        self.seed_lengths = sorted(source.length for source in self.sources)
        self.phrases = _title_phrases(abstracts)
        self.names = _model_names(abstracts)
        self.categories = list(PRIMARY_CATEGORIES)
        self.category_cumulative = list(itertools.accumulate(PRIMARY_CATEGORIES.values()))
        # Submissions grow year on year, as arXiv's do (roughly 12% a year).
        self.months = [
            (year % 100) * 100 + month for year in range(first_year, last_year + 1) for month in range(1, 13)
        ]
        self.month_cumulative = list(itertools.accumulate(1.12 ** (yymm // 100) for yymm in self.months))
        self.old_months = [(year % 100) * 100 + month for year in range(2010, 2015) for month in range(1, 13)]

    # Ids -------------------------------------------------------------------------------------------------

    def arxiv_ids(self, count: int) -> Iterator[str]:
        """``count`` unique ids: each month hands out increasing numbers with small random gaps."""
        rng = self.rng
        capacity = len(self.months) * 99_999
        busiest_share = (self.month_cumulative[-1] - self.month_cumulative[-2]) / self.month_cumulative[-1]
        if count > capacity * 0.9:
            raise ValueError(f"at most {int(capacity * 0.9):,} ids fit in {len(self.months)} months")
        # Gaps average (max_gap + 1) / 2; keep the busiest month comfortably under 99,999.
        max_gap = max(1, min(5, int(99_999 * 0.8 / max(1.0, count * busiest_share * 1.2) * 2 - 1)))
        used: dict[int, int] = {}
        for _ in range(count):
            if rng.random() < OLD_NUMBERING_SHARE:
                months, digits, limit = self.old_months, 4, 9_999
                yymm = months[int(rng.random() * len(months))]
            else:
                months, digits, limit = self.months, 5, 99_999
                yymm = months[bisect.bisect(self.month_cumulative, rng.random() * self.month_cumulative[-1])]
            number = used.get(yymm, 0) + rng.randint(1, max_gap)
            if number > limit:  # this month is full: take the next one with room
                start = months.index(yymm)
                for yymm in itertools.chain(months[start:], months[:start]):
                    number = used.get(yymm, 0) + 1
                    if number <= limit:
                        break
                else:
                    raise ValueError("ran out of arXiv ids")
            used[yymm] = number
            version = f"v{rng.choice((1, 1, 2, 2, 2, 3, 3, 4, 5))}" if rng.random() < VERSIONED_SHARE else ""
            yield f"{yymm:04d}.{number:0{digits}d}{version}"

    # Text ------------------------------------------------------------------------------------------------

    def abstract_length(self, typical: int) -> int:
        rng = self.rng
        if rng.random() < LONG_ABSTRACT_SHARE:
            # Log-uniform between the seed's longest and the dataset's 13.8k.
            return int(self.seed_lengths[-1] * (MAX_ABSTRACT_LENGTH / self.seed_lengths[-1]) ** rng.random())
        return max(MIN_ABSTRACT_LENGTH, min(MAX_ABSTRACT_LENGTH, int(typical * rng.uniform(0.8, 1.2))))

    def abstract(self) -> str:
        """One seed abstract's opening and most of its body, with about a third of its sentences swapped for
        another abstract's; long ones borrow from further abstracts until they reach their length."""
        rng = self.rng
        sources = self.sources
        primary = sources[int(rng.random() * len(sources))]
        target = self.abstract_length(primary.length)
        donated = list(sources[int(rng.random() * len(sources))].middle)
        rng.shuffle(donated)
        body = []  # (sentence, whether it was borrowed)
        for sentence in primary.middle:
            body.append((donated.pop(), True) if donated and rng.random() < 0.35 else (sentence, False))
        if not any(borrowed for _, borrowed in body):  # never repeat a seed abstract word for word
            borrowed = donated.pop() if donated else self._any_middle_sentence()
            body.insert(int(rng.random() * (len(body) + 1)), (borrowed, True))
        closer = primary.closer if rng.random() < 0.8 else sources[int(rng.random() * len(sources))].closer
        parts = [primary.opener]
        length = len(primary.opener) + len(closer) + 1
        has_borrowed = False
        for sentence, borrowed in itertools.chain(body, ((sentence, True) for sentence in donated)):
            if length >= target and has_borrowed:
                break
            parts.append(sentence)
            length += len(sentence) + 1
            has_borrowed = has_borrowed or borrowed
        while length < target:
            sentence = self._any_middle_sentence()
            parts.append(sentence)
            length += len(sentence) + 1
        parts.append(closer)
        text = " ".join(part for part in parts if part)
        if len(text) > MAX_ABSTRACT_LENGTH:
            text = text[: text.rfind(" ", 0, MAX_ABSTRACT_LENGTH)]
        return text

    def _any_middle_sentence(self) -> str:
        while not (middle := self.sources[int(self.rng.random() * len(self.sources))].middle):
            pass
        return middle[int(self.rng.random() * len(middle))]

    def title(self) -> str:
        rng = self.rng
        template = TITLE_TEMPLATES[int(rng.random() * len(TITLE_TEMPLATES))]
        return template.format(
            name=self.names[int(rng.random() * len(self.names))],
            Phrase=_title_case(self.phrases[int(rng.random() * len(self.phrases))]),
            Phrase2=_title_case(self.phrases[int(rng.random() * len(self.phrases))]),
        )

    def authors(self) -> list[str]:
        rng = self.rng
        count = rng.choices(range(1, 9), weights=AUTHOR_COUNT_WEIGHTS)[0]
        names = []
        for _ in range(count):
            first = FIRST_NAMES[int(rng.random() * len(FIRST_NAMES))]
            last = LAST_NAMES[int(rng.random() * len(LAST_NAMES))]
            middle = f" {chr(65 + int(rng.random() * 26))}." if rng.random() < 0.15 else ""
            names.append(f"{first}{middle} {last}")
        return names

    def paper_categories(self) -> list[str]:
        rng = self.rng
        weights = self.category_cumulative
        chosen = [self.categories[bisect.bisect(weights, rng.random() * weights[-1])]]
        for _ in range(rng.choice((0, 0, 1, 1, 1, 2))):
            extra = self.categories[bisect.bisect(weights, rng.random() * weights[-1])]
            if extra not in chosen:
                chosen.append(extra)
        return chosen

    # Records ---------------------------------------------------------------------------------------------

    def records(self, count: int) -> Iterator[dict]:
        """``count`` records with keys arxiv_id, abstract, title, authors and categories (primary first).

        About one in twelve has no title or authors, like a paper known only from the abstract dump.
        """
        for arxiv_id in self.arxiv_ids(count):
            untitled = self.rng.random() < UNTITLED_SHARE
            yield {
                "arxiv_id": arxiv_id,
                "abstract": self.abstract(),
                "title": "" if untitled else self.title(),
                "authors": [] if untitled else self.authors(),
                "categories": self.paper_categories(),
            }


def write_jsonl(records: Iterable[dict], out: TextIO, batch_size: int = 2000) -> int:
    """Write records one JSON object a line; returns how many were written."""
    written = 0
    encode = json.JSONEncoder(ensure_ascii=False).encode
    for batch in _batched(records, batch_size):
        out.write("".join(encode(record) + "\n" for record in batch))
        written += len(batch)
    return written


def write_arxiv_dump(records: Iterable[dict], out: TextIO, batch_size: int = 2000) -> int:
    """Write records in the seed dump's shape: its 8-line header, then an id line and an abstract line each.

    The dump has only ids and abstracts, so titles, authors and categories are dropped; there is no final
    newline, as in the seed file.
    """
    written = 0
    out.write(ARXIV_DUMP_HEADER.rstrip("\n"))
    for batch in _batched(records, batch_size):
        out.write("".join(f"\n{record['arxiv_id']}\n{record['abstract']}" for record in batch))
        written += len(batch)
    return written


def _batched(iterable: Iterable, size: int) -> Iterator[tuple]:
    iterator = iter(iterable)
    while batch := tuple(itertools.islice(iterator, size)):
        yield batch


WRITERS = {"jsonl": write_jsonl, "arxiv-dump": write_arxiv_dump}
