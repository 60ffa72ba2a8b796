"""The team's work on a paper in plain words, and the paper's bibliographic fields, as the CSV, BibTeX and RIS
exports write them (the JSONL archive keeps the structured data instead)."""

from .rows import ExportRow, walk_thread

# The keyword that carries the final decision among a paper's tags in BibTeX and RIS.
DECISION_KEYWORD_PREFIX = "marginalia:"


def paper_month(paper) -> int | None:
    """The month of publication if the source gave one, else an arXiv paper's month of submission."""
    if paper.month:
        return paper.month
    if paper.arxiv_id and paper.submitted_month:
        return paper.submitted_month.month
    return None


def extra_keywords(paper) -> list[str]:
    """The keywords the source gave (``extra["keywords"]``, a list or one string separated by ; or ,)."""
    keywords = (paper.extra or {}).get("keywords") or []
    if isinstance(keywords, str):
        separator = ";" if ";" in keywords else ","
        keywords = keywords.split(separator)
    return [" ".join(str(word).split()) for word in keywords if str(word).strip()]


def keywords(row: ExportRow) -> list[str]:
    """The paper's tags, then its final decision as ``marginalia:include``, for BibTeX ``keywords`` and RIS ``KW``."""
    words = row.tag_names()
    if row.final_decision:
        words.append(f"{DECISION_KEYWORD_PREFIX}{row.final_decision}")
    return words


def decision_line(row: ExportRow) -> str:
    if row.final_decision is None:
        return "Final decision: hidden until you decide (blind screening)."
    if not row.final_decision:
        return f"Final decision: none yet (team status: {row.team_status})."
    reason = f" ({row.final_reason})" if row.final_reason else ""
    return f"Final decision: {row.final_decision}{reason} (team status: {row.team_status})."


def reviewer_lines(row: ExportRow) -> list[str]:
    """One line per reviewer: ``bob: exclude (Off topic), score 2.``"""
    decisions = {decision.user: decision for decision in row.decisions}
    scores = {score.user: score.value for score in row.scores}
    lines = []
    for username in sorted(decisions.keys() | scores.keys()):
        parts = []
        if decision := decisions.get(username):
            reason = f" ({decision.reason})" if decision.reason else ""
            parts.append(f"{decision.decision}{reason}")
        if username in scores:
            parts.append(f"score {scores[username]}")
        lines.append(f"{username}: {', '.join(parts)}.")
    return lines


def comment_lines(row: ExportRow) -> list[str]:
    """The thread as the pages show it, one comment a line: ``bob, 2026-11-28, on “quoted passage”: text``."""
    lines = []
    for comment, answering in walk_thread(row.thread):
        who = comment.author.get_username() if comment.author else "a former member"
        heading = f"{who}, {comment.created_at:%Y-%m-%d}"
        if answering is not None:
            heading += f", replying to {answering.author.get_username() if answering.author else 'a former member'}"
        if comment.quote and not comment.deleted_at:  # a deleted comment's page shows neither quote nor body
            heading += f", on “{' '.join(comment.quote.split())}”"
        body = "(deleted)" if comment.deleted_at else " ".join(comment.body.split())
        lines.append(f"{heading}: {body}")
    return lines


def note_lines(row: ExportRow) -> list[str]:
    """Everything the team said about the paper, in words: the final decision, each reviewer, each comment."""
    lines = [decision_line(row), *reviewer_lines(row)]
    if tags := row.tag_names():
        lines.append(f"Tags: {', '.join(tags)}.")
    lines += [f"Comment by {line}" for line in comment_lines(row)]
    return lines
