import pytest
from django.urls import reverse

from reviews.models import ExclusionReason, Membership, PaperTag, Review, Role, ScreeningDecision, Tag
from tests.factories import logged_in, make_user


def url(team, name, *args):
    return reverse(f"reviews:{name}", args=[team.review.slug, *args])


def settings_url(team):
    return url(team, "settings")


def make_tag(team, name="Benchmark", **fields):
    return Tag.objects.create(review=team.review, name=name, **fields)


def tag_paper(team, tag, paper=None, user=None):
    return PaperTag.objects.create(review=team.review, paper=paper or team.paper, tag=tag, applied_by=user or team.bob)


def make_reason(team, label="Not about LLMs", position=0):
    return ExclusionReason.objects.create(review=team.review, label=label, position=position)


def membership_of(team, user):
    return Membership.objects.get(review=team.review, user=user)


def database_state():
    """Everything a settings action can change, to show a refused one changed nothing."""
    return (
        list(Review.objects.values()),
        list(Membership.objects.order_by("pk").values()),
        list(Tag.objects.order_by("pk").values()),
        list(PaperTag.objects.order_by("pk").values()),
        list(ExclusionReason.objects.order_by("pk").values()),
        list(ScreeningDecision.objects.order_by("pk").values()),
    )


# Each settings action as (url, POST data) for the team, with whatever it acts on already made.
ACTIONS = {
    "details": lambda team: (url(team, "settings_details"), {"title": "Renamed", "allow_new_tags": "on"}),
    "member_add": lambda team: (url(team, "settings_member_add"), {"username": "eve", "role": "reviewer"}),
    "member_role": lambda team: (
        url(team, "settings_member_role", membership_of(team, team.dave).pk),
        {"role": "observer"},
    ),
    "member_remove": lambda team: (url(team, "settings_member_remove", membership_of(team, team.dave).pk), {}),
    "tag_create": lambda team: (url(team, "settings_tag_create"), {"name": "New", "colour": "#123456"}),
    "tag_edit": lambda team: (
        url(team, "settings_tag_edit", make_tag(team).pk),
        {"name": "Renamed", "colour": "#123456", "description": ""},
    ),
    "tag_delete": lambda team: (url(team, "settings_tag_delete", make_tag(team).pk), {"confirm": "on"}),
    "reason_create": lambda team: (url(team, "settings_reason_create"), {"label": "Off topic"}),
    "reason_edit": lambda team: (
        url(team, "settings_reason_edit", make_reason(team).pk),
        {"label": "Renamed", "position": "3"},
    ),
    "reason_delete": lambda team: (url(team, "settings_reason_delete", make_reason(team).pk), {}),
}


def test_the_owner_sees_every_section_of_the_settings_page(client, team, django_assert_max_num_queries):
    tag_paper(team, make_tag(team, "Benchmark"))
    make_reason(team, "Not about LLMs")
    logged_in(client, team.alice)

    with django_assert_max_num_queries(10):
        response = client.get(settings_url(team))

    assert response.status_code == 200
    html = response.text
    for heading in ["Details", "Members", "Tags", "Exclusion reasons"]:
        assert f">{heading}</h2>" in html
    assert "on 1 paper" in html
    assert "Not about LLMs" in html
    assert "olivia" in html


def test_only_owners_see_the_settings_link_on_the_review(client, team):
    owner_page = logged_in(client, team.alice).get(team.review.get_absolute_url()).text
    reviewer_page = logged_in(client, team.bob).get(team.review.get_absolute_url()).text

    assert settings_url(team) in owner_page
    assert settings_url(team) not in reviewer_page


@pytest.mark.parametrize(("user", "status"), [("bob", 403), ("olivia", 403), ("eve", 404)])
def test_only_owners_may_open_the_settings_page(client, team, user, status):
    response = logged_in(client, getattr(team, user)).get(settings_url(team))

    assert response.status_code == status


def test_an_anonymous_visitor_is_sent_to_log_in_from_the_settings_page(client, team):
    response = client.get(settings_url(team))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize(("user", "status"), [("bob", 403), ("olivia", 403), ("eve", 404)])
def test_only_owners_may_change_settings_and_nothing_is_saved_otherwise(client, team, action, user, status):
    action_url, data = ACTIONS[action](team)
    before = database_state()

    response = logged_in(client, getattr(team, user)).post(action_url, data)

    assert response.status_code == status
    assert database_state() == before


@pytest.mark.parametrize("action", ACTIONS)
def test_anonymous_settings_changes_are_sent_to_log_in(client, team, action):
    action_url, data = ACTIONS[action](team)
    before = database_state()

    response = client.post(action_url, data)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert database_state() == before


@pytest.mark.parametrize("action", ACTIONS)
def test_settings_changes_need_a_post(client, team, action):
    action_url, _ = ACTIONS[action](team)

    response = logged_in(client, team.alice).get(action_url)

    assert response.status_code == 405


def test_the_owner_edits_the_reviews_details(client, team):
    response = logged_in(client, team.alice).post(
        url(team, "settings_details"),
        {
            "title": "LLM evaluation",
            "research_question": "How are LLMs evaluated?",
            "inclusion_criteria": "Peer reviewed",
            "exclusion_criteria": "Surveys",
        },
    )

    assert response.status_code == 302
    assert response.url == settings_url(team) + "#details"
    review = Review.objects.get()
    assert review.title == "LLM evaluation"
    assert review.research_question == "How are LLMs evaluated?"
    assert review.inclusion_criteria == "Peer reviewed"
    assert review.exclusion_criteria == "Surveys"
    assert review.allow_new_tags is False, "an unticked checkbox turns new tags off"
    assert review.slug == "llm-review"
    assert "Saved the review’s details." in client.get(response.url).text


def test_a_review_needs_a_title(client, team):
    before = database_state()

    response = logged_in(client, team.alice).post(url(team, "settings_details"), {"title": " "})

    assert response.status_code == 422
    assert "This field is required." in response.text
    assert "<title>Settings · Llm Review · Marginalia</title>" in response.text
    assert database_state() == before


def test_the_owner_adds_an_existing_user_as_a_member(client, team):
    response = logged_in(client, team.alice).post(
        url(team, "settings_member_add"), {"username": "eve", "role": "observer"}
    )

    assert response.status_code == 302
    assert response.url.endswith("#members")
    assert membership_of(team, team.eve).role == Role.OBSERVER


def test_an_unknown_username_is_refused_with_a_clear_error(client, team):
    before = database_state()

    response = logged_in(client, team.alice).post(
        url(team, "settings_member_add"), {"username": "nobody", "role": "reviewer"}
    )

    assert response.status_code == 422
    assert "There is no user called “nobody”" in response.text
    assert database_state() == before


def test_adding_someone_who_is_already_a_member_is_refused(client, team):
    before = database_state()

    response = logged_in(client, team.alice).post(
        url(team, "settings_member_add"), {"username": "bob", "role": "owner"}
    )

    assert response.status_code == 422
    assert "bob is already a member" in response.text
    assert database_state() == before


def test_an_unknown_role_is_refused(client, team):
    before = database_state()

    response = logged_in(client, team.alice).post(
        url(team, "settings_member_role", membership_of(team, team.bob).pk), {"role": "admin"}
    )

    assert response.status_code == 422
    assert database_state() == before


def test_the_owner_changes_a_members_role(client, team):
    response = logged_in(client, team.alice).post(
        url(team, "settings_member_role", membership_of(team, team.bob).pk), {"role": "owner"}
    )

    assert response.status_code == 302
    assert membership_of(team, team.bob).role == Role.OWNER


def test_removing_a_member_keeps_their_annotations(client, team):
    tag = make_tag(team)
    tag_paper(team, tag, user=team.dave)
    ScreeningDecision.objects.create(review=team.review, paper=team.paper, user=team.dave, decision="include")

    response = logged_in(client, team.alice).post(
        url(team, "settings_member_remove", membership_of(team, team.dave).pk)
    )

    assert response.status_code == 302
    assert not Membership.objects.filter(user=team.dave).exists()
    assert PaperTag.objects.get().applied_by == team.dave
    assert ScreeningDecision.objects.filter(user=team.dave).exists()


def test_the_last_owner_cannot_be_demoted(client, team):
    before = database_state()

    response = logged_in(client, team.alice).post(
        url(team, "settings_member_role", membership_of(team, team.alice).pk), {"role": "reviewer"}
    )

    assert response.status_code == 422
    assert "A review needs at least one owner" in response.text
    assert database_state() == before


def test_the_last_owner_cannot_be_removed(client, team):
    before = database_state()

    response = logged_in(client, team.alice).post(
        url(team, "settings_member_remove", membership_of(team, team.alice).pk)
    )

    assert response.status_code == 422
    assert "A review needs at least one owner" in response.text
    assert database_state() == before


def test_an_owner_may_step_down_when_another_owner_remains(client, team):
    Membership.objects.filter(user=team.bob).update(role=Role.OWNER)

    response = logged_in(client, team.alice).post(
        url(team, "settings_member_role", membership_of(team, team.alice).pk), {"role": "reviewer"}
    )

    assert response.status_code == 302
    assert response.url == team.review.get_absolute_url(), "the settings page is no longer theirs to see"
    assert membership_of(team, team.alice).role == Role.REVIEWER


def test_an_owner_who_leaves_goes_back_to_their_reviews(client, team):
    Membership.objects.filter(user=team.bob).update(role=Role.OWNER)

    response = logged_in(client, team.alice).post(
        url(team, "settings_member_remove", membership_of(team, team.alice).pk)
    )

    assert response.status_code == 302
    assert response.url == reverse("reviews:home")
    assert not Membership.objects.filter(user=team.alice).exists()


def test_members_of_another_review_cannot_be_changed_from_this_one(client, team):
    from tests.factories import make_review

    other = make_review("other-review", members={make_user("zoe"): Role.OWNER, team.eve: Role.REVIEWER})
    eve_there = Membership.objects.get(review=other, user=team.eve)

    response = logged_in(client, team.alice).post(url(team, "settings_member_remove", eve_there.pk))

    assert response.status_code == 404
    assert Membership.objects.filter(pk=eve_there.pk).exists()


def test_the_owner_creates_a_tag(client, team):
    response = logged_in(client, team.alice).post(
        url(team, "settings_tag_create"),
        {"name": "  Needs   full text ", "colour": "#AA00cc", "description": "Abstract is not enough."},
    )

    assert response.status_code == 302
    assert response.url.endswith("#tags")
    tag = Tag.objects.get()
    assert (tag.name, tag.colour, tag.description, tag.created_by) == (
        "Needs full text",
        "#AA00cc",
        "Abstract is not enough.",
        team.alice,
    )
    assert "Added the tag “Needs full text”." in client.get(response.url).text


@pytest.mark.parametrize("name", ["benchmark", "  BENCHMARK ", "Bench mark", "bEnChMaRk"])
def test_a_tag_name_taken_whatever_its_case_and_spacing_is_refused(client, team, name):
    make_tag(team, "Benchmark")
    make_tag(team, "Bench  mark")
    before = database_state()

    response = logged_in(client, team.alice).post(url(team, "settings_tag_create"), {"name": name, "colour": "#123456"})

    assert response.status_code == 422
    assert "This review already has a tag called" in response.text
    assert database_state() == before


def test_renaming_a_tag_onto_another_tags_name_is_refused(client, team):
    make_tag(team, "Benchmark")
    other = make_tag(team, "Dataset")
    before = database_state()

    response = logged_in(client, team.alice).post(
        url(team, "settings_tag_edit", other.pk), {"name": "BENCHMARK", "colour": "#123456"}
    )

    assert response.status_code == 422
    assert "This review already has a tag called “Benchmark”" in response.text
    assert database_state() == before


def test_the_same_tag_name_may_be_used_in_another_review(client, team):
    from tests.factories import make_review

    other = make_review("other-review", members={team.eve: Role.OWNER})
    Tag.objects.create(review=other, name="Benchmark")

    response = logged_in(client, team.alice).post(
        url(team, "settings_tag_create"), {"name": "benchmark", "colour": "#123456"}
    )

    assert response.status_code == 302
    assert Tag.objects.filter(review=team.review, name="benchmark").exists()


@pytest.mark.parametrize("name", ["", "   ", "x" * 50, "y" * 200])
def test_blank_or_too_long_tag_names_are_refused(client, team, name):
    response = logged_in(client, team.alice).post(url(team, "settings_tag_create"), {"name": name, "colour": "#123456"})

    assert response.status_code == 422
    assert not Tag.objects.exists()


def test_a_49_character_tag_name_is_fine(client, team):
    response = logged_in(client, team.alice).post(
        url(team, "settings_tag_create"), {"name": "x" * 49, "colour": "#123456"}
    )

    assert response.status_code == 302
    assert Tag.objects.get().name == "x" * 49


@pytest.mark.parametrize("colour", ["red", "#12345", "#1234567", "123456", "#12345g", ""])
def test_a_colour_that_is_not_rrggbb_is_refused(client, team, colour):
    tag = make_tag(team, "Benchmark", colour="#111111")
    before = database_state()

    created = logged_in(client, team.alice).post(url(team, "settings_tag_create"), {"name": "new", "colour": colour})
    edited = client.post(url(team, "settings_tag_edit", tag.pk), {"name": "Benchmark", "colour": colour})

    assert created.status_code == edited.status_code == 422
    assert database_state() == before


def test_the_owner_renames_recolours_and_describes_a_tag_keeping_its_papers(client, team):
    tag = make_tag(team, "Benchmark")
    tag_paper(team, tag)

    response = logged_in(client, team.alice).post(
        url(team, "settings_tag_edit", tag.pk), {"name": "benchmarks", "colour": "#00ff00", "description": "Evals"}
    )

    assert response.status_code == 302
    assert response.url.endswith(f"#tag-{tag.pk}")
    tag.refresh_from_db()
    assert (tag.name, tag.normalised_name, tag.colour, tag.description) == (
        "benchmarks",
        "benchmarks",
        "#00ff00",
        "Evals",
    )
    assert PaperTag.objects.get().tag == tag


def test_a_tag_may_be_renamed_to_another_case_of_its_own_name(client, team):
    tag = make_tag(team, "benchmark")

    response = logged_in(client, team.alice).post(
        url(team, "settings_tag_edit", tag.pk), {"name": "Benchmark", "colour": "#123456"}
    )

    assert response.status_code == 302
    tag.refresh_from_db()
    assert tag.name == "Benchmark"


def test_deleting_a_tag_removes_it_from_its_papers(client, team):
    tag = make_tag(team, "Benchmark")
    kept = make_tag(team, "Dataset")
    tag_paper(team, tag)
    tag_paper(team, tag, team.other_paper)
    tag_paper(team, kept)

    response = logged_in(client, team.alice).post(url(team, "settings_tag_delete", tag.pk), {"confirm": "on"})

    assert response.status_code == 302
    assert list(Tag.objects.all()) == [kept]
    assert list(PaperTag.objects.values_list("tag", flat=True)) == [kept.pk]
    assert "Deleted the tag “Benchmark” and removed it from 2 papers." in client.get(response.url).text


def test_deleting_a_tag_must_be_confirmed(client, team):
    tag = make_tag(team, "Benchmark")
    tag_paper(team, tag)
    before = database_state()

    response = logged_in(client, team.alice).post(url(team, "settings_tag_delete", tag.pk))

    assert response.status_code == 422
    assert "Tick the box to confirm" in response.text
    assert database_state() == before


def test_tags_of_another_review_cannot_be_changed_from_this_one(client, team):
    from tests.factories import make_review

    other_tag = Tag.objects.create(review=make_review("other-review"), name="Theirs")

    edited = logged_in(client, team.alice).post(
        url(team, "settings_tag_edit", other_tag.pk), {"name": "Mine", "colour": "#123456"}
    )
    deleted = client.post(url(team, "settings_tag_delete", other_tag.pk), {"confirm": "on"})

    assert edited.status_code == deleted.status_code == 404
    assert Tag.objects.get().name == "Theirs"


def test_tag_names_and_descriptions_are_shown_escaped(client, team):
    logged_in(client, team.alice).post(
        url(team, "settings_tag_create"),
        {"name": "<script>alert(1)</script>", "colour": "#123456", "description": "<b>bold</b>"},
    )

    html = client.get(settings_url(team)).text

    assert Tag.objects.get().name == "<script>alert(1)</script>"
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>bold</b>" not in html


def test_the_owner_adds_exclusion_reasons_last_unless_given_a_position(client, team):
    make_reason(team, "Not about LLMs", position=4)
    logged_in(client, team.alice)

    response = client.post(url(team, "settings_reason_create"), {"label": "  Survey  "})
    client.post(url(team, "settings_reason_create"), {"label": "No evaluation", "position": "0"})

    assert response.status_code == 302
    assert response.url.endswith("#reasons")
    assert list(ExclusionReason.objects.values_list("label", "position")) == [
        ("No evaluation", 0),
        ("Not about LLMs", 4),
        ("Survey", 5),
    ]


def test_a_duplicate_or_blank_exclusion_reason_is_refused(client, team):
    make_reason(team, "Survey")
    before = database_state()
    logged_in(client, team.alice)

    duplicate = client.post(url(team, "settings_reason_create"), {"label": "Survey"})
    blank = client.post(url(team, "settings_reason_create"), {"label": "  "})

    assert duplicate.status_code == blank.status_code == 422
    assert "This review already has the reason “Survey”." in duplicate.text
    assert database_state() == before


def test_the_owner_renames_and_reorders_an_exclusion_reason(client, team):
    first = make_reason(team, "Survey", position=0)
    second = make_reason(team, "Off topic", position=1)

    response = logged_in(client, team.alice).post(
        url(team, "settings_reason_edit", first.pk), {"label": "Survey or review", "position": "2"}
    )

    assert response.status_code == 302
    assert list(ExclusionReason.objects.all()) == [second, first]
    first.refresh_from_db()
    assert first.label == "Survey or review"


def test_a_negative_position_is_refused(client, team):
    reason = make_reason(team)
    before = database_state()

    response = logged_in(client, team.alice).post(
        url(team, "settings_reason_edit", reason.pk), {"label": "Fine", "position": "-1"}
    )

    assert response.status_code == 422
    assert database_state() == before


def test_deleting_an_exclusion_reason_keeps_the_decisions_that_gave_it(client, team):
    reason = make_reason(team, "Survey")
    decision = ScreeningDecision.objects.create(
        review=team.review, paper=team.paper, user=team.bob, decision="exclude", reason=reason
    )

    response = logged_in(client, team.alice).post(url(team, "settings_reason_delete", reason.pk))

    assert response.status_code == 302
    assert not ExclusionReason.objects.exists()
    decision.refresh_from_db()
    assert (decision.decision, decision.reason) == ("exclude", None)


@pytest.mark.parametrize("action", ACTIONS)
def test_every_settings_change_by_the_owner_redirects_back_to_the_settings_page(client, team, action):
    action_url, data = ACTIONS[action](team)
    before = database_state()

    response = logged_in(client, team.alice).post(action_url, data)

    assert response.status_code == 302
    assert response.url.startswith(settings_url(team))
    assert database_state() != before


def test_settings_posts_need_the_csrf_token(team):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(team.alice)

    response = client.post(url(team, "settings_tag_create"), {"name": "x", "colour": "#123456"})

    assert response.status_code == 403
    assert not Tag.objects.exists()
