"""The screening flow without a browser: preferences, the numbered exclusion reasons, a refused tag kept,
a paper page's Previous/Next following the filtered list, and keyword highlights."""

from django.urls import reverse

from papers.templatetags.paper_text import render_abstract
from reviews.keywords import ReviewKeywords, parse_keywords
from reviews.models import ExclusionReason, Review, ScreeningDecision, ScreeningPreferences
from reviews.templatetags.review_text import abstract_with_quotes, keyword_excerpt, keyword_text
from tests.factories import logged_in, make_paper
from tests.test_review_pages import annotate

HTMX = {"HX-Request": "true"}


def paper_url(team, paper, query=""):
    url = reverse("reviews:paper", args=[team.review.slug, paper.arxiv_id])
    return f"{url}?{query}" if query else url


def decide_url(team, paper):
    return reverse("reviews:decide", args=[team.review.slug, paper.pk])


# Preferences


def test_a_user_without_preferences_gets_auto_advance_and_single_keys(client, team):
    response = logged_in(client, team.bob).get(reverse("reviews:paper_list", args=[team.review.slug]))

    html = response.content.decode()
    assert 'data-auto-advance="true"' in html
    assert 'data-single-keys="true"' in html
    assert not ScreeningPreferences.objects.exists()


def test_preferences_are_saved_by_a_plain_post_and_send_me_back(client, team):
    list_path = reverse("reviews:paper_list", args=[team.review.slug])

    response = logged_in(client, team.bob).post(
        reverse("reviews:preferences"), {"single_key_shortcuts": "on", "next": list_path}
    )

    assert response.status_code == 302
    assert response["Location"] == list_path
    preferences = ScreeningPreferences.objects.get(user=team.bob)
    assert (preferences.auto_advance, preferences.single_key_shortcuts) == (False, True)
    html = client.get(list_path).content.decode()
    assert 'data-auto-advance="false"' in html


def test_the_preferences_page_shows_the_form_and_the_keys(client, team):
    response = logged_in(client, team.bob).get(reverse("reviews:preferences"), {"next": "https://evil.example/"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Single-key shortcuts" in html and "<kbd>x</kbd>" in html
    assert "evil.example" not in html


def test_preferences_need_a_login(client, db):
    response = client.post(reverse("reviews:preferences"), {"auto_advance": "on"})

    assert response.status_code == 302
    assert not ScreeningPreferences.objects.exists()


def test_turning_single_keys_off_says_so_on_the_list(client, team):
    ScreeningPreferences.objects.create(user=team.bob, single_key_shortcuts=False)

    html = logged_in(client, team.bob).get(reverse("reviews:paper_list", args=[team.review.slug])).content.decode()

    assert "Single-key shortcuts are off." in html
    assert 'data-single-keys="false"' in html


# Exclusion reasons


def test_the_numbered_reasons_appear_after_an_exclusion_and_a_reason_is_saved(client, team):
    ExclusionReason.objects.create(review=team.review, label="Wrong population", position=0)
    design = ExclusionReason.objects.create(review=team.review, label="Wrong study design", position=1)
    logged_in(client, team.bob)

    before = client.post(decide_url(team, team.paper), {"decision": "include"}, headers=HTMX).content.decode()
    excluded = client.post(decide_url(team, team.paper), {"decision": "exclude"}, headers=HTMX).content.decode()
    chosen = client.post(
        decide_url(team, team.paper), {"decision": "exclude", "reason": design.pk}, headers=HTMX
    ).content.decode()

    assert "reason-buttons" not in before
    assert 'data-reason-key="1"' in excluded and 'data-reason-key="2"' in excluded
    assert "<kbd>2</kbd> Wrong study design" in excluded
    assert ScreeningDecision.objects.get(paper=team.paper, user=team.bob).reason == design
    # Pressing Exclude again keeps the reason.
    assert f'name="reason" value="{design.pk}">' in chosen
    client.post(decide_url(team, team.paper), {"decision": "exclude", "reason": design.pk})
    assert ScreeningDecision.objects.get(paper=team.paper, user=team.bob).reason == design


# Tags


def test_a_refused_tag_name_stays_in_the_box_with_the_reason(client, team):
    typed = "a" * 60

    response = logged_in(client, team.bob).post(
        reverse("reviews:tag_add", args=[team.review.slug, team.paper.pk]), {"name": typed}, headers=HTMX
    )

    html = response.content.decode()
    assert response.status_code == 422
    assert f'value="{typed}"' in html
    assert "at most" in html


def test_a_refused_tag_name_is_escaped_when_shown_again(client, team):
    response = logged_in(client, team.bob).post(
        reverse("reviews:tag_add", args=[team.review.slug, team.paper.pk]),
        {"name": '"><script>alert(1)</script>' + "x" * 60},
        headers=HTMX,
    )

    assert "<script>alert(1)" not in response.content.decode()


# Previous / Next


def test_a_papers_page_links_its_neighbours_in_the_lists_order(client, team):
    third = make_paper("2001.00001", abstract="Oldest.")
    team.review.add_papers([third.pk])
    # Newest first: team.paper (2305), other_paper (2201), third (2001).
    html = logged_in(client, team.bob).get(paper_url(team, team.other_paper)).content.decode()

    assert f'rel="prev" href="{paper_url(team, team.paper)}"' in html
    assert f'rel="next" href="{paper_url(team, third)}"' in html


def test_previous_and_next_keep_the_lists_filters_and_survive_the_paper_leaving_them(client, team):
    third = make_paper("2001.00001", abstract="Oldest.")
    team.review.add_papers([third.pk])
    annotate(team, team.bob, team.other_paper, decision="include")
    logged_in(client, team.bob)

    # Oldest first, not yet screened by me: third, team.paper; other_paper is screened, yet its page still
    # finds its place in that order.
    html = client.get(paper_url(team, team.other_paper, "sort=oldest&unscreened=on")).content.decode()

    assert f'rel="prev" href="{paper_url(team, third, "sort=oldest&amp;unscreened=on")}"' in html
    assert f'rel="next" href="{paper_url(team, team.paper, "sort=oldest&amp;unscreened=on")}"' in html
    assert 'href="/reviews/llm-review/?sort=oldest&amp;unscreened=on"' in html


def test_the_list_links_each_paper_with_its_filters(client, team):
    html = (
        logged_in(client, team.bob)
        .get(reverse("reviews:paper_list", args=[team.review.slug]), {"sort": "oldest", "page": "1"})
        .content.decode()
    )

    assert f'href="{paper_url(team, team.paper, "sort=oldest")}"' in html


def test_the_first_and_last_papers_have_one_neighbour(client, team):
    logged_in(client, team.bob)

    first = client.get(paper_url(team, team.paper)).content.decode()
    last = client.get(paper_url(team, team.other_paper)).content.decode()

    assert 'rel="prev"' not in first and 'rel="next"' in first
    assert 'rel="prev"' in last and 'rel="next"' not in last


def test_a_paper_page_with_hostile_filters_still_renders(client, team):
    response = logged_in(client, team.bob).get(paper_url(team, team.paper, "status=nonsense&tags=x&page=-1"))

    assert response.status_code == 200


# Keywords


def keywords(include="", exclude=""):
    return ReviewKeywords.of(Review(inclusion_keywords=include, exclusion_keywords=exclude))


def test_keywords_are_read_one_a_line_or_comma_separated_without_duplicates():
    assert parse_keywords(" randomised  trial \nRCT, rct,\n\n") == ["randomised trial", "RCT"]


def test_keywords_match_case_insensitively_at_word_starts_as_prefixes():
    found = keywords(include="random\nlanguage model", exclude="survey").find(
        "Randomized pseudorandom LANGUAGE  Models: a Survey."
    )

    assert found == [(0, 10, "include"), (24, 40, "include"), (44, 50, "exclude")]


def test_the_longer_of_overlapping_keywords_wins():
    assert keywords(include="language", exclude="language model").find("language models") == [(0, 15, "exclude")]


def test_keywords_are_marked_in_two_colours_and_text_stays_escaped():
    html = keyword_text("<b>Random</b> survey", keywords(include="random", exclude="survey"))

    assert html == (
        '&lt;b&gt;<mark class="kw kw-include" title="include keyword">Random</mark>&lt;/b&gt; '
        '<mark class="kw kw-exclude" title="exclude keyword">survey</mark>'
    )


def test_keywords_nest_inside_quote_marks_and_are_cut_where_they_cross_one():
    abstract = "We study transformers for vision."
    quote = (abstract.index(" for") + 1, len(abstract) - 1, 7)

    html = abstract_with_quotes(abstract, [quote], keywords(include="transformers for"))

    assert html == (
        '<p>We study <mark class="kw kw-include" title="include keyword">transformers </mark>'
        '<mark class="quote" id="quote-7"><mark class="kw kw-include" title="include keyword">for</mark> vision'
        '</mark><a class="quote-ref" href="#comment-7" aria-label="Comment 7">†</a>.</p>'
    )


def test_keywords_and_search_terms_are_highlighted_together_in_an_excerpt():
    from papers.search import HIGHLIGHT_START, HIGHLIGHT_STOP

    headline = f"a {HIGHLIGHT_START}survey{HIGHLIGHT_STOP} of <random> trials"

    html = keyword_excerpt(headline, keywords(include="random", exclude="survey"))

    assert html == (
        'a <mark><mark class="kw kw-exclude" title="exclude keyword">survey</mark></mark> of &lt;'
        '<mark class="kw kw-include" title="include keyword">random</mark>&gt; trials'
    )


def test_an_abstract_without_keywords_renders_as_before():
    text = "See https://example.org.\n\nSecond paragraph."

    assert keyword_text(text, keywords()) == "See https://example.org.\n\nSecond paragraph.".replace("\n", "<br>\n")
    assert abstract_with_quotes(text, [], keywords()) == render_abstract(text)


def test_an_owner_saves_keywords_on_the_settings_page(client, team):
    response = logged_in(client, team.alice).post(
        reverse("reviews:settings_details", args=[team.review.slug]),
        {
            "title": team.review.title,
            "inclusion_keywords": "randomised\nRCT, rct",
            "exclusion_keywords": "survey",
            "allow_new_tags": "on",
        },
    )

    assert response.status_code == 302
    team.review.refresh_from_db()
    assert (team.review.inclusion_keywords, team.review.exclusion_keywords) == ("randomised\nRCT", "survey")


def test_too_many_keywords_are_refused(client, team):
    response = logged_in(client, team.alice).post(
        reverse("reviews:settings_details", args=[team.review.slug]),
        {"title": team.review.title, "inclusion_keywords": "\n".join(f"k{n}" for n in range(101))},
    )

    assert response.status_code == 422
    assert "At most 100 keywords." in response.content.decode()


def test_keywords_are_highlighted_on_the_list_and_the_paper_page(client, team):
    Review.objects.filter(pk=team.review.pk).update(inclusion_keywords="instruct", exclusion_keywords="vision")
    logged_in(client, team.bob)

    listed = client.get(reverse("reviews:paper_list", args=[team.review.slug])).content.decode()
    page = client.get(paper_url(team, team.paper)).content.decode()

    for html in (listed, page):
        assert '<mark class="kw kw-include" title="include keyword">instruction</mark>' in html
        assert '<mark class="kw kw-exclude" title="exclude keyword">Vision</mark>' in html


def test_previous_and_next_follow_a_search(client, team):
    html = logged_in(client, team.bob).get(paper_url(team, team.other_paper, "q=vision")).content.decode()

    assert f'rel="prev" href="{paper_url(team, team.paper, "q=vision")}"' in html
    assert 'rel="next"' not in html


def test_previous_and_next_follow_tag_filters_and_score_sorting(client, team):
    from reviews.models import Tag

    third = make_paper("2001.00001", abstract="Oldest.")
    team.review.add_papers([third.pk])
    tag = Tag.objects.create(review=team.review, name="vision")
    annotate(team, team.dave, team.paper, tags=[tag], score=2)
    annotate(team, team.dave, third, tags=[tag], score=5)
    query = f"tags={tag.pk}&tag_match=any&sort=mean_score"

    html = logged_in(client, team.bob).get(paper_url(team, third, query)).content.decode()

    assert 'rel="prev"' not in html
    assert f'rel="next" href="{paper_url(team, team.paper, query.replace("&", "&amp;"))}"' in html
