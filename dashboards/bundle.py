"""The plotly.js the page inlines: the vendored basic bundle (bar, pie, scatter), 1.2 MB instead of 4.8 MB.

The figures' JSON comes from the plotly Python package, so the bundle must be the plotly.js version that
package was built for; when it is not (plotly upgraded, vendor/ not refreshed), the full bundle plotly ships
is used instead, so the page always draws (dashboards/vendor/README.md says how to refresh).
"""

from __future__ import annotations

import re
import sys
from functools import lru_cache
from pathlib import Path

from plotly.offline import get_plotlyjs, get_plotlyjs_version

BUNDLE = Path(__file__).parent / "vendor" / "plotly-basic.min.js"
TRACE_TYPES = frozenset({"bar", "pie", "scatter"})   # what the basic bundle can draw


def bundle_version(path: Path = BUNDLE) -> str | None:
    """The plotly.js version in a bundle's header comment ('plotly.js (basic - minified) v4.1.1')."""
    try:
        with path.open(encoding="utf-8") as fh:
            head = fh.read(400)
    except OSError:
        return None
    m = re.search(r"plotly\.js\b[^\n]*?\bv(\d+\.\d+\.\d+)", head)
    return m.group(1) if m else None


@lru_cache(maxsize=1)
def plotly_js() -> str:
    """The script text to inline: the basic bundle when it matches the installed plotly, else the full one."""
    want = get_plotlyjs_version()
    have = bundle_version()
    if have == want:
        return BUNDLE.read_text(encoding="utf-8")
    print(f"postaudit: the vendored plotly.js basic bundle is {have or 'missing'}, the plotly package needs {want}; "
          "inlining the full bundle (4.8 MB) instead (see dashboards/vendor/README.md)", file=sys.stderr)
    return get_plotlyjs()


def full_bundle_in_use() -> bool:
    """Whether pages carry the full bundle (any trace type) rather than the basic one."""
    return bundle_version() != get_plotlyjs_version()
