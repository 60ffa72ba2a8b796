"""``manage.py find_duplicates`` over the whole corpus, and the curators' admin for possible duplicates."""

import io

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.management import call_command
from django.urls import reverse

from papers.models import DuplicateCandidate, DuplicateStatus, FoundBy, Paper, PaperAlias
from reviews import annotating
from reviews.models import Membership, ReviewPaper, Role, ScreeningDecision
from tests.factories import make_paper, make_review, make_user

CHANGELIST = reverse("admin:papers_duplicatecandidate_changelist")


def find_duplicates(*args) -> str:
    out = io.StringIO()
    call_command("find_duplicates", "--no-progress", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def corpus(db):
    """An arXiv paper and the DOI paper of its publication, imported before any record named both (so both
    carry the DOI now); a likely pair without ids; and an erratum that shares a title but not a DOI."""

    class Corpus:
        arxiv = make_paper("2106.09685", title="LoRA: Low-Rank Adaptation of Large Language Models", doi="10.5/lora")
        journal = Paper.objects.create(title="LoRA: low-rank adaptation of large language models", doi="10.5/lora")
        thesis = Paper.objects.create(title="Hair cortisol concentrations in night-shift nurses", year=2019)
        article = Paper.objects.create(title="Hair cortisol concentrations in night shift nurses.", year=2020)
        original = Paper.objects.create(title="Sleep and memory consolidation in rats", doi="10.9/a", year=2018)
        erratum = Paper.objects.create(title="Sleep and memory consolidation in rats", doi="10.9/b", year=2018)

    return Corpus


def test_find_duplicates_lists_certain_and_likely_pairs_and_prints_them(corpus):
    output = find_duplicates()

    pairs = {(p.paper_a_id, p.paper_b_id): p.found_by for p in DuplicateCandidate.objects.all()}
    assert pairs == {
        (corpus.arxiv.pk, corpus.journal.pk): FoundBy.IDENTIFIER,
        (corpus.thesis.pk, corpus.article.pk): FoundBy.TITLE,
    }
    lora = "arXiv:2106.09685 “LoRA: Low-Rank Adaptation of Large Language Models”"
    assert f"certain 100.0  {lora}  ~  doi:10.5/lora" in output
    assert "likely" in output and "Hair cortisol concentrations in night shift nurses." in output
    assert "Scanned 6 papers: 2 new pair(s) listed — 1 certain, 1 likely" in output
    # Run again: nothing new, and a rejected pair stays rejected.
    DuplicateCandidate.objects.filter(found_by=FoundBy.TITLE).update(status=DuplicateStatus.REJECTED)
    assert "2 new pair" not in find_duplicates() and DuplicateCandidate.objects.filter(status="rejected").count() == 1


def test_merge_certain_merges_the_certain_pairs_only(corpus):
    alice = make_user("alice")
    review = make_review(papers=[corpus.arxiv, corpus.journal], members={alice: Role.OWNER})
    annotating.decide(Membership.objects.get(user=alice), corpus.journal.pk, "include")

    output = find_duplicates("--merge-certain")

    assert "merged doi:10.5/lora into arXiv:2106.09685" in output and "Merged 1 certain pair(s); 0 refused." in output
    assert not Paper.objects.filter(pk=corpus.journal.pk).exists()
    assert ScreeningDecision.objects.get().paper_id == corpus.arxiv.pk
    assert ReviewPaper.objects.get(review=review).include_count == 1
    assert PaperAlias.objects.get().key == f"paper-{corpus.journal.pk}"
    assert DuplicateCandidate.objects.get().found_by == FoundBy.TITLE  # the likely pair waits for a person


def test_find_duplicates_on_an_empty_corpus(db):
    assert "Scanned 0 papers: 0 new pair(s)" in find_duplicates("--merge-certain")


# The admin


@pytest.fixture
def listed(corpus):
    find_duplicates()
    return corpus


def test_the_changelist_and_the_side_by_side_page_load(admin_client, listed, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        response = admin_client.get(CHANGELIST)
    assert response.status_code == 200 and "doi:10.5/lora" in response.content.decode()
    pair = DuplicateCandidate.objects.get(found_by=FoundBy.TITLE)
    html = admin_client.get(reverse("admin:papers_duplicatecandidate_change", args=[pair.pk])).content.decode()
    assert "Hair cortisol concentrations in night-shift nurses" in html
    assert "Hair cortisol concentrations in night shift nurses." in html
    assert "(kept)" in html


def test_the_merge_action_merges_the_selected_pairs(admin_client, listed):
    pairs = list(DuplicateCandidate.objects.all())
    response = admin_client.post(
        CHANGELIST, {"action": "merge_pairs", ACTION_CHECKBOX_NAME: [p.pk for p in pairs]}, follow=True
    )
    html = response.content.decode()
    assert "Merged doi:10.5/lora into arXiv:2106.09685." in html
    assert Paper.objects.count() == 4 and not DuplicateCandidate.objects.exists()
    assert PaperAlias.objects.count() == 2
    aliases = admin_client.get(reverse("admin:papers_paperalias_changelist")).content.decode()
    assert "doi:10.5/lora" in aliases


def test_the_reject_action_marks_pairs_as_different_papers(admin_client, listed, admin_user):
    pair = DuplicateCandidate.objects.get(found_by=FoundBy.TITLE)
    admin_client.post(CHANGELIST, {"action": "reject_pairs", ACTION_CHECKBOX_NAME: [pair.pk]}, follow=True)
    pair.refresh_from_db()
    assert pair.status == DuplicateStatus.REJECTED and pair.decided_by == admin_user
    assert Paper.objects.count() == 6


def test_a_staff_member_without_permission_cannot_merge(client, listed):
    clerk = make_user("clerk")
    clerk.is_staff = True
    clerk.save()
    client.force_login(clerk)
    pair = DuplicateCandidate.objects.first()
    response = client.post(CHANGELIST, {"action": "merge_pairs", ACTION_CHECKBOX_NAME: [pair.pk]})
    assert response.status_code == 403
    assert Paper.objects.count() == 6
