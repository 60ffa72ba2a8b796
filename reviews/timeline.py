"""The review's history as people read it: which changes a member may see, and each one in words.

Blind mode holds here as on every read path: a member who does not see everything, and has not decided on the
paper, sees nobody else's decisions, scores, tags or final decisions in its timeline (nor their comments, when
the review hides those too). Comment changes show to every member, except that only owners see those of comments
a curator hid, and only a comment's author and the owners read what a deleted comment said. Entries read as plain
words: settings by their labels on the settings page, comments as text without their Markdown.
"""

import html
from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist
from django.db.models import CharField, Q
from django.db.models.functions import Cast
from django.utils.html import strip_tags

from .markdown import render_markdown
from .models import TEAM_KINDS, Change, ChangeKind, Comment, Membership, Review, Role, ScreeningDecision
from .settings_forms import ReviewDetailsForm, ScreeningSettingsForm
from .wording import counted

# A comment's words in an entry are cut to this length.
EXCERPT_LENGTH = 80
TIMELINE_LENGTH = 200


@dataclass
class Entry:
    change: Change
    who: str
    words: str
    # The deleted comment this entry may bring back, for its author or an owner.
    restorable: int | None = None


def paper_changes(membership: Membership, paper_id: int):
    """The changes of the paper the member may see, newest first."""
    changes = Change.objects.of_paper(membership.review_id, paper_id).select_related("user")
    if not membership.sees_everything and not _has_decided(membership, paper_id):
        hidden_kinds = [*TEAM_KINDS, ChangeKind.COMMENT] if membership.hides_others_comments else TEAM_KINDS
        changes = changes.exclude(Q(kind__in=hidden_kinds) & ~Q(user_id=membership.user_id))
    return _without_hidden_comments(membership, changes)


def review_changes(membership: Membership):
    """Every change of the review the member may see (the history page, for owners and resolvers)."""
    changes = Change.objects.filter(review_id=membership.review_id).select_related("user", "paper")
    changes = changes.defer("paper__search_document", "paper__abstract")
    return _without_hidden_comments(membership, changes)


def changes_seen_by(membership: Membership, changes):
    """``changes`` (of the member's review, on many papers) cut as ``paper_changes`` cuts one paper's: on papers
    the member has not decided, no one else's team changes while blind (exports read the whole history so)."""
    if not membership.sees_everything:
        hidden_kinds = [*TEAM_KINDS, ChangeKind.COMMENT] if membership.hides_others_comments else TEAM_KINDS
        decided = ScreeningDecision.objects.filter(review_id=membership.review_id, user_id=membership.user_id)
        changes = changes.exclude(
            Q(kind__in=hidden_kinds) & ~Q(user_id=membership.user_id) & ~Q(paper_id__in=decided.values("paper_id"))
        )
    return _without_hidden_comments(membership, changes)


def paper_timeline(membership: Membership, paper_id: int) -> list[Entry]:
    return entries(membership, list(paper_changes(membership, paper_id)[:TIMELINE_LENGTH]))


def _has_decided(membership: Membership, paper_id: int) -> bool:
    mine = {"review_id": membership.review_id, "paper_id": paper_id, "user_id": membership.user_id}
    return ScreeningDecision.objects.filter(**mine).exists()


def _without_hidden_comments(membership: Membership, changes):
    if membership.is_owner:
        return changes
    hidden = Comment.objects.filter(review_id=membership.review_id, hidden=True)
    hidden_subjects = hidden.annotate(subject=Cast("pk", CharField())).values("subject")
    return changes.exclude(kind=ChangeKind.COMMENT, subject__in=hidden_subjects)


def entries(membership: Membership, changes: list[Change]) -> list[Entry]:
    """The changes (newest first) in words, as the member may read them; one query for their comments."""
    comment_ids = {int(c.subject) for c in changes if c.kind == ChangeKind.COMMENT and c.subject.isdigit()}
    comments = Comment.objects.filter(review_id=membership.review_id, pk__in=comment_ids).only(
        "author_id", "deleted_at", "hidden"
    )
    comments = {str(comment.pk): comment for comment in comments}
    offered = set()
    result = []
    for change in changes:
        entry = Entry(change=change, who=str(change.user) if change.user else "A former member", words="")
        if change.kind == ChangeKind.COMMENT:
            comment = comments.get(change.subject)
            entry.words = comment_words(change, may_read=may_read_comment(membership, comment))
            if _restorable(membership, comment) and change.after is None and change.subject not in offered:
                offered.add(change.subject)  # on its latest deletion only
                entry.restorable = comment.pk
        else:
            entry.words = change_words(change)
        result.append(entry)
    return result


def may_read_comment(membership, comment: Comment | None) -> bool:
    """Whether the member may read the comment's words: anyone while it stands; once deleted (or gone), its
    author and the owners. The history page and the review archive (its comments and their changes) both ask."""
    if comment is not None and comment.deleted_at is None:
        return True
    return membership.is_owner or (comment is not None and comment.author_id == membership.user_id)


def _restorable(membership: Membership, comment: Comment | None) -> bool:
    if comment is None or comment.deleted_at is None or comment.hidden:
        return False
    return membership.is_owner or (comment.author_id == membership.user_id and membership.can_annotate)


def change_words(change: Change) -> str:
    before, after = change.before, change.after
    if change.kind == ChangeKind.DECISION:
        prefix = "undid decision" if change.subject.startswith("undo:") else "decision"
        return _before_after(prefix, _decision(before), _decision(after))
    if change.kind == ChangeKind.SCORE:
        return _before_after("score", _value(before, "score"), _value(after, "score"))
    if change.kind == ChangeKind.TAG:
        if after:
            return f"tagged “{after.get('tag', '')}”"
        return f"untagged “{(before or {}).get('tag', '')}”"
    if change.kind == ChangeKind.RESOLUTION:
        if (after or {}).get("reopened"):
            return f"final decision {_decision(before)} reopened: a vote changed"
        return _before_after("final decision", _decision(before), _decision(after))
    if change.kind == ChangeKind.SETTING:
        if change.subject.startswith("member:"):
            return _member_words(change.subject.removeprefix("member:"), before, after)
        return _setting_words(change.subject, before, after)
    if change.kind == ChangeKind.ASSIGNMENT:
        return _assignment_words(before, after)
    if change.kind == ChangeKind.MERGE:
        return _merge_words(change.subject, before or {}, after or {})
    return _before_after(change.get_kind_display().lower(), _plain(before), _plain(after))


# Settings by the words of the settings page; a question there reads badly before a colon.
SETTING_LABELS = {
    **{name: field.label for name, field in ReviewDetailsForm.base_fields.items()},
    **{name: field.label for name, field in ScreeningSettingsForm.base_fields.items()},
    "conflict_rule": "Conflict rule",
}


def _setting_words(name: str, before, after) -> str:
    """``configuring.change_settings`` stores {"value": ...} on each side (older rows the bare value)."""
    label = SETTING_LABELS.get(name) or name.replace("_", " ").capitalize()
    return f"{label}: {_setting_value(name, before)} → {_setting_value(name, after)}"


def _setting_value(name: str, state) -> str:
    value = state.get("value") if isinstance(state, dict) else state
    if isinstance(value, bool):
        return "on" if value else "off"
    try:
        choices = dict(Review._meta.get_field(name).flatchoices)
    except FieldDoesNotExist:  # a setting no longer on the model reads as its stored value
        choices = {}
    if value in choices:
        return str(choices[value])
    if value is None or value == "":
        return "(empty)"
    return f"“{_excerpt(' '.join(str(value).split()))}”" if isinstance(value, str) else str(value)


def _role(state) -> str:
    role = (state or {}).get("role", "")
    return str(Role(role).label).lower() if role in Role.values else str(role)


def _member_words(username: str, before, after) -> str:
    if before is None:
        return f"added {username} as {_role(after)}"
    if after is None:
        return f"removed {username}"
    return f"{username}: {_role(before)} → {_role(after)}"


def _assignment_words(before, after) -> str:
    if after is None:
        count = (before or {}).get("assignments", 0)
        return f"cleared all assignments ({count})"
    papers, per_paper = after.get("papers", 0), after.get("per_paper", 0)
    loads = ", ".join(f"{name} {load}" for name, load in (after.get("reviewers") or {}).items())
    words = (
        f"assigned {papers} paper{'s' if papers != 1 else ''}, {per_paper} reviewer{'s' if per_paper != 1 else ''} each"
    )
    if loads:
        words += f": {loads}"
    if replaced := (before or {}).get("assignments"):
        words += f" (replacing {counted(replaced, 'assignment')})"
    return words


def _merge_words(subject: str, before: dict, after: dict) -> str:
    """reviews/paper_merging.py's entries: the merge itself, or an annotation of the merged paper it replaced."""
    if subject == "paper":
        title = f" (“{_excerpt(before['title'])}”)" if before.get("title") else ""
        return f"merged the duplicate {before.get('merged', '')}{title} into this paper"
    whose = f"{before.get('by') or 'a former member'}'s "
    if subject == "score":
        old, new = _value(before, "score"), _value(after, "score")
    else:
        old, new = _decision(before), _decision(after)
    noun = "final decision" if subject == "resolution" else subject
    return f"merging duplicates kept the newer {noun}: {whose}{old} replaced by {new}"


def comment_words(change: Change, *, may_read: bool) -> str:
    before, after = change.before or {}, change.after or {}
    if "hidden" in after:
        return "comment hidden by a curator" if after["hidden"] else "comment shown again by a curator"
    if change.after is None:
        words = "comment deleted"
    elif before.get("deleted"):
        words = "comment restored"
    elif change.before is None:
        words = "comment added"
    else:
        words = "comment edited"
    body = after.get("body") or before.get("body") or ""
    if may_read and body:
        words += f": “{_excerpt(plain_text(body))}”"
    return words


def plain_text(markdown: str) -> str:
    """A comment's Markdown as the words a reader sees, on one line: rendered as on its page, tags stripped."""
    return " ".join(html.unescape(strip_tags(render_markdown(markdown))).split())


def _excerpt(text: str) -> str:
    return text if len(text) <= EXCERPT_LENGTH else text[: EXCERPT_LENGTH - 1] + "…"


def _before_after(label: str, before: str, after: str) -> str:
    if not before:
        return f"{label}: {after}"
    if not after:
        return f"{label} cleared (was {before})"
    return f"{label}: {before} → {after}"


def _decision(state) -> str:
    if not state:
        return ""
    words = str(state.get("decision", ""))
    if state.get("reason"):
        words += f" ({state['reason']})"
    return words


def _value(state, key: str) -> str:
    return "" if not state else str(state.get(key, ""))


def _plain(state) -> str:
    if state is None:
        return ""
    if isinstance(state, dict):
        return ", ".join(f"{key} {value}" for key, value in state.items())
    return str(state)
