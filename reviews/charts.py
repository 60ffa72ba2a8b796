"""SVG charts drawn on the server: horizontal bar charts, the PRISMA 2020 flow diagram and the gain curve.

Readable without colour: every bar carries its category and its value as text, and series differ by pattern
(solid, hatched, dotted), not by hue. Every chart is an image with a title and a description listing its
figures, for screen readers. Labels are user input (tag names, exclusion reasons), so every piece of text is
escaped, stripped of invisible formatting characters and shortened to fit, its full text kept in a <title>.
"""

import math
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .wording import counted

WIDTH = 640
LABEL_X, BAR_X, BAR_MAX = 4, 210, 330
ROW, BAR_HEIGHT, TOP = 26, 18, 8
LABEL_CHARACTERS = 28
FONT = 'font-family="system-ui, sans-serif" font-size="13"'

# Fill patterns: the only difference between series, so a print in black and white reads the same.
PATTERNS = {
    "solid": '<rect width="6" height="6" fill="#1f4e79"/>',
    "hatched": '<rect width="6" height="6" fill="#ffffff"/><path d="M-1,1 l2,-2 M0,6 l6,-6 M5,7 l2,-2" '
    'stroke="#1f4e79" stroke-width="1.6"/>',
    "dotted": '<rect width="6" height="6" fill="#ffffff"/><circle cx="3" cy="3" r="1.4" fill="#1f4e79"/>',
}


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    pattern: str = "solid"
    # What the value is out of ("12 of 40"); 0 means no denominator.
    out_of: int = 0
    # A heading shown above this bar when it differs from the previous bar's (bars grouped by reviewer).
    group: str = ""

    @property
    def text(self) -> str:
        return f"{self.value} of {self.out_of}" if self.out_of else str(self.value)


@dataclass(frozen=True)
class PrismaFlow:
    """The screening stage of a PRISMA 2020 flow diagram, in records: the papers screened plus the duplicate
    records removed (dashboard_queries.duplicates_removed)."""

    identified: int
    duplicates: int
    screened: int
    excluded: int
    included: int
    awaiting_screening: int
    awaiting_resolution: int
    # (reason label, papers), "No reason given" among them.
    reasons: list[tuple[str, int]] = field(default_factory=list)

    @property
    def reasons_shown(self) -> list[tuple[str, int]]:
        """The reasons with their labels cleaned as the diagram draws them, for a table beside it."""
        return [(shown(label, 200)[1], count) for label, count in self.reasons]


def shown(text: str, limit: int = LABEL_CHARACTERS) -> tuple[str, str]:
    """(the text to draw, the full text) of a label: invisible formatting characters (bidi overrides, zero-width
    spaces, controls) dropped so a label cannot reorder the chart around it, and shortened with an ellipsis."""
    full = " ".join("".join(char for char in text if unicodedata.category(char) not in ("Cc", "Cf")).split())
    full = full or "(blank)"
    return (full if len(full) <= limit else full[: limit - 1] + "…"), full


def _text(x, y, content: str, *, anchor="start", bold=False, full: str = "") -> str:
    weight = ' font-weight="bold"' if bold else ""
    tooltip = f"<title>{escape(full)}</title>" if full and full != content else ""
    # Each label is isolated, so right-to-left text stays within its own place.
    return (
        f'<text x="{x}" y="{y}" text-anchor="{anchor}" direction="ltr" unicode-bidi="isolate"{weight}>'
        f"{tooltip}{escape(content)}</text>"
    )


def _svg(name: str, title: str, description: str, height: int, body: str, width: int = WIDTH) -> SafeString:
    patterns = "".join(
        f'<pattern id="{name}-{key}" width="6" height="6" patternUnits="userSpaceOnUse">{shape}</pattern>'
        for key, shape in PATTERNS.items()
    )
    arrow = (
        f'<marker id="{name}-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#222"/></marker>'
    )
    return mark_safe(  # noqa: S308 - every piece of text above went through escape()
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-labelledby="{name}-title {name}-desc" {FONT}>'
        f'<title id="{name}-title">{escape(title)}</title><desc id="{name}-desc">{escape(description)}</desc>'
        f"<defs>{patterns}{arrow}</defs>{body}</svg>"
    )


def bar_chart(name: str, title: str, bars: list[Bar], *, empty: str = "Nothing yet.") -> SafeString:
    """Horizontal bars, one a row, each with its category on the left and its value after the bar; bars with a
    ``group`` sit under that group's heading. ``name`` prefixes the ids, so many charts can share a page."""
    if not bars:
        return _svg(name, title, empty, 40, _text(LABEL_X, 25, empty))
    largest = max(max(bar.value, bar.out_of) for bar in bars) or 1
    parts, y, group = [], TOP, None
    for bar in bars:
        if bar.group and bar.group != group:
            group = bar.group
            drawn, full = shown(group, 60)
            parts.append(_text(LABEL_X, y + 14, drawn, bold=True, full=full))
            y += ROW
        indent = 16 if bar.group else 0
        drawn, full = shown(bar.label, LABEL_CHARACTERS - indent // 8)
        parts.append(_text(LABEL_X + indent, y + 14, drawn, full=full))
        if bar.out_of:
            parts.append(
                f'<rect x="{BAR_X}" y="{y}" width="{BAR_MAX}" height="{BAR_HEIGHT}" fill="none" stroke="#555"/>'
            )
        length = round(BAR_MAX * bar.value / largest)
        parts.append(
            f'<rect x="{BAR_X}" y="{y}" width="{length}" height="{BAR_HEIGHT}" fill="url(#{name}-{bar.pattern})" '
            'stroke="#1f4e79"/>'
        )
        end = BAR_X + (BAR_MAX if bar.out_of else length) + 6
        parts.append(_text(end, y + 14, bar.text))
        y += ROW
    description = "; ".join(
        f"{shown(bar.group, 200)[1] + ', ' if bar.group else ''}{shown(bar.label, 200)[1]}: {bar.text}" for bar in bars
    )
    return _svg(name, title, description, y + TOP, "".join(parts))


PRISMA_WIDTH, BOX_WIDTH, LINE = 720, 320, 18
LEFT_X, RIGHT_X = 10, 390


def _box(x: int, y: int, lines: list[str]) -> tuple[str, int]:
    """A box of text lines (the first bold) at (x, y); its SVG and its height."""
    height = LINE * len(lines) + 16
    parts = [f'<rect x="{x}" y="{y}" width="{BOX_WIDTH}" height="{height}" fill="#fff" stroke="#222"/>']
    for number, line in enumerate(lines):
        drawn, full = shown(line, 44)
        parts.append(_text(x + 10, y + 22 + number * LINE, drawn, bold=number == 0, full=full))
    return "".join(parts), height


def _arrow(name: str, x1, y1, x2, y2) -> str:
    return f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="#222" marker-end="url(#{name}-arrow)"/>'


def prisma_diagram(name: str, flow: PrismaFlow) -> SafeString:
    """The screening stage of the PRISMA 2020 flow: records identified and duplicates removed, records screened
    and excluded (with reasons), included, and what still awaits screening or resolution."""
    gap = 40
    y1 = 10
    identified, h1 = _box(
        LEFT_X, y1, ["Records identified", f"n = {flow.identified}", "(papers screened + duplicates removed)"]
    )
    duplicates, h1b = _box(
        RIGHT_X, y1, ["Records removed before screening", f"Duplicate records: n = {flow.duplicates}"]
    )
    y2 = y1 + max(h1, h1b) + gap
    screened, h2 = _box(LEFT_X, y2, ["Records screened", f"n = {flow.screened}", "(entered title/abstract screening)"])
    reason_lines = [f"{label}: n = {count}" for label, count in flow.reasons]
    excluded, h2b = _box(RIGHT_X, y2, ["Records excluded", f"n = {flow.excluded}", *reason_lines])
    y3 = y2 + max(h2, h2b) + gap
    included, h3 = _box(LEFT_X, y3, ["Records included at screening", f"n = {flow.included}"])
    awaiting, h3b = _box(
        RIGHT_X,
        y3,
        ["Awaiting a decision", f"Awaiting screening: n = {flow.awaiting_screening}",
         f"Awaiting resolution: n = {flow.awaiting_resolution}"],
    )  # fmt: skip
    middle = LEFT_X + BOX_WIDTH // 2
    arrows = [
        _arrow(name, LEFT_X + BOX_WIDTH, y1 + h1 // 2, RIGHT_X, y1 + h1 // 2),
        _arrow(name, middle, y1 + h1, middle, y2),
        _arrow(name, LEFT_X + BOX_WIDTH, y2 + h2 // 2, RIGHT_X, y2 + h2 // 2),
        _arrow(name, middle, y2 + h2, middle, y3),
        _arrow(name, LEFT_X + BOX_WIDTH, y2 + h2 - 6, RIGHT_X, y3 + h3b // 2),
    ]
    description = (
        f"Records identified: {flow.identified}; duplicate records removed: {flow.duplicates}; records screened: "
        f"{flow.screened}; records excluded: {flow.excluded}"
        + "".join(f"; excluded, {shown(label, 200)[1]}: {count}" for label, count in flow.reasons)
        + f"; records included at screening: {flow.included}; awaiting screening: {flow.awaiting_screening}; "
        f"awaiting resolution: {flow.awaiting_resolution}."
    )
    body = identified + duplicates + screened + excluded + included + awaiting + "".join(arrows)
    height = y3 + max(h3, h3b) + 10
    return _svg(name, "PRISMA 2020 flow of the screening stage", description, height, body, width=PRISMA_WIDTH)


def standalone(svg: str) -> str:
    """An SVG as a file of its own."""
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{svg}\n'


CURVE_WIDTH, CURVE_HEIGHT = 640, 380
CURVE_LEFT, CURVE_TOP, CURVE_W, CURVE_H = 64, 34, 540, 270
# Up to this many includes the curve is drawn step by step; beyond, one point per pixel column is as exact.
EXACT_STEPS = 500


def _ticks(largest: int) -> list[int]:
    """Round counts from 0 to ``largest`` for an axis, at most about five of them, ``largest`` last."""
    if largest <= 0:
        return [0]
    raw = largest / 4
    magnitude = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    ticks = list(range(0, largest, max(1, step)))
    if ticks and largest - ticks[-1] < step / 2 and len(ticks) > 1:
        ticks.pop()  # too close to the last tick to print both
    return [*ticks, largest]


def gain_curve(name: str, title: str, screened: int, include_positions: list[int], *, empty: str) -> SafeString:
    """Includes found (y) against papers screened (x), both in counts: a step up at each include's place in the
    screening order (1 = the first paper screened). The dashed diagonal from the origin to where the curve ends
    is what a random order of the same papers would give on average; ``empty`` says why there is no curve."""
    if not screened:
        return _svg(name, title, empty, 40, _text(LABEL_X, 25, empty))
    found = len(include_positions)
    top = max(found, 1)

    def point(x: float, y: float) -> str:
        return f"{CURVE_LEFT + CURVE_W * x / screened:.1f},{CURVE_TOP + CURVE_H * (1 - y / top):.1f}"

    points = [point(0, 0)]
    if found <= EXACT_STEPS:
        for count, position in enumerate(include_positions, start=1):
            points += [point(position - 1, count - 1), point(position, count)]
    else:
        columns = range(1, CURVE_W + 1)
        points += [point(screened * column / CURVE_W, bisect_right(include_positions, screened * column / CURVE_W))
                   for column in columns]  # fmt: skip
    points.append(point(screened, found))
    bottom, right = CURVE_TOP + CURVE_H, CURVE_LEFT + CURVE_W
    parts = [f'<rect x="{CURVE_LEFT}" y="{CURVE_TOP}" width="{CURVE_W}" height="{CURVE_H}" fill="#fff" stroke="#555"/>']
    if found:
        parts.append(
            f'<line x1="{CURVE_LEFT}" y1="{bottom}" x2="{right}" y2="{CURVE_TOP}" stroke="#555" '
            'stroke-dasharray="4 4"/>'
        )
    parts.append(f'<polyline points="{" ".join(points)}" fill="none" stroke="#1f4e79" stroke-width="2"/>')
    for tick in _ticks(screened):
        parts.append(_text(round(CURVE_LEFT + CURVE_W * tick / screened), bottom + 16, str(tick), anchor="middle"))
    for tick in _ticks(found):
        parts.append(_text(CURVE_LEFT - 6, round(bottom - CURVE_H * tick / top) + 4, str(tick), anchor="end"))
    parts.append(_text(CURVE_LEFT + CURVE_W // 2, bottom + 38, "Papers screened, in the order first decided",
                       anchor="middle"))  # fmt: skip
    legend = "Includes found" + ("; dashed: a random order of the same papers, on average" if found else "")
    parts.append(_text(CURVE_LEFT, CURVE_TOP - 8, legend))
    return _svg(name, title, gain_description(screened, include_positions), CURVE_HEIGHT, "".join(parts),
                width=CURVE_WIDTH)  # fmt: skip


def gain_description(screened: int, include_positions: list[int]) -> str:
    """The gain curve in words: the includes found at each quarter of the papers screened, and the last one."""
    found = len(include_positions)
    if not found:
        return f"No include found among {counted(screened, 'paper')} screened."
    quarters = sorted({max(1, round(screened * share)) for share in (0.25, 0.5, 0.75, 1)})
    marks = "; ".join(
        f"{counted(bisect_right(include_positions, papers), 'include')} found after {counted(papers, 'paper')}"
        for papers in quarters
    )
    last = include_positions[-1]
    return (
        f"{counted(found, 'include')} found among {counted(screened, 'paper')} screened, in the order first "
        f"decided: {marks}. The last include was paper {last} of that order; "
        f"{counted(screened - last, 'paper')} screened since."
    )
