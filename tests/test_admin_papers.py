import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from papers.models import ImportBatch, ImportJob, Paper
from tests.factories import make_paper, make_user
from tests.hostile_inputs import HOSTILE_FILES
from tests.importer_fixtures import DATA, database_snapshot, seed_corpus  # noqa: F401

UPLOAD_URL = "admin:papers_importbatch_upload"


def upload(client, name, content: bytes, follow=False, **fields):
    data = {"file": SimpleUploadedFile(name, content), "format": "auto", **fields}
    return client.post(reverse(UPLOAD_URL), data, follow=follow)


@pytest.mark.usefixtures("seed_corpus")
def test_the_paper_changelist_lists_seed_papers(admin_client, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        response = admin_client.get(reverse("admin:papers_paper_changelist"))

    assert response.status_code == 200
    assert "2212.10544" in response.text


@pytest.mark.usefixtures("seed_corpus")
def test_papers_can_be_found_by_arxiv_id_with_a_version(admin_client):
    response = admin_client.get(reverse("admin:papers_paper_changelist"), {"q": "2210.13966v3"})

    assert list(response.context["cl"].result_list) == [Paper.objects.get(arxiv_id="2210.13966")]


@pytest.mark.usefixtures("seed_corpus")
def test_a_search_for_an_id_with_an_impossible_version_finds_nothing_instead_of_failing(admin_client):
    response = admin_client.get(reverse("admin:papers_paper_changelist"), {"q": "2210.13966v" + "9" * 5_000})

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == []


@pytest.mark.usefixtures("seed_corpus")
def test_papers_can_be_found_by_words_in_the_abstract(admin_client):
    response = admin_client.get(reverse("admin:papers_paper_changelist"), {"q": "InstructBLIP"})

    assert "2305.06500" in [paper.arxiv_id for paper in response.context["cl"].result_list]


@pytest.mark.usefixtures("seed_corpus")
def test_papers_filter_by_month_category_and_import_batch(admin_client):
    admin_client.post(
        reverse(UPLOAD_URL),
        {"file": SimpleUploadedFile("misc.bib", (DATA / "arxiv_misc.bib").read_bytes()), "format": "auto"},
    )
    batch = ImportBatch.objects.get(file_name="misc.bib")
    url = reverse("admin:papers_paper_changelist")

    by_month = admin_client.get(url, {"submitted": "2022-12"}).context["cl"].result_list
    by_category = admin_client.get(url, {"primary_category": "cs.CV"}).context["cl"].result_list
    by_batch = admin_client.get(url, {"import_batches__id__exact": batch.pk}).context["cl"].result_list

    assert {p.submitted_month.isoformat() for p in by_month} == {"2022-12-01"}
    assert [p.arxiv_id for p in by_category] == ["2305.06500"]
    assert {p.arxiv_id for p in by_batch} == {"2201.11903", "2305.06500", "2212.10544"}


@pytest.mark.usefixtures("seed_corpus")
def test_the_paper_change_page_shows_provenance_read_only(admin_client):
    paper = Paper.objects.get(arxiv_id="2210.13966")

    response = admin_client.get(reverse("admin:papers_paper_change", args=[paper.pk]))

    assert response.status_code == 200
    assert "search_document" not in response.context["adminform"].form.fields
    assert "authors" in response.context["adminform"].form.fields
    assert "000_17fd64235e3a3294.txt" in response.text


@pytest.mark.usefixtures("seed_corpus")
def test_the_batch_changelist_links_to_upload_and_to_each_batchs_papers(admin_client):
    batch = ImportBatch.objects.get()

    response = admin_client.get(reverse("admin:papers_importbatch_changelist"))

    assert reverse(UPLOAD_URL) in response.text
    assert f"?import_batches__id__exact={batch.pk}" in response.text
    assert "100 papers" in response.text


@pytest.mark.usefixtures("seed_corpus")
def test_batches_cannot_be_added_or_edited_through_forms(admin_client):
    batch = ImportBatch.objects.get()

    assert admin_client.get(reverse("admin:papers_importbatch_add")).status_code == 403
    response = admin_client.post(reverse("admin:papers_importbatch_change", args=[batch.pk]), {"file_name": "x"})
    assert response.status_code == 403
    assert ImportBatch.objects.get().file_name != "x"


def test_the_upload_page_shows_the_form(admin_client, db):
    response = admin_client.get(reverse(UPLOAD_URL))

    assert response.status_code == 200
    assert set(response.context["form"].fields) == {"file", "format", "dry_run", "skip_invalid"}


@pytest.mark.usefixtures("seed_corpus")
def test_a_successful_upload_becomes_an_import_job_and_redirects_to_its_page(admin_client, admin_user):
    response = upload(admin_client, "zotero.ris", (DATA / "zotero.ris").read_bytes())

    job = ImportJob.objects.get()
    batch = ImportBatch.objects.get(file_name="zotero.ris")
    assert response.status_code == 302
    assert response.url == reverse("papers:import_job", args=[job.pk])
    assert job.status == "succeeded"
    assert list(job.batches.all()) == [batch]
    assert batch.imported_by == admin_user
    assert Paper.objects.get(arxiv_id="1706.03762").title == "Attention Is All You Need"
    page = admin_client.get(response.url)
    assert "<strong>2</strong> created, <strong>1</strong> updated" in page.text
    assert "<strong>0</strong> skipped" in page.text
    assert reverse("admin:papers_importbatch_change", args=[batch.pk]) in page.text


@pytest.mark.usefixtures("seed_corpus")
def test_a_dry_run_upload_saves_nothing(admin_client):
    before = database_snapshot()

    response = upload(admin_client, "zotero.ris", (DATA / "zotero.ris").read_bytes(), dry_run="on")

    assert response.status_code == 302
    assert database_snapshot() == before
    assert "Dry run done: nothing was saved" in admin_client.get(response.url).text


@pytest.mark.usefixtures("seed_corpus")
def test_a_bad_upload_lists_every_problem_and_saves_nothing(admin_client):
    before = database_snapshot()
    content = b'{"arxiv_id": "2213.00001", "abstract": "x"}\n{"arxiv_id": "2201.11903"}\n'

    response = upload(admin_client, "broken.jsonl", content, follow=True)

    assert response.status_code == 200
    assert "broken.jsonl:1: malformed arXiv id" in response.text
    assert "broken.jsonl:2: missing title and abstract for 2201.11903" in response.text
    assert database_snapshot() == before


@pytest.mark.usefixtures("seed_corpus")
@pytest.mark.parametrize(("name", "content", "expected"), HOSTILE_FILES.values(), ids=HOSTILE_FILES.keys())
def test_a_hostile_upload_shows_its_problem_and_saves_nothing(admin_client, name, content, expected):
    before = database_snapshot()

    response = upload(admin_client, name, content if isinstance(content, bytes) else content.encode(), follow=True)

    assert response.status_code == 200
    assert "nothing was imported" in response.text
    assert escape(expected) in response.text
    assert database_snapshot() == before


def test_non_staff_users_are_sent_to_the_admin_login(client, db):
    client.force_login(make_user("eve"))

    response = client.get(reverse(UPLOAD_URL))

    assert response.status_code == 302
    assert reverse("admin:login") in response.url


@pytest.mark.parametrize("method", ["get", "post"])
def test_staff_without_permission_to_add_papers_are_refused(client, db, method):
    clerk = make_user("clerk")
    clerk.is_staff = True
    clerk.save()
    clerk.user_permissions.add(Permission.objects.get(codename="view_importbatch"))
    client.force_login(clerk)

    response = getattr(client, method)(reverse(UPLOAD_URL))

    assert response.status_code == 403
    assert Paper.objects.count() == 0


def test_staff_with_permission_to_add_papers_can_upload(client, db):
    importer = make_user("importer")
    importer.is_staff = True
    importer.save()
    importer.user_permissions.add(Permission.objects.get(codename="add_paper"))
    client.force_login(importer)

    response = upload(client, "papers.csv", (DATA / "papers.csv").read_bytes())

    assert response.status_code == 302
    assert Paper.objects.count() == 3


def test_adding_a_paper_validates_the_id_and_keeps_it_canonical(admin_client):
    url = reverse("admin:papers_paper_add")
    fields = {"abstract": "Text.", "authors": "[]", "title": "", "primary_category": "", "doi": "", "url": ""}

    refused = admin_client.post(url, {**fields, "arxiv_id": "not-an-id"})
    added = admin_client.post(url, {**fields, "arxiv_id": "2201.11903v2"})
    duplicate = admin_client.post(url, {**fields, "arxiv_id": "2201.11903v3"})

    assert refused.status_code == 200
    assert "malformed arXiv id" in refused.content.decode()
    assert added.status_code == 302
    assert list(Paper.objects.values_list("arxiv_id", "version")) == [("2201.11903", 2)]
    assert duplicate.status_code == 200
    assert Paper.objects.count() == 1


def test_an_emptied_authors_box_saves_no_authors_and_anything_but_a_list_of_names_is_refused(admin_client):
    paper = make_paper("2201.11903", authors=["Ada Lovelace"])
    url = reverse("admin:papers_paper_change", args=[paper.pk])
    form = {"version": "", "title": "T", "abstract": "A", "primary_category": "", "doi": "", "url": ""}

    emptied = admin_client.post(url, {**form, "authors": ""})
    paper.refresh_from_db()
    refused = [admin_client.post(url, {**form, "authors": value}) for value in ("-1", '"Ada"', "[1, 2]", "{}")]

    assert emptied.status_code == 302
    assert paper.authors == []
    assert all(response.status_code == 200 for response in refused)
    assert all("JSON list of names" in response.text for response in refused)


def test_adding_a_paper_refuses_a_version_too_large_to_store(admin_client):
    fields = {"abstract": "Text.", "authors": "[]", "title": "", "primary_category": "", "doi": "", "url": ""}

    response = admin_client.post(reverse("admin:papers_paper_add"), {**fields, "arxiv_id": "2201.11903v99999"})

    assert response.status_code == 200
    assert "version 99999 is too large" in response.text
    assert Paper.objects.count() == 0


def test_a_paper_without_an_arxiv_id_can_be_added_with_its_doi_pubmed_id_and_other_fields(admin_client):
    fields = {"abstract": "", "authors": '["Jane Doe"]', "primary_category": "", "url": "", "version": ""}

    response = admin_client.post(
        reverse("admin:papers_paper_add"),
        {
            **fields,
            "arxiv_id": "",
            "title": "A journal paper",
            "doi": "https://doi.org/10.1000/ABC",
            "pmid": "PMID: 31234567",
            "venue": "Journal of Things",
            "year": "2019",
            "month": "3",
            "extra": '{"volume": "12", "keywords": ["a", "b"]}',
        },
    )

    assert response.status_code == 302
    paper = Paper.objects.get()
    assert (paper.arxiv_id, paper.doi, paper.pmid) == ("", "10.1000/abc", "31234567")
    assert (paper.venue, paper.year, paper.month) == ("Journal of Things", 2019, 3)
    assert paper.extra == {"volume": "12", "keywords": ["a", "b"]}
    assert paper.submitted_month.isoformat() == "2019-03-01"
    assert paper.title_key == "a journal paper"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("doi", "not a doi", "Enter a DOI"),
        ("pmid", "12a", "Enter a PubMed id"),
        ("month", "13", "Enter a month from 1 to 12"),
        ("extra", '["a list"]', "JSON object"),
        ("version", "2", "A version belongs to an arXiv id"),
    ],
)
def test_the_paper_form_refuses_ids_and_fields_it_cannot_store(admin_client, field, value, message):
    fields = {"abstract": "", "authors": "[]", "primary_category": "", "url": "", "title": "T", "year": "2020"}

    response = admin_client.post(reverse("admin:papers_paper_add"), {**fields, "arxiv_id": "", field: value})

    assert response.status_code == 200
    assert message in response.text
    assert Paper.objects.count() == 0


def test_editing_the_year_moves_a_paper_without_an_arxiv_id_and_an_arxiv_id_can_be_given_once(admin_client):
    paper = Paper.objects.create(title="A paper", year=2018)
    url = reverse("admin:papers_paper_change", args=[paper.pk])
    form = {"title": "A paper", "abstract": "", "authors": "[]", "primary_category": "", "url": "", "extra": "{}"}

    response = admin_client.post(url, {**form, "arxiv_id": "2201.11903", "year": "2021", "month": "5"})

    assert response.status_code == 302
    paper.refresh_from_db()
    assert (paper.arxiv_id, paper.year, paper.month) == ("2201.11903", 2021, 5)
    # An arXiv paper is ordered by its submission month, from the id.
    assert paper.submitted_month.isoformat() == "2022-01-01"
    assert admin_client.get(url).context["adminform"].form.fields.get("arxiv_id") is None


@pytest.mark.parametrize(
    ("term", "title"),
    [
        ("10.1117/1.JMI.12.3.E123", "Deep learning for diabetic retinopathy screening: a systematic review and"),
        ("https://doi.org/10.5555/things.2022.1", "A record PubMed has only a title for."),
        ("PMID:9876543", "The streptomycin trial in pulmonary tuberculosis."),
        ("9876543", "The streptomycin trial in pulmonary tuberculosis."),
        ("streptomycin", "The streptomycin trial in pulmonary tuberculosis."),
    ],
)
def test_papers_can_be_found_by_doi_pubmed_id_or_title(admin_client, term, title):
    upload(admin_client, "pubmed.nbib", (DATA / "pubmed.nbib").read_bytes())

    response = admin_client.get(reverse("admin:papers_paper_changelist"), {"q": term})

    assert [paper.title[: len(title)] for paper in response.context["cl"].result_list] == [title]


def test_the_changelist_shows_each_papers_best_id(admin_client):
    upload(admin_client, "pubmed.nbib", (DATA / "pubmed.nbib").read_bytes())
    make_paper("2201.11903", version=2)
    untitled = Paper.objects.create(title="Known by nothing but its title")

    response = admin_client.get(reverse("admin:papers_paper_changelist"))

    assert "arXiv:2201.11903v2" in response.text
    assert "PMID:9876543" in response.text
    assert "doi:10.1117/1.jmi.12.3.e123" in response.text
    assert f"Record {untitled.pk}" in response.text
    paper = Paper.objects.get(pmid="31234567")
    assert reverse("admin:papers_paper_change", args=[paper.pk]) in response.text


def test_a_non_arxiv_upload_imports_every_record_and_notes_its_encoding(admin_client, admin_user):
    response = upload(admin_client, "latin1.ris", (DATA / "latin1.ris").read_bytes())

    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert (batch.format, batch.created_count, batch.imported_by) == ("ris", 1, admin_user)
    assert Paper.objects.get().title == "Étude de la rétinopathie diabétique chez l'adulte"
    # The admin capitalises the first letter of each message.
    page = admin_client.get(response.url).text.lower()
    assert "latin1.ris: not utf-8: read as windows-1252 (latin-1)" in page
    assert "<strong>1</strong> created" in page


def test_an_upload_with_skip_invalid_imports_the_rest_and_lists_each_record_left_out(admin_client):
    content = b'{"title": "Kept"}\n{"doi": "10.1/x"}\n{"title": "Also kept", "year": 2020}\n'

    refused = upload(admin_client, "mixed.jsonl", content, follow=True)
    skipped = upload(admin_client, "mixed.jsonl", content, skip_invalid="on")

    assert refused.status_code == 200
    assert "mixed.jsonl:2: missing title and abstract" in refused.text
    assert "tick <em>Skip invalid records</em>" in refused.text
    assert skipped.status_code == 302
    assert set(Paper.objects.values_list("title", flat=True)) == {"Kept", "Also kept"}
    page = admin_client.get(skipped.url).text.lower()
    assert "mixed.jsonl:2: skipped: missing title and abstract" in page
    assert "<strong>2</strong> created, <strong>0</strong> updated" in page
    assert "<strong>1</strong> skipped" in page


def test_a_paper_with_only_a_year_shows_the_year_in_the_admin_not_the_first_of_january(admin_client):
    year_only = Paper.objects.create(doi="10.1000/y.1", title="Only a year", abstract="A.", year=2003)
    with_month = Paper.objects.create(pmid="30000001", title="Year and month", abstract="B.", year=1948, month=7)

    listing = admin_client.get(reverse("admin:papers_paper_changelist"))
    change = admin_client.get(reverse("admin:papers_paper_change", args=[year_only.pk]))

    assert '<td class="field-date">2003</td>' in listing.text
    assert '<td class="field-date">July 1948</td>' in listing.text
    assert "Jan. 1, 2003" not in listing.text + change.text and "July 1, 1948" not in listing.text
    assert '<div class="readonly">2003</div>' in change.text
    assert with_month.date_label == "July 1948"


def test_an_upload_of_unknown_format_says_to_choose_the_format_not_to_pass_a_command_line_option(admin_client):
    response = upload(admin_client, "notes.csv", b"\x00\x01\x02 not a bibliography", follow=True)

    assert "notes.csv:1: unknown format" in response.text
    assert "choose the format, not detect it" in response.text and "--format" not in response.text


def test_a_record_without_title_abstract_or_id_is_named_by_its_line_alone(admin_client):
    content = b"@article{fine, title={Fine}, year={2020}}\n\n@misc{noabs,\n  author = {Nobody, A.},\n}\n"

    response = upload(admin_client, "zotero.bib", content, follow=True)

    assert "zotero.bib:3: record has no title and no abstract" in response.text
    assert "record “”" not in response.text
