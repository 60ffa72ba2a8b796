"""Likely and certain duplicates: how titles compare, and the pairs imports and find_duplicates list."""

import json

import pytest

from papers.duplicates import record_likely_duplicates
from papers.importers.upsert import import_files
from papers.models import DuplicateCandidate, DuplicateStatus, FoundBy, Paper
from papers.title_matching import LIKELY_THRESHOLD, block_keys, match_text, title_similarity
from tests.factories import make_paper

PUBLISHED_TITLE = "Scaling Laws for Neural Language Models: Evidence from Transformers"


def jsonl(*records) -> tuple[str, bytes]:
    return ("records.jsonl", "\n".join(json.dumps(record) for record in records).encode())


def imported(*records):
    report = import_files([jsonl(*records)])
    assert not report.errors, report.errors
    return report


def pairs():
    return {
        (pair.paper_a.title, pair.paper_b.title, pair.found_by)
        for pair in DuplicateCandidate.objects.select_related("paper_a", "paper_b")
    }


# How titles compare


@pytest.mark.parametrize(
    "first, second",
    [
        ("Learning $\\alpha$-Divergences with \\emph{Neural} Estimators", "Learning α-divergences, neural estimators"),
        ("The Effect of Emicizumab on Bleeding in Hemophilia A", "Effect of emicizumab on bleeding in hemophilia A."),
        ("Effect of emicizumab on bleeding in hemophilia A", "Effect of emicizumab on bleding in hemophilia A"),
        ("Hair cortisol in children: a systematic review", "Hair cortisol in children - A systematic review"),
        ('Sch{\\"o}dinger bridges for generative modelling', "Schödinger Bridges for Generative Modelling"),
        (PUBLISHED_TITLE, "Scaling laws for neural language models"),
        ("Emicizumab Prophylaxis in Patients with Hemophilia Α", "Emicizumab prophylaxis in patients: hemophilia A"),
    ],
)
def test_titles_written_differently_are_likely_the_same(first, second):
    assert title_similarity(first, second) >= LIKELY_THRESHOLD


@pytest.mark.parametrize(
    "first, second",
    [
        ("Antibodies to watch in 2017 and beyond", "Antibodies to watch in 2018 and beyond"),
        ("Poster presentations", "Poster Presentations"),  # too generic to say
        ("Letter to the editor", "Letter to the Editor"),
        ("Abstracts", "Abstracts"),
        ("Hair cortisol as a biomarker of stress in dogs", "Salivary cortisol as a biomarker of stress in cattle"),
        ("BERT: pre-training of deep bidirectional transformers", "BERT: a review"),
    ],
)
def test_different_or_too_generic_titles_are_not_likely_duplicates(first, second):
    assert title_similarity(first, second) < LIKELY_THRESHOLD


def test_latex_and_unicode_titles_are_written_alike():
    assert match_text("On $\\beta$-VAE and \\textit{disentangling}") == match_text("On β-VAE and disentangling")


def test_a_typo_at_either_end_keeps_one_block():
    original = block_keys("emicizumab prophylaxis in persons with hemophilia a")
    typo_at_start = block_keys("emicizumad prophylaxis in persons with hemophilia a")
    typo_at_end = block_keys("emicizumab prophylaxis in persons with hemophilia b")
    assert original[1] == typo_at_start[1] and original[0] == typo_at_end[0]


# Pairs listed during imports


@pytest.mark.django_db
def test_an_arxiv_preprint_and_its_published_version_are_listed_as_a_likely_pair():
    imported(
        {
            "arxiv_id": "2001.08361",
            "title": "Scaling Laws for Neural Language Models",
            "abstract": "We study empirical scaling laws.",
            "authors": ["Jared Kaplan"],
        }
    )
    report = imported(
        {
            "doi": "10.1234/jmlr.2021.77",
            "title": PUBLISHED_TITLE,
            "abstract": "We study empirical scaling laws for the cross-entropy loss.",
            "authors": ["Kaplan, Jared"],
            "year": 2021,
            "venue": "Journal of Machine Learning",
        }
    )

    assert report.files[0].created == 1
    pair = DuplicateCandidate.objects.get()
    assert {pair.paper_a.arxiv_id, pair.paper_b.doi} == {"2001.08361", "10.1234/jmlr.2021.77"}
    assert pair.found_by == FoundBy.TITLE and pair.status == DuplicateStatus.OPEN
    assert pair.score >= LIKELY_THRESHOLD


@pytest.mark.django_db
def test_latex_and_unicode_versions_of_a_title_are_listed():
    imported({"doi": "10.1/a", "title": "Learning $\\alpha$-divergences from samples of stochastic processes"})
    imported({"pmid": "31415", "title": "Learning α-Divergences from Samples of Stochastic Processes", "year": 2020})
    assert len(pairs()) == 1


@pytest.mark.django_db
def test_an_erratum_with_the_same_title_and_another_doi_is_neither_merged_nor_listed():
    imported({"doi": "10.1016/j.cell.2020.01.001", "title": "Hair cortisol predicts burnout in nurses", "year": 2020})
    report = imported(
        {"doi": "10.1016/j.cell.2020.05.009", "title": "Hair cortisol predicts burnout in nurses", "year": 2020}
    )

    assert report.files[0].created == 1 and report.files[0].duplicates == 0
    assert Paper.objects.count() == 2
    assert not DuplicateCandidate.objects.exists()


@pytest.mark.django_db
def test_a_preprint_two_years_before_its_publication_is_listed_but_not_one_five_years_apart():
    imported({"doi": "10.1/pre", "title": "Cortisol in hair as a marker of chronic stress in adults", "year": 2018})
    imported({"pmid": "77", "title": "Cortisol in hair as a marker of chronic stress in adults.", "year": 2020})
    imported({"pmid": "78", "title": "Cortisol in hair as a marker of chronic stress in adults!", "year": 2025})

    listed = {(pair.paper_a.year, pair.paper_b.year) for pair in DuplicateCandidate.objects.all()}
    assert listed == {(2018, 2020)}


@pytest.mark.django_db
def test_a_rejected_pair_is_never_listed_again():
    a = Paper.objects.create(title="Emicizumab prophylaxis in persons with hemophilia A", year=2019)
    b = Paper.objects.create(title="Emicizumab prophylaxis in persons with haemophilia A", year=2019)
    assert record_likely_duplicates([a.pk, b.pk]) == 1
    DuplicateCandidate.objects.update(status=DuplicateStatus.REJECTED)

    assert record_likely_duplicates([a.pk, b.pk]) == 0
    assert DuplicateCandidate.objects.get().status == DuplicateStatus.REJECTED


@pytest.mark.django_db
def test_papers_sharing_a_doi_are_listed_as_certain():
    arxiv = make_paper("2001.08361", title="Scaling laws", doi="10.1234/x")
    journal = Paper.objects.create(title="Scaling laws for neural language models", doi="10.1234/x", year=2021)
    record_likely_duplicates([journal.pk])

    pair = DuplicateCandidate.objects.get()
    assert (pair.paper_a_id, pair.paper_b_id) == (arxiv.pk, journal.pk)
    assert pair.found_by == FoundBy.IDENTIFIER and pair.score == 100
