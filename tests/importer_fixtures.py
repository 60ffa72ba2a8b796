"""Shared helpers for importer tests: the seed corpus, running the command, and database snapshots."""

import io
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from papers.models import ImportBatch, Paper

DATA = Path(__file__).parent / "data"
SEED = Path(settings.BASE_DIR) / "fixtures" / "000_17fd64235e3a3294.txt"
SEED_VERSIONED = {"2210.13966": 3, "2205.12674": 3, "2304.11477": 1, "2212.14024": 2}


@dataclass
class CommandResult:
    exit_code: int
    stdout: str
    stderr: str


def run_import_papers(*args) -> CommandResult:
    """Run ``import_papers`` as the shell would, turning a CommandError into its exit code."""
    stdout, stderr = io.StringIO(), io.StringIO()
    try:
        call_command("import_papers", *map(str, args), stdout=stdout, stderr=stderr)
    except CommandError as error:
        stderr.write(f"CommandError: {error}\n")
        return CommandResult(error.returncode, stdout.getvalue(), stderr.getvalue())
    return CommandResult(0, stdout.getvalue(), stderr.getvalue())


def seed_records() -> list[tuple[str, str]]:
    """(id line, abstract line) pairs exactly as the seed file holds them."""
    lines = SEED.read_bytes().decode("utf-8").split("\n")[8:]
    return list(zip(lines[0::2], lines[1::2], strict=True))


def database_snapshot():
    """Everything an import could change, in a form two snapshots can be compared with ==."""
    papers = list(Paper.objects.order_by("arxiv_id").values_list())
    links = list(Paper.import_batches.through.objects.order_by("id").values_list())
    batches = list(ImportBatch.objects.order_by("id").values_list())
    return papers, links, batches


def write_file(directory: Path, name: str, content: str | bytes) -> Path:
    path = directory / name
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


@pytest.fixture
def seed_corpus(db):
    """The 100 seed papers, imported with the command."""
    result = run_import_papers(SEED)
    assert result.exit_code == 0, result.stderr
    return result
