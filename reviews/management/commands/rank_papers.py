from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from reviews import priority
from reviews.models import Membership, PriorityRanking, PriorityScore, Review


class Command(BaseCommand):
    help = (
        "Retrain a review's priority order now (what the task worker does after decisions) and print its most "
        "likely relevant papers. The team's order by default; --as USER for the order that member screens in "
        "(their own decisions and the final decisions, in a blind review)."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The review's slug.")
        parser.add_argument("--as", dest="username", help="The member whose order to rank (default: the team's).")
        parser.add_argument("--top", type=int, default=10, help="How many papers to print (default 10; 0: none).")
        parser.add_argument(
            "--unscreened", action="store_true", help="Print only papers with no decision from the team yet."
        )

    def handle(self, *args, slug, username=None, top=10, unscreened=False, **options):
        review = Review.objects.filter(slug=slug).first()
        if review is None:
            raise CommandError(f"There is no review with the slug “{slug}”.")
        if top < 0:
            raise CommandError("--top must be 0 or more.")
        user_id = None
        if username is not None:
            user = get_user_model().objects.filter(username=username).first()
            membership = Membership.objects.filter(review=review, user=user).select_related("review").first()
            if user is None or membership is None:
                raise CommandError(f"“{username}” is not a member of the review “{slug}”.")
            user_id = priority.scope_of(membership)
        ranking, _ = PriorityRanking.objects.get_or_create(review=review, user_id=user_id)
        ranking = priority.retrain(ranking.pk)
        whose = "the team's order" if ranking.user_id is None else f"{username}'s order"
        if ranking.reason:
            self.stdout.write(f"{review.slug}, {whose}: no ranking. {ranking.reason}")
            return
        self.stdout.write(
            f"{review.slug}, {whose}: ranked {ranking.papers:,} papers from {ranking.includes:,} includes and "
            f"{ranking.excludes:,} excludes in {ranking.seconds:.2f} s ({ranking.classifier})."
        )
        rows = (
            PriorityScore.objects.filter(ranking=ranking, generation=ranking.generation)
            .select_related("review_paper__paper")
            .order_by("position")
        )
        if unscreened:
            rows = rows.filter(
                review_paper__include_count=0, review_paper__maybe_count=0, review_paper__exclude_count=0
            )
        for row in rows[:top]:
            paper = row.review_paper.paper
            text = (paper.title or paper.abstract)[:90]
            self.stdout.write(f"{row.position:>7}  {row.score:+.3f}  {paper.display_id}  {text}")
