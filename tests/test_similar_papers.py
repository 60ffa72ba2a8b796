"""Similar papers: the neighbours papers/similarity.py finds, and manage.py compute_similar that stores them."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from papers.models import Paper, SimilarPaper
from tests.factories import make_paper

pytestmark = pytest.mark.django_db

# Three topics; each paper's distinctive words are shared only with the papers of its topic.
TOPICS = {
    "protein": [
        ("Protein folding with attention", "We predict protein folding structures from amino acid sequences."),
        ("Amino acid embeddings", "Embeddings of amino acid sequences improve protein structure prediction."),
        ("Folding proteins quickly", "A fast protein folding simulator for amino acid chains."),
    ],
    "galaxy": [
        ("Galaxy rotation curves", "We measure galaxy rotation curves and dark matter halos in spiral galaxies."),
        ("Dark matter halos", "Simulated dark matter halos reproduce galaxy rotation curves."),
        ("Spiral galaxies", "Spiral galaxies and their dark matter: rotation curves from radio surveys."),
    ],
    "compiler": [
        ("Register allocation", "A compiler register allocation pass using graph colouring heuristics."),
        ("Graph colouring compilers", "Graph colouring for register allocation in optimising compilers."),
        ("Compiler heuristics", "Heuristics for register allocation and instruction scheduling in a compiler."),
    ],
}


@pytest.fixture
def corpus():
    papers = {}
    for topic, entries in TOPICS.items():
        papers[topic] = [make_paper(title=title, abstract=abstract) for title, abstract in entries]
    return papers


def neighbours_of(paper) -> list[int]:
    return list(SimilarPaper.objects.of(paper.pk).values_list("similar_id", flat=True))


def run(*args) -> str:
    out = StringIO()
    call_command("compute_similar", *args, stdout=out)
    return out.getvalue()


def test_papers_sharing_distinctive_words_are_each_others_nearest(corpus):
    run()
    for topic, papers in corpus.items():
        for paper in papers:
            found = neighbours_of(paper)
            same_topic = {other.pk for other in papers if other != paper}
            assert set(found[:2]) == same_topic, (topic, paper.title)


def test_a_paper_is_never_its_own_neighbour_and_lists_are_ranked_best_first(corpus):
    run()
    for paper in Paper.objects.all():
        rows = list(SimilarPaper.objects.of(paper.pk))
        assert paper.pk not in [row.similar_id for row in rows]
        assert [row.rank for row in rows] == list(range(1, len(rows) + 1))
        assert [row.score for row in rows] == sorted((row.score for row in rows), reverse=True)
        assert all(0 < row.score <= 1.0001 for row in rows)


def test_at_most_ten_neighbours_and_the_same_lists_every_run():
    for n in range(14):
        make_paper(title=f"Shared words number {n}", abstract=f"Retrieval augmented generation variant {n}.")
    run()
    first = list(SimilarPaper.objects.order_by("paper", "rank").values_list("paper", "similar", "score", "rank"))
    assert all(len(neighbours_of(paper)) == 10 for paper in Paper.objects.all())
    run()
    again = list(SimilarPaper.objects.order_by("paper", "rank").values_list("paper", "similar", "score", "rank"))
    assert again == first


def test_papers_without_text_get_no_neighbours_and_appear_in_no_list(corpus):
    empty = make_paper(title="", abstract="")
    stop_words_only = make_paper(title="The", abstract="and of the with")
    out = run()
    assert neighbours_of(empty) == [] and neighbours_of(stop_words_only) == []
    assert not SimilarPaper.objects.filter(similar__in=[empty, stop_words_only]).exists()
    assert "11 lists computed" in out


def test_an_empty_corpus_or_one_without_words_runs_cleanly():
    assert "0 lists computed" in run()
    make_paper(title="", abstract="")
    make_paper(title="", abstract="")
    assert "2 lists computed, 0 other lists took in new papers, 0 rows written" in run()
    assert SimilarPaper.objects.count() == 0


def test_missing_only_gives_new_papers_lists_and_puts_them_in_older_lists(corpus):
    run()
    before = {paper.pk: neighbours_of(paper) for paper in Paper.objects.all()}
    newcomer = make_paper(title="Protein folding of amino acid chains", abstract="Protein folding, amino acid.")

    out = run("--missing-only")

    assert "1 lists computed" in out
    assert set(neighbours_of(newcomer)[:3]) == {paper.pk for paper in corpus["protein"]}
    # The protein papers now count it among theirs; the other topics' lists are unchanged.
    for paper in corpus["protein"]:
        assert newcomer.pk in neighbours_of(paper)
    for topic in ("galaxy", "compiler"):
        for paper in corpus[topic]:
            assert neighbours_of(paper) == before[paper.pk]
    # Nothing is missing any more: a second run computes nothing new.
    assert "0 lists computed, 0 other lists took in new papers" in run("--missing-only")


def test_papers_recomputes_only_the_named_papers(corpus):
    target = corpus["galaxy"][0]
    other = corpus["compiler"][0]
    out = run("--papers", target.arxiv_id, "--batch", "1")
    assert "1 lists computed" in out
    assert set(neighbours_of(target)[:2]) == {paper.pk for paper in corpus["galaxy"][1:]}
    assert neighbours_of(other) == []


def test_unknown_papers_and_bad_batches_are_refused(corpus):
    with pytest.raises(CommandError, match="No paper in the corpus is named 'nope'"):
        run("--papers", "nope")
    with pytest.raises(CommandError, match="--batch must be between 1 and 100000"):
        run("--batch", "0")
    assert SimilarPaper.objects.count() == 0


def test_small_batches_give_the_same_lists_as_one_block(corpus):
    run("--batch", "1")
    small = list(SimilarPaper.objects.order_by("paper", "rank").values_list("paper", "similar", "rank"))
    run("--batch", "500")
    assert list(SimilarPaper.objects.order_by("paper", "rank").values_list("paper", "similar", "rank")) == small


def test_deleting_a_paper_takes_it_out_of_every_list(corpus):
    run()
    gone = corpus["compiler"][0]
    gone.delete()
    assert not SimilarPaper.objects.filter(similar_id=gone.pk).exists()
