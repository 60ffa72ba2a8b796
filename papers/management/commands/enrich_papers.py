"""``manage.py enrich_papers``: fill papers' missing titles, authors, categories, venues, dates, ids and abstracts
from arXiv, Crossref and OpenAlex, politely and resumably (papers/enrichment/)."""

import os

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from papers.arxiv_ids import InvalidArxivId, parse_arxiv_id
from papers.enrichment import SOURCES, ArxivSource, PoliteClient, enrich_papers
from papers.enrichment.client import DEFAULT_TIMEOUT, SystemClock, UrllibTransport
from papers.enrichment.openalex import OpenAlexSource
from papers.identity import normalize_doi
from papers.models import Paper


def _positive_number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise CommandError(f"not a number: {text!r}") from None
    if not 0 <= value <= 3600:
        raise CommandError(f"out of range (0 to 3600 seconds): {text}")
    return value


class Command(BaseCommand):
    help = (
        "Fill papers' missing fields (titles, authors, categories, venues, years and months, DOIs and PubMed ids, "
        "abstracts) from arXiv, Crossref and OpenAlex. Never replaces a value a paper has. Resumable: papers a "
        "source has answered for are skipped unless --retry."
    )
    # Tests put a fake transport and clock here; nothing else reaches the network.
    transport_class = UrllibTransport
    clock_class = SystemClock

    def add_arguments(self, parser):
        parser.add_argument(
            "--source",
            action="append",
            choices=list(SOURCES),
            dest="sources",
            help="A source to ask (repeat for several; default: arxiv, then crossref, then openalex).",
        )
        parser.add_argument("--limit", type=int, help="Try at most N papers per source in this run.")
        missing = parser.add_mutually_exclusive_group()
        missing.add_argument(
            "--only-missing",
            action="store_true",
            default=True,
            help="Only papers lacking a field the source fills (the default).",
        )
        missing.add_argument(
            "--all", action="store_false", dest="only_missing", help="Every paper the source can look up."
        )
        parser.add_argument(
            "--papers",
            nargs="+",
            metavar="KEY",
            help="Only these papers: their URL key (arXiv id or paper-<id>), an arXiv id with a version, or a DOI.",
        )
        parser.add_argument("--retry", action="store_true", help="Ask again about papers a source has answered for.")
        parser.add_argument("--dry-run", action="store_true", help="Ask the sources, report, and write nothing.")
        parser.add_argument(
            "--mailto",
            default=os.environ.get("MARGINALIA_MAILTO", ""),
            metavar="EMAIL",
            help="Your e-mail address, sent to the APIs so they can reach you (Crossref's and OpenAlex's polite "
            "pools). Default: $MARGINALIA_MAILTO.",
        )
        parser.add_argument(
            "--interval",
            type=_positive_number,
            metavar="SECONDS",
            help="Seconds between requests (default: arxiv 3, crossref 1, openalex 0.5).",
        )
        parser.add_argument(
            "--timeout", type=_positive_number, default=DEFAULT_TIMEOUT, metavar="SECONDS", help="Per request."
        )
        parser.add_argument(
            "--openalex-key",
            default=os.environ.get("OPENALEX_API_KEY", ""),
            metavar="KEY",
            help="OpenAlex API key (free; raises its daily allowance). Default: $OPENALEX_API_KEY.",
        )

    def handle(self, *args, sources, limit, only_missing, papers, retry, dry_run, mailto, interval, timeout, **options):
        if limit is not None and limit < 1:
            raise CommandError("--limit must be at least 1")
        if timeout <= 0:
            raise CommandError("--timeout must be more than 0 seconds")
        # Each source once, in the order that lets arXiv's DOIs serve the others, however they were named.
        sources = [name for name in SOURCES if not sources or name in sources]
        if mailto:
            try:
                validate_email(mailto)
            except ValidationError:
                raise CommandError(f"--mailto is not an e-mail address: {mailto!r}") from None
        else:
            self.stderr.write(
                "No --mailto given: Crossref and OpenAlex serve anonymous requests more slowly; "
                "please give an address they can reach you at.",
                style_func=self.style.WARNING,
            )
        if interval is not None and interval < ArxivSource.interval and "arxiv" in sources:
            self.stderr.write(
                f"--interval {interval:g} is shorter than the {ArxivSource.interval:g} s arXiv asks for between "
                "requests; it may block the address that ignores it.",
                style_func=self.style.WARNING,
            )
        chosen = self._papers(papers)
        transport, clock = self.transport_class(), self.clock_class()
        for name in sources:
            source = OpenAlexSource(options["openalex_key"]) if name == "openalex" else SOURCES[name]()
            client = PoliteClient(
                interval=source.interval if interval is None else interval,
                mailto=mailto,
                transport=transport,
                clock=clock,
                timeout=timeout,
            )
            report = enrich_papers(
                source,
                client,
                papers=chosen,
                only_missing=only_missing,
                retry=retry,
                limit=limit,
                dry_run=dry_run,
                progress=self.stderr.isatty(),
                on_problem=lambda problem: self.stderr.write(problem, style_func=self.style.WARNING),
            )
            for line in report.summary_lines():
                self.stdout.write(line)
            if report.interrupted:
                raise CommandError("interrupted; run the same command again to continue")

    def _papers(self, keys):
        if not keys:
            return None
        ids, unknown = [], []
        for key in keys:
            # A key with a NUL or another control character names no paper (and PostgreSQL refuses NUL outright).
            found = list(_papers_named(key.strip())) if key.isprintable() else []
            if found:
                ids.extend(found)
            else:
                unknown.append(key)
        if unknown:
            shown = ", ".join(repr(key) for key in unknown[:10])
            raise CommandError(f"no paper has the key {shown}" + (" …" if len(unknown) > 10 else ""))
        return Paper.objects.filter(pk__in=ids)


def _papers_named(key: str):
    """The ids of the papers ``key`` names: a URL key, an arXiv id with a version or prefix, or a DOI."""
    if paper_ids := list(Paper.objects.by_key(key).values_list("pk", flat=True)):
        return paper_ids
    try:
        return Paper.objects.filter(arxiv_id=parse_arxiv_id(key).canonical).values_list("pk", flat=True)
    except InvalidArxivId:
        pass
    doi = normalize_doi(key)
    return Paper.objects.filter(doi=doi).values_list("pk", flat=True) if doi else []
