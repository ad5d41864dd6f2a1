"""A number line in HTML for a verdict card: the claim's band, the estimate with its interval, the floor.

Drawn with positioned elements, not a chart: it costs no plotly figure, its text keeps the page's font size
at every width, and its few tick labels are placed so they cannot overlap (first and last are aligned to the
ends, the rest centred, at most five).
"""

from __future__ import annotations

import math

from postaudit.dashboards.evidence import UNIT_WORDS, Evidence
from postaudit.dashboards.figures import esc
from postaudit.verdict_rules import fmt

MAX_TICKS = 5
LOG_RATIO = 30.0     # values spanning more than this factor are drawn on a log scale
NUMBERLINE_CSS = """
.nl{margin:12px 0 6px}
.nl-track{position:relative;height:22px;background:linear-gradient(#d0d7de,#d0d7de) 0 50%/100% 1px no-repeat}
.nl-track span{position:absolute;top:0;height:22px}
.nl-band{background:rgba(214,39,40,.18);border-left:2px solid #d62728;border-right:2px solid #d62728}
.nl-band.open{border-right:0;background:linear-gradient(90deg,rgba(214,39,40,.2),rgba(214,39,40,.04))}
.nl-ci{top:8px!important;height:6px!important;background:#4c78a8;border-radius:3px}
.nl-est{width:12px;height:12px!important;top:5px!important;margin-left:-6px;border-radius:50%;background:#1f4e79;
border:2px solid #fff}
.nl-floor{width:3px;margin-left:-1px;background:#1d232b}
.nl-ref{width:0;border-left:2px dashed #57606a}
.nl-axis{position:relative;height:16px;border-top:1px solid #8c959f;font-size:11px;line-height:14px;color:#57606a}
.nl-tick{position:absolute;top:1px;transform:translateX(-50%);white-space:nowrap}
.nl-tick.first{transform:none}.nl-tick.last{transform:translateX(-100%)}
.nl-unit{font-size:11px;line-height:14px;color:#57606a;text-align:center}
.nl-key{display:flex;flex-wrap:wrap;gap:2px 12px;font-size:12px;color:#444;margin-top:4px}
.nl-key .k{white-space:nowrap}
.sw{display:inline-block;width:14px;height:10px;margin-right:4px;vertical-align:-1px}
.sw.band{background:rgba(214,39,40,.25);border:1px solid #d62728}.sw.ci{height:5px;background:#4c78a8;vertical-align:1px}
.sw.est{width:10px;border-radius:50%;background:#1f4e79}.sw.floor{width:3px;background:#1d232b}
.sw.ref{width:0;border-left:2px dashed #57606a}
"""


def _nice(x: float) -> float:
    """The smallest 1, 2, 2.5 or 5 × 10^k at or above x."""
    if x <= 0:
        return 1.0
    k = 10 ** math.floor(math.log10(x))
    return next(m * k for m in (1, 2, 2.5, 5, 10) if m * k >= x * (1 - 1e-12))


def _short(x: float) -> str:
    """A tick label: 250k, 1.5M, 0.25, 40."""
    if abs(x) >= 1e6:
        return f"{x / 1e6:g}M"
    if abs(x) >= 1e4:
        return f"{x / 1e3:g}k"
    return fmt(x) if abs(x) < 1000 else f"{x:,.0f}"


class Scale:
    """Value → position in percent of the track; linear from 0, or log10 when the values span decades."""

    def __init__(self, values: list[float]):
        pos = [v for v in values if v is not None and v > 0 and math.isfinite(v)]
        top = max(pos) if pos else 1.0
        self.log = bool(pos) and top / min(pos) > LOG_RATIO
        if self.log:
            self.lo, self.hi = math.floor(math.log10(min(pos))), math.ceil(math.log10(top))
            if self.hi == self.lo:
                self.hi += 1
        else:
            self.lo, self.hi = 0.0, _nice(top * 1.08)

    def at(self, v: float) -> float:
        if self.log:
            v = math.log10(v) if v > 0 else self.lo
        return max(0.0, min(100.0, (v - self.lo) / (self.hi - self.lo) * 100))

    def ticks(self) -> list[float]:
        if self.log:
            decades = list(range(int(self.lo), int(self.hi) + 1))
            step = max(1, math.ceil(len(decades) / MAX_TICKS))
            return [10.0 ** d for d in decades[::step]]
        step = _nice(self.hi / (MAX_TICKS - 1))
        return [i * step for i in range(int(self.hi / step + 1e-9) + 1)]


def _pct(x: float) -> str:
    return f"{x:.2f}%"


def numberline_html(ev: Evidence, unit: str | None) -> str:
    """The number line for one verdict, or '' when there is nothing to draw."""
    if not ev.drawable:
        return ""
    band_hi = None if ev.band is None else ev.band[1]
    points = [ev.estimate, ev.floor, ev.reference, *(ev.interval or ()), *(ev.band or ())]
    scale = Scale([p for p in points if p is not None])
    marks, key = [], []
    if ev.band is not None:
        left = scale.at(ev.band[0])
        right = 100.0 if band_hi is None else scale.at(band_hi)
        open_end = " open" if band_hi is None else ""
        marks.append(f'<span class="nl-band{open_end}" style="left:{_pct(left)};width:{_pct(max(right - left, 0.8))}">'
                     "</span>")
        key.append(f'<span class="k"><i class="sw band"></i>claim: {esc(ev.claim)}</span>')
    if ev.interval is not None:
        left, right = scale.at(ev.interval[0]), scale.at(ev.interval[1])
        marks.append(f'<span class="nl-ci" style="left:{_pct(left)};width:{_pct(max(right - left, 0.6))}"></span>')
        key.append(f'<span class="k"><i class="sw ci"></i>{esc(ev.interval_label)}</span>')
    if ev.estimate is not None:
        marks.append(f'<span class="nl-est" style="left:{_pct(scale.at(ev.estimate))}"></span>')
        key.append(f'<span class="k"><i class="sw est"></i>{esc(ev.estimate_label)}</span>')
    if ev.floor is not None:
        marks.append(f'<span class="nl-floor" style="left:{_pct(scale.at(ev.floor))}"></span>')
        key.append(f'<span class="k"><i class="sw floor"></i>{esc(ev.floor_label)}</span>')
    if ev.reference is not None:
        marks.append(f'<span class="nl-ref" style="left:{_pct(scale.at(ev.reference))}"></span>')
        key.append('<span class="k"><i class="sw ref"></i>no effect</span>')
    ticks = []
    values = scale.ticks()
    for t in values:
        at = scale.at(t)
        edge = " first" if at <= 0 else " last" if at >= 100 else ""
        ticks.append(f'<span class="nl-tick{edge}" style="left:{_pct(at)}">{esc(_short(t))}</span>')
    words = UNIT_WORDS.get(unit or "", ("", ""))[1].strip()
    axis_note = ", ".join(w for w in (words, "log scale" if scale.log else "") if w)
    label = f"{ev.claim}; {ev.estimate_label} {fmt(ev.estimate)}" if ev.estimate is not None else ev.claim
    return (f'<div class="nl" role="img" aria-label="{esc(label)}"><div class="nl-track">{"".join(marks)}</div>'
            f'<div class="nl-axis">{"".join(ticks)}</div>'
            + (f'<div class="nl-unit">{esc(axis_note)}</div>' if axis_note else "")
            + f'<div class="nl-key">{"".join(key)}</div></div>')
