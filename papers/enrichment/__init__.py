"""Opt-in metadata enrichment: fill papers' missing fields from arXiv, Crossref and OpenAlex.

Nothing here runs at import time; ``manage.py enrich_papers`` is the way in. One module per source
(arxiv.py, crossref.py, openalex.py), the polite HTTP client they share (client.py), and the run that merges their
answers into papers and records each attempt (enrich.py).
"""

from .arxiv import ArxivSource
from .client import PoliteClient, SourceUnavailable
from .crossref import CrossrefSource
from .enrich import EnrichmentReport, enrich_papers, fill_record
from .openalex import OpenAlexSource
from .source import Source

# In the order a full run asks them: arXiv first, because the journal DOIs it knows let Crossref and OpenAlex
# find papers that had only an arXiv id.
SOURCES: dict[str, type[Source]] = {"arxiv": ArxivSource, "crossref": CrossrefSource, "openalex": OpenAlexSource}

__all__ = [
    "SOURCES",
    "ArxivSource",
    "CrossrefSource",
    "EnrichmentReport",
    "OpenAlexSource",
    "PoliteClient",
    "Source",
    "SourceUnavailable",
    "enrich_papers",
    "fill_record",
]
