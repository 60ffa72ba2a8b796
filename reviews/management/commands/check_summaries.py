from django.core.management.base import BaseCommand, CommandError

from reviews import annotating
from reviews.models import Review, ReviewPaper


class Command(BaseCommand):
    help = (
        "Recount every paper's summary columns (team status, decision and score figures, comment count) from the "
        "annotation tables and report the rows that differ; --fix repairs them. Exits 1 when rows differ unfixed."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", nargs="?", help="Check this review only (default: every review).")
        parser.add_argument("--fix", action="store_true", help="Recount the rows that differ and save them.")

    def handle(self, *args, slug=None, fix=False, **options):
        reviews = Review.objects.order_by("slug")
        if slug is not None:
            reviews = reviews.filter(slug=slug)
            if not reviews.exists():
                raise CommandError(f"There is no review with the slug “{slug}”.")
        differing = []
        for review in reviews:
            for row, differences in ReviewPaper.objects.filter(review=review).summary_mismatches():
                differing.append(row.pk)
                described = ", ".join(
                    f"{column} {stored!r}, recounted {new!r}" for column, (stored, new) in differences.items()
                )
                self.stdout.write(f"{review.slug}: {row.paper.display_id}: {described}")
            checked = review.review_papers.count()
            self.stdout.write(f"{review.slug}: checked {checked} paper{'s' * (checked != 1)}")
        if not differing:
            self.stdout.write(self.style.SUCCESS("Every summary agrees with its annotations."))
            return
        if fix:
            annotating.repair_summaries(differing)
            self.stdout.write(self.style.SUCCESS(f"Repaired {len(differing)} row{'s' * (len(differing) != 1)}."))
            return
        raise CommandError(f"{len(differing)} row{'s' * (len(differing) != 1)} differ; run with --fix to repair them.")
