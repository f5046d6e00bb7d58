# ruff: noqa: E501  (SQL and SVG markup read better unwrapped)
"""Inline SVG charts for the run report: no JavaScript library, no CDN (the report opens offline)."""

from __future__ import annotations

from html import escape

PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"]


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 10 or value == int(value) else f"{value:.2f}"


def line_chart(x: list[str], series: dict[str, list[float]], *, width=760, height=260, title="") -> str:
    """One line per series over categorical x labels (dates)."""
    pad_l, pad_b, pad_t, pad_r = 50, 40, 24, 120
    top = max([max(v) for v in series.values() if v] + [1])
    n = max(len(x) - 1, 1)
    w, h = width - pad_l - pad_r, height - pad_t - pad_b

    def px(i: int) -> float:
        return pad_l + w * i / n

    def py(v: float) -> float:
        return pad_t + h - h * v / top

    out = [
        f'<svg role="img" aria-label="{escape(title)}" width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
    ]
    for frac in (0, 0.5, 1):
        y = py(top * frac)
        out.append(f'<line x1="{pad_l}" x2="{pad_l + w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{pad_l - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">{_fmt(top * frac)}</text>')
    step = max(1, len(x) // 8)
    for i in range(0, len(x), step):
        out.append(f'<text x="{px(i):.1f}" y="{height - 18}" text-anchor="middle" font-size="10">{escape(x[i])}</text>')
    for k, (name, values) in enumerate(series.items()):
        color = PALETTE[k % len(PALETTE)]
        points = " ".join(f"{px(i):.1f},{py(v):.1f}" for i, v in enumerate(values))
        out.append(
            f'<polyline fill="none" stroke="{color}" stroke-width="1.5" points="{points}"><title>{escape(name)}</title></polyline>'
        )
        out.append(f'<rect x="{pad_l + w + 12}" y="{pad_t + 18 * k}" width="10" height="10" fill="{color}"/>')
        out.append(f'<text x="{pad_l + w + 26}" y="{pad_t + 18 * k + 9}" font-size="11">{escape(name)}</text>')
    out.append("</svg>")
    return "".join(out)


def bar_chart(items: list[tuple[str, float]], *, width=760, bar=18, title="", unit="") -> str:
    """Horizontal bars, one per (label, value)."""
    label_w, pad = 200, 8
    top = max([v for _, v in items] + [1])
    height = pad * 2 + (bar + 6) * len(items)
    out = [
        f'<svg role="img" aria-label="{escape(title)}" width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
    ]
    for i, (label, value) in enumerate(items):
        y = pad + i * (bar + 6)
        length = (width - label_w - 80) * value / top
        out.append(
            f'<text x="{label_w - 6}" y="{y + bar - 5}" text-anchor="end" font-size="12">{escape(str(label))}</text>'
        )
        out.append(
            f'<rect x="{label_w}" y="{y}" width="{length:.1f}" height="{bar}" fill="{PALETTE[0]}"><title>{escape(str(label))}: {_fmt(value)}{unit}</title></rect>'
        )
        out.append(
            f'<text x="{label_w + length + 4:.1f}" y="{y + bar - 5}" font-size="11">{_fmt(value)}{escape(unit)}</text>'
        )
    out.append("</svg>")
    return "".join(out)


def _heat(t: float) -> str:
    return f"rgb(255,{int(255 - 200 * t)},{int(255 - 220 * t)})"


def heat_map(
    rows: list[str], columns: list[str], values: dict[tuple[str, str], float], *, cell=16, title="", unit=""
) -> str:
    """Rows × columns of cells coloured by value (white → dark red), with a legend of the scale."""
    label_w, label_h, legend_h = 170, 60, 44
    top = max([*values.values(), 1])
    width = max(label_w + cell * len(columns) + 10, label_w + 260)
    height = label_h + cell * len(rows) + 10 + legend_h
    out = [
        f'<svg role="img" aria-label="{escape(title)}" width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
    ]
    for j, col in enumerate(columns):
        x = label_w + j * cell + cell / 2
        out.append(f'<text transform="translate({x:.1f},{label_h - 4}) rotate(-60)" font-size="9">{escape(col)}</text>')
    for i, row in enumerate(rows):
        y = label_h + i * cell
        out.append(f'<text x="{label_w - 4}" y="{y + cell - 4}" text-anchor="end" font-size="10">{escape(row)}</text>')
        for j, col in enumerate(columns):
            v = values.get((row, col), 0)
            out.append(
                f'<rect x="{label_w + j * cell}" y="{y}" width="{cell - 1}" height="{cell - 1}" fill="{_heat(v / top)}" stroke="#eee"><title>{escape(row)} {escape(col)}: {_fmt(v)}</title></rect>'
            )
    y = label_h + cell * len(rows) + 18
    steps = 20
    out.append(
        f'<g class="legend"><text x="{label_w - 4}" y="{y + 11}" text-anchor="end" font-size="10">{escape(unit)}</text>'
    )
    for k in range(steps):
        out.append(f'<rect x="{label_w + k * 12}" y="{y}" width="12" height="12" fill="{_heat(k / (steps - 1))}"/>')
    out.append(f'<text x="{label_w}" y="{y + 26}" font-size="10">0</text>')
    out.append(f'<text x="{label_w + steps * 12}" y="{y + 26}" text-anchor="end" font-size="10">{_fmt(top)}</text></g>')
    out.append("</svg>")
    return "".join(out)
