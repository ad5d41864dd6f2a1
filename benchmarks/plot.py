"""The time-against-N plot: a PNG through plotly + kaleido when it works offline, else an SVG written here."""

from __future__ import annotations

import math
from html import escape
from pathlib import Path

COLOURS = ["#1f77b4", "#2ca02c", "#d62728", "#7f7f7f", "#9467bd", "#ff7f0e", "#8c564b"]
Series = dict[str, list[tuple[float, float]]]


def write_plot(series: Series, out_stem: Path, title: str) -> Path:
    """Write out_stem.png (plotly + kaleido, which drives a locally installed Chromium) or, failing that, .svg."""
    png = out_stem.with_suffix(".png")
    try:
        import plotly.graph_objects as go

        fig = go.Figure([go.Scatter(x=[p[0] for p in pts], y=[p[1] for p in pts], name=name, mode="lines+markers",
                                    line={"color": COLOURS[i % len(COLOURS)]})
                         for i, (name, pts) in enumerate(series.items())])
        fig.update_layout(title=title, xaxis={"type": "log", "title": "posts (N)"},
                          yaxis={"type": "log", "title": "wall time (s)"}, template="plotly_white",
                          width=900, height=520)
        fig.write_image(str(png))
        out_stem.with_suffix(".svg").unlink(missing_ok=True)
        return png
    except Exception:  # noqa: BLE001 - kaleido missing, or no Chromium: the SVG needs neither
        svg = out_stem.with_suffix(".svg")
        svg.write_text(svg_plot(series, title=title, xlabel="posts (N)", ylabel="wall time (s)"))
        png.unlink(missing_ok=True)
        return svg


def svg_plot(series: Series, title: str, xlabel: str, ylabel: str, w: int = 760, h: int = 460) -> str:
    """A log–log line chart as a standalone SVG string."""
    pts = [p for s in series.values() for p in s if p[0] > 0 and p[1] > 0]
    if not pts:
        return f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="60"><text x="10" y="30">no data</text></svg>'
    x0, x1 = math.floor(math.log10(min(p[0] for p in pts))), math.ceil(math.log10(max(p[0] for p in pts)))
    y0, y1 = math.floor(math.log10(min(p[1] for p in pts))), math.ceil(math.log10(max(p[1] for p in pts)))
    x1, y1 = max(x1, x0 + 1), max(y1, y0 + 1)
    left, right, top, bottom = 70, 230, 40, 50

    def sx(x: float) -> float:
        return left + (math.log10(x) - x0) / (x1 - x0) * (w - left - right)

    def sy(y: float) -> float:
        return h - bottom - (math.log10(y) - y0) / (y1 - y0) * (h - top - bottom)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="12">',
           f'<rect width="{w}" height="{h}" fill="white"/>',
           f'<text x="{left}" y="22" font-size="15" font-weight="bold">{escape(title)}</text>']
    for e in range(x0, x1 + 1):
        x = sx(10 ** e)
        out.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{h - bottom}" stroke="#ddd"/>')
        out.append(f'<text x="{x:.1f}" y="{h - bottom + 16}" text-anchor="middle">{_tick(10 ** e)}</text>')
    for e in range(y0, y1 + 1):
        y = sy(10 ** e)
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{w - right}" y2="{y:.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{_tick(10 ** e)}</text>')
    out.append(f'<text x="{(left + w - right) / 2}" y="{h - 12}" text-anchor="middle">{escape(xlabel)}</text>')
    out.append(f'<text x="16" y="{(top + h - bottom) / 2}" transform="rotate(-90 16 {(top + h - bottom) / 2})" '
               f'text-anchor="middle">{escape(ylabel)}</text>')
    for i, (name, s) in enumerate(series.items()):
        c = COLOURS[i % len(COLOURS)]
        xy = " ".join(f"{sx(a):.1f},{sy(b):.1f}" for a, b in sorted(s))
        out.append(f'<polyline points="{xy}" fill="none" stroke="{c}" stroke-width="2"/>')
        out.extend(f'<circle cx="{sx(a):.1f}" cy="{sy(b):.1f}" r="3.5" fill="{c}"/>' for a, b in s)
        ly = top + 10 + i * 20
        out.append(f'<line x1="{w - right + 15}" y1="{ly}" x2="{w - right + 40}" y2="{ly}" stroke="{c}" stroke-width="3"/>')
        out.append(f'<text x="{w - right + 46}" y="{ly + 4}">{escape(name)}</text>')
    out.append("</svg>")
    return "\n".join(out)


def _tick(v: float) -> str:
    for unit, div in (("M", 1e6), ("k", 1e3)):
        if v >= div:
            return f"{v / div:g}{unit}"
    return f"{v:g}"
