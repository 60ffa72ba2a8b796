"""An owner moves a colleague's Rayyan screening into a review from the settings page: a wrong file first, refused
with its line, then the right one; the colleague's decisions, labels and notes land, and the paper shows them."""

import pytest
from playwright.sync_api import expect

from reviews.models import Comment, ExclusionReason, PaperTag, Role, ScreeningDecision
from tests.browser import browser_page, login  # noqa: F401 - browser_page is a fixture
from tests.factories import make_review, make_user
from tests.test_import_screening_exports import DATA

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_owner_imports_a_rayyan_screening_from_the_settings_page(live_server, browser_page, tmp_path):  # noqa: F811
    alice, ana = make_user("alice"), make_user("ana")
    make_review("burnout", members={alice: Role.OWNER, ana: Role.REVIEWER}, blind=True)
    bad = tmp_path / "rayyan_bad.ris"
    bad.write_text('TY  - JOUR\nTI  - A paper\nN1  - RAYYAN-INCLUSION: {"Ana"=>"Perhaps"}\nER  - \n', encoding="utf-8")
    page = browser_page
    login(page, live_server, "alice")
    page.goto(f"{live_server.url}/reviews/burnout/settings/")
    page.get_by_role("link", name="Import from ASReview or Rayyan").click()
    form = page.locator("#import")

    # A file with a decision Rayyan never writes is refused with its line; nothing is imported.
    form.get_by_label("Exported from").select_option("rayyan")
    form.get_by_label("Export file").set_input_files(str(bad))
    form.get_by_label("Whose decisions").select_option(label="ana (reviewer)")
    form.get_by_role("button", name="Import decisions").click()
    expect(page.get_by_role("alert")).to_contain_text("rayyan_bad.ris:1: RAYYAN-INCLUSION: 'Perhaps'")
    assert not ScreeningDecision.objects.exists()

    # The real export, holding two reviewers' decisions: Ana's are taken.
    form = page.locator("#import")
    form.get_by_label("Exported from").select_option("rayyan")
    form.get_by_label("Export file").set_input_files(str(DATA / "rayyan_export.ris"))
    form.get_by_label("Whose decisions").select_option(label="ana (reviewer)")
    form.get_by_label("Name in Rayyan").fill("Ana")
    form.get_by_role("button", name="Import decisions").click()
    expect(page.locator(".messages")).to_contain_text("into “burnout” as ana")
    expect(page.locator(".messages")).to_contain_text("decisions: 1 exclude, 1 include, 1 maybe")
    decisions = dict(ScreeningDecision.objects.filter(user=ana).values_list("paper__title", "decision"))
    assert decisions["Sleep hygiene education for shift workers"] == "exclude"
    assert ExclusionReason.objects.filter(label="wrong population").exists()
    assert PaperTag.objects.filter(applied_by=ana, tag__name="RCT").exists()
    assert Comment.objects.filter(author=ana, body__startswith="dose unclear").exists()

    # The new reason is in the settings, and the paper shows Ana's work to the owner.
    expect(page.locator("#reasons")).to_contain_text("wrong population")
    page.goto(f"{live_server.url}/reviews/burnout/")
    page.get_by_role("link", name="Effect of mindfulness training on burnout in ICU nurses").first.click()
    expect(page.get_by_text("dose unclear")).to_be_visible()
    expect(page.locator("body")).to_contain_text("RCT")
