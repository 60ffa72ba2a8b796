"""``--skip-invalid``: leave out the records that have a problem, and import the rest of the file.

A problem tied to a record's line (no title and no abstract, a malformed id, a broken JSON line or BibTeX
entry) skips that record: it becomes one warning ``FILE:LINE: skipped: reason``, counted as skipped. A problem
with the whole file (undecodable, unknown format, a CSV without a header) still fails it.
"""

from .records import ParsedFile


def skip_invalid_records(parsed: ParsedFile) -> None:
    """Move ``parsed``'s record problems into its warnings and drop the records they are about."""
    reasons_by_line: dict[int, list[str]] = {}
    whole_file = []
    for problem in parsed.errors:
        if problem.whole_file or problem.line is None:
            whole_file.append(problem)
        else:
            reasons = reasons_by_line.setdefault(problem.line, [])
            if problem.reason not in reasons:
                reasons.append(problem.reason)
    if not reasons_by_line:
        return
    parsed.errors = whole_file
    parsed.records = [record for record in parsed.records if record.line not in reasons_by_line]
    for line in sorted(reasons_by_line):
        parsed.warn(line, f"skipped: {'; '.join(reasons_by_line[line])}")
