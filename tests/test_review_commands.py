import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from papers.models import ImportBatch, Paper
from reviews.models import Comment, Membership, PaperTag, Review, ReviewPaper, ScreeningDecision, Tag
from tests.factories import make_paper, make_review

SEED = "fixtures/000_17fd64235e3a3294.txt"


@pytest.mark.django_db
def test_the_demo_review_holds_the_seed_corpus_and_loading_it_twice_changes_nothing(settings, capsys):
    settings.DEBUG = True
    call_command("import_papers", SEED)

    call_command("load_demo")
    call_command("load_demo")

    review = Review.objects.get(slug="llm-efficiency")
    assert review.review_papers.count() == 100
    assert Membership.objects.filter(review=review).count() == 5
    assert set(Membership.objects.values_list("user__username", "role")) == {
        ("alice", "owner"),
        ("bob", "reviewer"),
        ("carol", "reviewer"),
        ("rosa", "resolver"),
        ("olivia", "observer"),
    }
    out = capsys.readouterr().out
    assert "alice" in out and "http://127.0.0.1:8000/accounts/login/ (or wherever you run the server)" in out


@pytest.mark.django_db
def test_sample_annotations_show_the_team_at_work_and_loading_them_twice_changes_nothing(settings):
    settings.DEBUG = True
    call_command("import_papers", SEED)

    call_command("load_demo", "--sample-annotations")
    call_command("load_demo", "--sample-annotations")

    review = Review.objects.get(slug="llm-efficiency")
    statuses = list(review.review_papers.exclude(team_status="undecided").values_list("team_status", flat=True))
    assert len(statuses) == 12
    assert {"awaiting", "included", "excluded", "maybe", "conflict", "resolved"} <= set(statuses)
    assert ScreeningDecision.objects.filter(user__username="carol").count() == 12
    assert ScreeningDecision.objects.filter(user__username="bob").count() == 8
    assert review.blind and review.required_screeners == 2
    assert Comment.objects.count() == 1
    assert PaperTag.objects.exists()
    call_command("check_summaries")


@pytest.mark.django_db
def test_the_demo_has_a_review_of_two_database_exports_with_their_duplicates(settings, client):
    from django.contrib.auth import get_user_model

    from papers.models import DuplicateCandidate
    from reviews.dashboard_queries import duplicates_removed

    settings.DEBUG = True
    call_command("import_papers", SEED)

    call_command("load_demo")
    call_command("load_demo")

    review = Review.objects.get(slug="hrt-bone-loss")
    # 40 Scopus records and 12 Embase ones, of which 8 are the same DOIs: 44 papers, none from arXiv.
    assert review.review_papers.count() == 44
    assert not review.review_papers.exclude(paper__arxiv_id="").exists()
    assert Review.objects.get(slug="llm-efficiency").review_papers.count() == 100
    assert ImportBatch.objects.filter(file_name="hrt_bone_loss_embase.ris").order_by("pk").first().duplicate_count == 8
    assert duplicates_removed(review.pk) == 8
    # The two near-duplicate titles of the Embase file wait for an owner on the review's Duplicates page.
    assert DuplicateCandidate.objects.filter(status="open").count() == 2
    client.force_login(get_user_model().objects.get(username="alice"))
    page = client.get(f"/reviews/{review.slug}/duplicates/")
    assert page.status_code == 200 and "Differential subjective effects of d-amphetamine by sex" in page.text


@pytest.mark.django_db
def test_demo_accounts_are_never_created_with_debug_off(settings):
    settings.DEBUG = False
    make_paper()

    with pytest.raises(CommandError, match="never created"):
        call_command("load_demo")

    assert not Review.objects.exists()


@pytest.mark.django_db
def test_add_to_review_takes_the_latest_import(capsys):
    review = make_review("survey")
    make_paper("2101.00001")
    call_command("import_papers", SEED)

    call_command("add_to_review", "survey", "--batch", "latest")

    assert review.review_papers.count() == 100
    assert "Added 100 paper(s)" in capsys.readouterr().out


@pytest.mark.django_db
def test_add_to_review_takes_ids_from_a_file_and_refuses_unknown_ones(tmp_path):
    review = make_review("survey")
    make_paper("2201.11903")
    make_paper("hep-th/9711200")
    good = tmp_path / "ids.txt"
    good.write_text("2201.11903v2\nhep-th/9711200\n")
    bad = tmp_path / "bad.txt"
    bad.write_text("2201.11903\n2301.99999\nnot-an-id\n")

    call_command("add_to_review", "survey", "--ids", str(good))
    with pytest.raises(CommandError, match=r"bad.txt:3: malformed arXiv id"):
        call_command("add_to_review", "survey", "--ids", str(bad))

    assert set(review.review_papers.values_list("paper__arxiv_id", flat=True)) == {"2201.11903", "hep-th/9711200"}


@pytest.mark.django_db
def test_add_to_review_names_a_missing_review_or_batch():
    make_review("survey")

    with pytest.raises(CommandError, match="No review"):
        call_command("add_to_review", "nope", "--all")
    with pytest.raises(CommandError, match="No import batch with id 999"):
        call_command("add_to_review", "survey", "--batch", "999")


def test_curators_add_selected_papers_to_a_review_from_the_admin(admin_client):
    review = make_review("survey")
    papers = [make_paper() for _ in range(3)]
    url = reverse("admin:papers_paper_changelist")
    selected = {"action": "add_to_review", "_selected_action": [p.pk for p in papers[:2]]}

    confirm = admin_client.post(url, selected)
    done = admin_client.post(url, {**selected, "apply": "1", "review": review.pk, "index": "0"})

    assert "Add papers to a review" in confirm.content.decode()
    assert done.status_code == 302
    assert set(review.review_papers.values_list("paper_id", flat=True)) == {papers[0].pk, papers[1].pk}


def test_curators_tag_selected_papers_in_a_review_from_the_admin(admin_client):
    inside, outside = make_paper(), make_paper()
    review = make_review("survey", papers=[inside])
    Tag.objects.create(review=review, name="Benchmark")
    url = reverse("admin:papers_paper_changelist")

    admin_client.post(
        url,
        {
            "action": "apply_tag_in_review",
            "_selected_action": [inside.pk, outside.pk],
            "apply": "1",
            "review": review.pk,
            "tag": " benchmark ",
            "index": "0",
        },
    )

    assert Tag.objects.count() == 1
    assert list(PaperTag.objects.values_list("paper_id", flat=True)) == [inside.pk]
    assert not ReviewPaper.objects.filter(paper=outside).exists()
    assert Paper.objects.count() == 2 and ImportBatch.objects.count() == 0
