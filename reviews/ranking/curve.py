"""The recall curve of a screening order as an SVG, in the style of reviews/charts.py: includes found against
records screened, with the diagonal a random order would follow on average, and every figure in the text."""

from django.utils.safestring import SafeString

from ..charts import _svg, _text

WIDTH, HEIGHT = 640, 360
LEFT, TOP, PLOT_W, PLOT_H = 60, 30, 540, 270


def recall_curve(name: str, title: str, labels_in_order: list[int], starting: int = 2) -> SafeString:
    """Includes found (y) after each record screened (x), leaving out the ``starting`` records as the metrics do."""
    labels = [int(label) for label in labels_in_order[starting:]]
    records, includes = len(labels), sum(labels)
    if not records or not includes:
        return _svg(name, title, "No include left to find after the starting records.", 40, _text(4, 25, "—"))

    def point(screened: int, found: int) -> str:
        return f"{LEFT + PLOT_W * screened / records:.1f},{TOP + PLOT_H * (1 - found / includes):.1f}"

    found, points = 0, [point(0, 0)]
    for screened, label in enumerate(labels, start=1):
        if label:
            # A step: flat while excludes pass, up at the include.
            points.append(point(screened - 1, found))
            found += 1
            points.append(point(screened, found))
    points.append(point(records, found))
    bottom, right = TOP + PLOT_H, LEFT + PLOT_W
    parts = [
        f'<rect x="{LEFT}" y="{TOP}" width="{PLOT_W}" height="{PLOT_H}" fill="#fff" stroke="#555"/>',
        f'<line x1="{LEFT}" y1="{bottom}" x2="{right}" y2="{TOP}" stroke="#555" stroke-dasharray="4 4"/>',
        f'<polyline points="{" ".join(points)}" fill="none" stroke="#1f4e79" stroke-width="2"/>',
    ]
    for share in (0, 0.25, 0.5, 0.75, 1):
        x, y = LEFT + PLOT_W * share, bottom - PLOT_H * share
        # Ticks as shares: a count at a quarter of 14 includes would have to be rounded, and misplaced.
        parts.append(_text(round(x), bottom + 16, f"{share:.0%}", anchor="middle"))
        parts.append(_text(LEFT - 6, round(y) + 4, f"{share:.0%}", anchor="end"))
    parts.append(_text(LEFT + PLOT_W // 2, bottom + 36, f"Records screened (share of {records})", anchor="middle"))
    parts.append(_text(LEFT, TOP - 6, f"Includes found (share of {includes}); dashed: a random order", anchor="start"))
    cumulative, marks = 0, []
    for screened, label in enumerate(labels, start=1):
        cumulative += label
        if screened in {max(1, round(records * share)) for share in (0.05, 0.1, 0.25, 0.5)}:
            marks.append(f"{cumulative} of {includes} includes found after {screened} of {records} records")
    description = "Recall curve: " + "; ".join(marks) + f"; all found after {_last_include(labels)} records."
    return _svg(name, title, description, HEIGHT, "".join(parts), width=WIDTH)


def _last_include(labels: list[int]) -> int:
    return max(position for position, label in enumerate(labels, start=1) if label)
