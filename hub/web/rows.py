"""The patient page's many repeated fragments (event dots and rows) as escaped HTML. Pure.

A busy person has hundreds of events; rendering each through Jinja's per-value escaping
cost more than everything else on the page, so these fragments are built here with
``html.escape`` and handed to the template as Markup.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

from markupsafe import Markup

from hub.timeline import Language, TimelineEvent
from hub.web.charts import Dot

__all__ = ["event_dots", "event_rows"]


def event_dots(dots: Sequence[Dot], language: Language) -> Markup:
    """One SVG circle per event, with its summary as the tooltip."""
    parts = [
        f'<circle class="event kind-{escape(d.event.kind)}" cx="{d.x}" cy="{d.y}" r="6" '
        f'data-source="{escape(d.event.source)}" data-index="{i}"><title>'
        f"{d.event.date.isoformat()} {escape(d.event.summary(language))}</title></circle>"
        for i, d in enumerate(dots)
    ]
    return Markup("\n".join(parts))  # noqa: S704 (every value above went through escape)


def event_rows(
    events: Sequence[TimelineEvent], labels: Mapping[str, str], language: Language
) -> Markup:
    """One table row per event: day, source, summary, links to the FHIR resources behind it."""
    parts = []
    for i, e in enumerate(events):
        links = " ".join(
            f'<a href="/fhir/{escape(r)}">{escape(r.split("/")[0])}</a>' for r in e.references
        )
        parts.append(
            f'<tr class="event-row" data-source="{escape(e.source)}" data-kind="{escape(e.kind)}" '
            f'id="event-{i}"><td>{e.date.isoformat()}</td>'
            f"<td>{escape(labels.get(e.source, e.source))}</td>"
            f"<td>{escape(e.summary(language))}</td><td>{links}</td></tr>"
        )
    return Markup("\n".join(parts))  # noqa: S704 (every value above went through escape)
