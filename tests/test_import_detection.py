"""Auto-detection recognises every format and every export's header the importers read."""

import pytest

from papers.importers.detect import detect_format
from tests.importer_fixtures import DATA


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("zotero_library.bib", "bibtex"),
        ("articles.bib", "bibtex"),
        ("zotero.ris", "ris"),
        ("rayyan.ris", "ris"),
        ("endnote_numbered.ris", "ris"),
        ("pubmed.nbib", "medline"),
        ("papers.jsonl", "jsonl"),
        ("papers.csv", "csv"),
        ("scopus.csv", "csv"),
        ("wos_savedrecs.txt", "csv"),
        ("embase.csv", "csv"),
        ("asreview.csv", "csv"),
        ("rayyan.csv", "csv"),
    ],
)
def test_each_sample_export_is_recognised(name, expected):
    text = (DATA / name).read_bytes().decode("utf-8-sig")

    assert detect_format(text) == expected


@pytest.mark.parametrize(
    "header",
    [
        "record_id,title,abstract,authors,doi,keywords,year,url,included",  # ASReview
        "key,title,authors,journal,issn,volume,issue,pages,year,month,day,publisher,pmc_id,pubmed_id,url,abstract",
        '"Authors","Author full names","Title","Year","Source title","DOI","Abstract","PubMed ID","EID"',  # Scopus
        "PT\tAU\tBA\tBE\tGP\tAF\tBF\tCA\tTI\tSO\tSE\tBS\tLA\tDT\tDE\tID\tAB\tPY\tVL\tIS\tBP\tEP\tDI\tPM\tUT",  # WoS
        "Publication Type,Authors,Article Title,Source Title,Abstract,Publication Year,DOI,UT (Unique WOS ID)",
        "Title,Author Names,Source,Publication Year,Abstract,DOI,Medline PMID,Emtree Drug Index Terms",  # Embase
        '"Key","Item Type","Publication Year","Author","Title","Publication Title","Abstract Note","DOI"',  # Zotero
        "Title;Abstract;Authors;Year",  # Excel in a European locale
        "TI\tAB\tUT",
    ],
)
def test_the_headers_of_review_tools_and_databases_are_recognised_as_tables(header):
    assert detect_format(f"{header}\nsome,row\n") == "csv"


@pytest.mark.parametrize(
    "text",
    ["id,name,price\n1,a,2\n", "Dear colleague,\nhere are the papers.\n", "ID\tAU\n1\tx\n"],
)
def test_tables_without_a_title_or_abstract_column_are_not_taken_for_papers(text):
    assert detect_format(text) is None
