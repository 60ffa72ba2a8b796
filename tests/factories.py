"""Builders for test data: small, explicit, with defaults that satisfy every constraint."""

import itertools

from papers.arxiv_ids import parse_arxiv_id
from papers.models import Paper

_numbers = itertools.count(1)


def make_paper(arxiv_id: str | None = None, **fields) -> Paper:
    """A saved paper; the id defaults to a fresh new-style id from March 2023."""
    if arxiv_id is None:
        arxiv_id = f"2303.{next(_numbers):05d}"
    parsed = parse_arxiv_id(arxiv_id)
    fields.setdefault("abstract", f"An abstract about paper {parsed.canonical}.")
    fields.setdefault("version", parsed.version)
    return Paper.objects.create(arxiv_id=parsed.canonical, **fields)
