"""The settings page's "Import decisions from ASReview or Rayyan" form: owners only, the same import as the command,
a refused file shown as FILE:LINE beside the form with nothing written."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from papers.models import Paper
from reviews.models import Membership, Role, ScreeningDecision
from tests.factories import logged_in, make_review, make_user
from tests.test_import_screening_exports import DATA


@pytest.fixture
def team(db):
    alice, ana, olivia, mallory = (make_user(name) for name in ("alice", "ana", "olivia", "mallory"))
    review = make_review("burnout", members={alice: Role.OWNER, ana: Role.REVIEWER, olivia: Role.OBSERVER})
    return review, alice, ana, olivia, mallory


def post(client, review, screener, name="asreview_export.csv", content=None, **fields):
    content = content if content is not None else (DATA / name).read_bytes()
    data = {"source": "asreview", "screener": screener.pk, "file": SimpleUploadedFile(name, content), **fields}
    return client.post(reverse("reviews:settings_screening_import", args=[review.slug]), data)


def test_the_owner_imports_a_members_asreview_decisions(client, team):
    review, alice, ana, *_ = team
    screener = Membership.objects.get(review=review, user=ana)
    response = post(logged_in(client, alice), review, screener)
    assert response.status_code == 302 and response.url.endswith("/settings/#import")
    assert ScreeningDecision.objects.filter(review=review, user=ana).count() == 4
    page = client.get(response.url)
    assert "into “burnout” as ana" in page.content.decode()
    assert "decisions: 2 exclude, 2 include" in page.content.decode()


def test_the_form_offers_only_members_who_screen(client, team):
    review, alice, *_ = team
    page = logged_in(client, alice).get(reverse("reviews:settings", args=[review.slug])).content.decode()
    assert "Import decisions from ASReview or Rayyan" in page
    assert "ana (reviewer)" in page and "alice (owner)" in page and "olivia (observer)" not in page
    observer = Membership.objects.get(review=review, user__username="olivia")
    response = post(client, review, observer)
    assert response.status_code == 422 and not ScreeningDecision.objects.exists()


def test_a_refused_file_shows_its_problems_and_writes_nothing(client, team):
    review, alice, ana, *_ = team
    screener = Membership.objects.get(review=review, user=ana)
    content = b"title,abstract,asreview_label\nA,An abstract,2\n"
    response = post(logged_in(client, alice), review, screener, name="bad.csv", content=content)
    assert response.status_code == 422
    text = response.content.decode()
    assert "Nothing was imported:" in text and "bad.csv:2: asreview_label &#x27;2&#x27; is not a label" in text
    assert not Paper.objects.exists()


def test_a_dry_run_from_the_page_writes_nothing(client, team):
    review, alice, ana, *_ = team
    screener = Membership.objects.get(review=review, user=ana)
    response = post(logged_in(client, alice), review, screener, dry_run="on")
    assert "Dry run, nothing written" in client.get(response.url).content.decode()
    assert not Paper.objects.exists() and not ScreeningDecision.objects.exists()


def test_it_checks_ownership(client, team):
    review, alice, ana, olivia, mallory = team
    screener = Membership.objects.get(review=review, user=ana)
    assert post(logged_in(client, ana), review, screener).status_code == 403
    assert post(logged_in(client, mallory), review, screener).status_code == 404
    client.logout()
    assert post(client, review, screener).status_code == 302
    assert client.get(reverse("reviews:settings_screening_import", args=[review.slug])).status_code in (302, 405)
    assert not Paper.objects.exists()
