"""Admin for curators: reviews with their members and reasons, tag merging, comment moderation, and
paper actions that put papers into reviews. Each module registers its models when imported."""

# papers re-registers the Paper admin with the review actions (add to a review, apply a tag in a review);
# batches the import batch admin, with a page that adds a batch's papers to a review.
# history the read-only record of every change.
# priority the priority orders (rankings), with an action to retrain one now.
# duplicates the pairs of papers that may be one, merged or rejected by action, and the record of merges.
from . import annotations, batches, comments, duplicates, history, memberships, papers, priority, reviews, tags  # noqa: F401
