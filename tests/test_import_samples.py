"""Realistic exports of reference managers and databases (tests/data/), each through the importer, field by field."""

import datetime

from papers.models import ImportBatch, Paper
from tests.importer_fixtures import DATA, run_import_papers, write_file


def imported(name: str):
    result = run_import_papers(DATA / name)
    assert result.exit_code == 0, result.stderr
    return result


def test_a_zotero_library_imports_every_entry_with_or_without_an_arxiv_id(db):
    result = imported("zotero_library.bib")

    assert "5 created, 0 updated, 0 unchanged, 0 skipped" in result.stdout
    review = Paper.objects.get(pmid="31234567")
    assert review.title == "Deep Learning for Diabetic Retinopathy Screening: A Systematic Review"
    # LaTeX accents decoded; a braced corporate author is one name.
    assert review.authors == ["John Smith", "María García", "Jürgen Müller", "World Health Organization"]
    assert review.doi == "10.1117/1.jmi.12.3.e123"
    assert (review.venue, review.year, review.month) == ("Journal of Medical Imaging", 2019, 1)
    assert review.submitted_month == datetime.date(2019, 1, 1)
    assert review.extra == {
        "type": "article",
        "citation_key": "smith2019deep",
        "volume": "12",
        "issue": "3",
        "pages": "e123–e130",
        "issn": "2329-4302",
        "language": "english",
        "keywords": ["deep learning", "diabetic retinopathy", "screening"],
    }
    acl = Paper.objects.get(url="https://aclanthology.org/2020.acl-main.999")
    assert acl.title == "Graph Attention over Knowledge Bases for Question Answering — 基于知识库的问答"
    assert acl.authors == ["Wei Zhang", "Åse Ødegård", "Éloïse Crête"]
    assert acl.venue == "Proceedings of the 58th Annual Meeting of the Association for Computational Linguistics"
    assert acl.extra["publisher"] == "Association for Computational Linguistics"
    book = Paper.objects.get(title="The Elements of Statistical Learning")
    assert (book.extra["type"], book.extra["isbn"], book.year, book.month) == ("book", "978-0-387-84857-0", 2009, None)


def test_zotero_multi_class_primary_class_keeps_the_first_as_primary_and_all_in_extra(db):
    imported("zotero_library.bib")

    paper = Paper.objects.get(arxiv_id="2105.01234")
    assert (paper.version, paper.primary_category) == (2, "cs.LG")
    assert paper.extra["categories"] == ["cs.LG", "stat.ML"]


def test_a_repeated_citation_key_and_an_unsplittable_author_are_imported_with_a_note(db):
    result = imported("zotero_library.bib")

    second = Paper.objects.get(doi="10.1002/sim.7777")
    assert second.title == "A Second Paper Under the Same Citation Key"
    assert second.extra["citation_key"] == "smith2019deep"
    # Three commas: bibtexparser cannot split the name, so it is kept as written.
    assert second.authors == ["Jane Doe", "Roe, R., Jr., Extra, Commas"]
    assert "zotero_library.bib:42: citation key 'smith2019deep' again (first at line 3)" in result.stderr


def test_a_scopus_csv_maps_its_columns(db):
    imported("scopus.csv")

    first = Paper.objects.get(pmid="31234567")
    assert first.title == "Deep learning for diabetic retinopathy screening: A systematic review"
    assert first.authors == ["John Smith", "María García"]  # "Author full names", without Scopus author ids
    assert first.abstract == 'We review convolutional networks for grading fundus photographs, "end to end".'
    assert (first.venue, first.year, first.doi) == ("Journal of Medical Imaging", 2019, "10.1117/1.jmi.12.3.e123")
    assert first.extra["keywords"] == ["deep learning", "diabetic retinopathy"]
    assert first.extra["index_terms"] == ["Humans", "Retina", "Neural Networks, Computer"]
    assert (first.extra["volume"], first.extra["issue"], first.extra["pages"]) == ("12", "3", "123-130")
    assert (first.extra["type"], first.extra["language"]) == ("Review", "English")
    assert (first.extra["accession"], first.extra["database"]) == ("2-s2.0-85060000001", "Scopus")
    second = Paper.objects.get(doi="10.1148/ryai.2021200001")
    assert second.venue == "Radiology: Artificial Intelligence"
    # Without full names, "Authors" separates names by commas.
    assert second.authors == ["Okafor C.", "Lindqvist A."]
    assert second.pmid == ""


def test_a_web_of_science_tab_delimited_export_maps_its_two_letter_tags(db):
    result = imported("wos_savedrecs.txt")

    assert ImportBatch.objects.get().format == "csv"
    assert "2 created" in result.stdout
    article = Paper.objects.get(pmid="31234567")
    # Nothing is quoted in this export: a title opening with a quotation mark keeps it.
    assert article.title == '"Deep" learning for diabetic retinopathy screening'
    assert article.authors == ["John Smith", "Maria Garcia"]  # AF (full names) before AU
    assert (article.venue, article.year, article.month) == ("JOURNAL OF MEDICAL IMAGING", 2019, 3)
    assert article.extra["keywords"] == ["deep learning", "diabetic retinopathy"]
    assert article.extra["index_terms"] == ["CLASSIFICATION", "RETINA"]
    assert (article.extra["pages"], article.extra["accession"]) == ("123-130", "WOS:000460000000001")
    proceedings = Paper.objects.get(extra__accession="WOS:000800000000002")
    assert (proceedings.title, proceedings.year, proceedings.month) == ("Sparse attention for long documents", 2022, 6)


def test_a_pubmed_nbib_file_imports_every_record(db):
    result = imported("pubmed.nbib")

    assert ImportBatch.objects.get().format == "medline"
    assert "3 created" in result.stdout
    review = Paper.objects.get(pmid="31234567")
    assert review.title == "Deep learning for diabetic retinopathy screening: a systematic review and meta-analysis."
    assert review.abstract.startswith("BACKGROUND: Screening for diabetic retinopathy is costly. METHODS: We searched")
    assert review.authors == ["John Smith", "María García"]
    assert (review.doi, review.venue) == ("10.1117/1.jmi.12.3.e123", "Journal of medical imaging (Bellingham, Wash.)")
    assert (review.year, review.month) == (2019, 1)
    assert review.extra["mesh_terms"] == ["Humans", "*Deep Learning", "Diabetic Retinopathy/*diagnosis"]
    assert review.extra["keywords"] == ["fundus photography", "screening"]
    assert review.extra["publication_types"] == ["Journal Article", "Systematic Review"]
    assert (review.extra["pmcid"], review.extra["pages"]) == ("PMC6543210", "e123-e130")
    trial = Paper.objects.get(pmid="9876543")
    assert (trial.year, trial.month, trial.authors) == (1948, 7, ["Medical Research Council"])
    assert trial.display_id == "PMID:9876543"
    title_only = Paper.objects.get(pmid="35000001")
    assert (title_only.abstract, title_only.year, title_only.month) == ("", 2022, None)
    assert title_only.doi == "10.5555/things.2022.1"


def test_a_rayyan_ris_export_finds_pubmed_ids_in_links_and_accession_numbers(db):
    imported("rayyan.ris")

    telemedicine = Paper.objects.get(pmid="32000001")
    assert telemedicine.title == "Telemedicine for diabetic retinopathy in rural clinics"
    assert telemedicine.authors == ["Chidi Okafor", "Anna Lindqvist"]
    assert (telemedicine.year, telemedicine.month, telemedicine.venue) == (2020, 3, "Ophthalmology")
    assert telemedicine.doi == "10.1016/j.ophtha.2019.10.001"
    assert telemedicine.extra["keywords"] == ["telemedicine", "retina", "screening"]
    assert telemedicine.extra["note"].startswith("RAYYAN-INCLUSION:")
    assert (telemedicine.extra["pages"], telemedicine.extra["issn"]) == ("301-309", "0161-6420")
    fairness = Paper.objects.get(pmid="33000002")
    assert fairness.venue == "Proceedings of the Conference on Fairness, Accountability, and Transparency"
    assert (fairness.year, fairness.month, fairness.extra["pages"]) == (2021, None, "10-20")


def test_a_rayyan_csv_and_an_asreview_csv_map_their_columns(db):
    imported("rayyan.csv")
    imported("asreview.csv")

    rayyan = Paper.objects.get(pmid="32000001")
    assert (rayyan.venue, rayyan.year, rayyan.month) == ("Ophthalmology", 2020, 3)
    assert rayyan.extra["pmcid"] == "PMC7000001"
    asreview = Paper.objects.get(doi="10.1000/asr.1")
    assert asreview.authors == ["John Smith", "Jane Doe"]
    assert asreview.extra == {"record_id": "1", "keywords": ["screening", "fundus"]}
    # A title is enough: ASReview's records often have no abstract. Its label columns are not read here.
    untitled_abstract = Paper.objects.get(title="Manual grading is slow")
    assert (untitled_abstract.abstract, untitled_abstract.year) == ("", 2017)


def test_an_embase_csv_maps_its_columns(db):
    imported("embase.csv")

    paper = Paper.objects.get()
    assert (paper.pmid, paper.doi, paper.year) == ("27481859", "10.3399/bjgp16x686101", 2016)
    assert paper.authors == ["Smith J.", "Doe A.B."]
    assert paper.venue == "British Journal of General Practice"
    assert paper.extra["index_terms"] == ["diabetic retinopathy", "screening"]
    assert paper.extra["pages"] == "e601-e608"


def test_numbered_ris_references_and_slashed_dates_are_read(db):
    imported("endnote_numbered.ris")

    portable = Paper.objects.get(title="Retinal imaging with portable cameras")
    assert (portable.year, portable.month, portable.venue) == (1948, 7, "Eye")
    assert portable.date_label == "July 1948"
    handheld = Paper.objects.get(doi="10.1038/s41433-020-0001-1")
    assert (handheld.year, handheld.month) == (2020, 3)


def test_the_same_paper_from_pubmed_scopus_and_web_of_science_is_one_paper(db):
    imported("pubmed.nbib")
    result = imported("scopus.csv")
    imported("wos_savedrecs.txt")

    assert Paper.objects.filter(pmid="31234567").count() == 1
    assert "1 created, 1 updated" in result.stdout


def test_a_zotero_csv_and_a_web_of_science_csv_with_full_column_names_are_read(db, tmp_path):
    zotero = write_file(
        tmp_path,
        "zotero.csv",
        '"Key","Item Type","Publication Year","Author","Title","Publication Title","DOI","Url","Abstract Note",'
        '"Date","Manual Tags","Automatic Tags"\n'
        '"ABCD1234","journalArticle","2019","Smith, John; García, María","Deep screening","Journal of Things",'
        '"10.1000/z.1","https://example.org/z","An abstract.","2019-04-02","deep; screening","retina"\n',
    )
    wos = write_file(
        tmp_path,
        "wos.csv",
        "Publication Type,Authors,Author Full Names,Article Title,Source Title,Abstract,Publication Date,"
        "Publication Year,DOI,Pubmed Id,Keywords Plus,Start Page,End Page,UT (Unique WOS ID)\n"
        'J,Okafor C,"Okafor, Chidi",Rural screening,OPHTHALMOLOGY,Abstract.,MAR 15,2020,,32000001,RETINA,301,309,'
        "WOS:000500000000009\n",
    )

    assert run_import_papers(zotero, wos).exit_code == 0

    deep = Paper.objects.get(doi="10.1000/z.1")
    assert (deep.venue, deep.year, deep.month) == ("Journal of Things", 2019, 4)
    assert deep.authors == ["John Smith", "María García"]
    assert (deep.extra["type"], deep.extra["keywords"], deep.extra["index_terms"]) == (
        "journalArticle",
        ["deep", "screening"],
        ["retina"],
    )
    rural = Paper.objects.get(pmid="32000001")
    assert (rural.title, rural.authors, rural.year, rural.month) == ("Rural screening", ["Chidi Okafor"], 2020, 3)
    assert (rural.extra["pages"], rural.extra["accession"], rural.extra["index_terms"]) == (
        "301-309",
        "WOS:000500000000009",
        ["RETINA"],
    )


def test_ris_with_one_space_before_the_dash_is_read_and_prose_continuation_lines_stay_prose(db, tmp_path):
    loose = write_file(tmp_path, "loose.ris", "TY - JOUR\nTI - Loose tags\nPY - 2001\nER - \n")
    strict = write_file(
        tmp_path,
        "strict.ris",
        "TY  - JOUR\nTI  - Strict tags\nAB  - Cohorts from two countries:\nUK - based and US - based.\nER  - \n",
    )

    assert run_import_papers(loose, strict).exit_code == 0

    assert Paper.objects.get(title="Loose tags").year == 2001
    assert Paper.objects.get(title="Strict tags").abstract == "Cohorts from two countries: UK - based and US - based."


def test_scopus_source_names_the_database_not_the_journal(db, tmp_path):
    path = write_file(tmp_path, "scopus.csv", "Title,Source title,Source\nNo journal given,,Scopus\n")

    assert run_import_papers(path).exit_code == 0

    paper = Paper.objects.get()
    assert (paper.venue, paper.extra) == ("", {"database": "Scopus"})


def test_jsonl_reads_the_csv_column_names_in_any_case_and_keeps_its_own_extra(db, tmp_path):
    path = write_file(
        tmp_path,
        "export.jsonl",
        '{"Title": "A", "DOI": "10.1000/A", "PubMed ID": "77", "Publication Year": 2020, "Month": "Feb", '
        '"keywords": ["x", "y"], "extra": {"volume": "3", "custom": {"nested": [1, 2]}}}\n'
        '{"title": "B", "journal": "J", "year": "1999", "month": 12}\n',
    )

    assert run_import_papers(path).exit_code == 0

    first = Paper.objects.get(title="A")
    assert (first.doi, first.pmid, first.year, first.month) == ("10.1000/a", "77", 2020, 2)
    assert first.extra == {"volume": "3", "custom": {"nested": [1, 2]}, "keywords": ["x", "y"]}
    second = Paper.objects.get(title="B")
    assert (second.venue, second.year, second.month) == ("J", 1999, 12)


def test_a_doi_column_holding_no_doi_never_makes_two_papers_one(db, tmp_path):
    path = write_file(tmp_path, "refs.csv", "title,doi\nFirst paper,N/A\nSecond paper,N/A\n")

    assert run_import_papers(path).exit_code == 0

    assert Paper.objects.count() == 2
    assert list(Paper.objects.values_list("doi", "extra")) == [("", {"doi_as_given": "N/A"})] * 2


def test_bibtex_et_al_names_no_one_and_a_www_address_becomes_a_link(db, tmp_path):
    path = write_file(
        tmp_path,
        "refs.bib",
        "@article{a,\n  title = {T},\n  author = {Doe, Jane and others},\n  url = {www.example.org/paper}\n}\n",
    )

    assert run_import_papers(path).exit_code == 0

    paper = Paper.objects.get()
    assert (paper.authors, paper.url) == (["Jane Doe"], "https://www.example.org/paper")


def test_a_bibtex_string_macro_defined_twice_uses_the_first_and_says_so(db, tmp_path):
    path = write_file(
        tmp_path,
        "refs.bib",
        "@string{jmi = {Journal of Medical Imaging}}\n@string{jmi = {J. Med. Imaging}}\n"
        "@article{a,\n  title = {T},\n  journal = jmi,\n  keywords = {one},\n  keywords = {two}\n}\n",
    )

    result = run_import_papers(path)

    assert result.exit_code == 0, result.stderr
    paper = Paper.objects.get()
    assert (paper.venue, paper.extra["keywords"]) == ("Journal of Medical Imaging", ["one", "two"])
    assert "refs.bib:2: @string 'jmi' defined again (first at line 1): the first is used" in result.stderr
    assert "refs.bib:3: field(s) keywords given twice in @article{a}: values joined" in result.stderr


def test_a_ris_keyword_with_a_comma_is_one_keyword(db, tmp_path):
    ris = "TY  - JOUR\nTI  - T\nKW  - Neural Networks, Computer\nKW  - a; b\nER  - \n"
    path = write_file(tmp_path, "refs.ris", ris)

    assert run_import_papers(path).exit_code == 0

    assert Paper.objects.get().extra["keywords"] == ["Neural Networks, Computer", "a", "b"]


def test_a_pubmed_csv_export_is_read(db, tmp_path):
    path = write_file(
        tmp_path,
        "csv-retina-set.csv",
        "PMID,Title,Authors,Citation,First Author,Journal/Book,Publication Year,Create Date,PMCID,NIHMS ID,DOI\n"
        '31234567,Deep screening.,"Smith J, García M, van der Berg JP",J Med Imaging. 2019;12(3):e123.,Smith J,'
        "J Med Imaging (Bellingham),2019,2019/01/15,PMC6543210,,10.1117/1.JMI.12.3.E123\n",
    )

    assert run_import_papers(path).exit_code == 0

    paper = Paper.objects.get()
    assert (paper.pmid, paper.title, paper.venue, paper.year) == (
        "31234567",
        "Deep screening.",
        "J Med Imaging (Bellingham)",
        2019,
    )
    assert paper.authors == ["Smith J", "García M", "van der Berg JP"]
    assert paper.extra["pmcid"] == "PMC6543210"
