"""Bringing a review's work in from a file: a Marginalia archive (``archive.py`` reads and checks it,
``restore.py`` writes it) or another screening tool's labelled export (``screening_exports.py``).

Everything is read and checked before anything is written, and written in one transaction: a file with a
problem is refused as ``FILE:LINE: reason`` and the database is left as it was.
"""


class ImportRefused(Exception):
    """The file (or the command's options) cannot be imported; ``problems`` are lines ready to print."""

    def __init__(self, problems: list):
        self.problems = [str(problem) for problem in problems]
        super().__init__("\n".join(self.problems))
