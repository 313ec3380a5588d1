"""Content negotiation: the hub speaks FHIR JSON only; XML is refused with 406 / 415."""

from __future__ import annotations

from fastapi import Request

from hub.api.errors import NotAcceptable, UnsupportedMedia

__all__ = ["JSON_FORMATS", "negotiate"]

#: ``_format`` values and media types the hub answers in.
JSON_FORMATS = frozenset(
    {"json", "application/json", "application/fhir+json", "application/json+fhir", "text/json"}
)


def _accepts_json(accept: str) -> bool:
    for item in accept.split(","):
        media = item.split(";", 1)[0].strip().lower()
        if media in ("*/*", "application/*", "") or "json" in media:
            return True
    return False


async def negotiate(request: Request) -> None:
    """Refuse requests whose Accept, ``_format`` or Content-Type ask for anything but JSON."""
    fmt = request.query_params.get("_format")
    if fmt is not None and fmt.split(";", 1)[0].strip().lower() not in JSON_FORMATS:
        raise NotAcceptable(f"_format={fmt} is not supported; this server speaks FHIR JSON.")
    accept = request.headers.get("accept")
    if accept and not _accepts_json(accept):
        raise NotAcceptable(f"Accept: {accept} is not supported; this server speaks FHIR JSON.")
    content_type = request.headers.get("content-type", "")
    if request.method in ("POST", "PUT", "PATCH") and "xml" in content_type.lower():
        raise UnsupportedMedia(
            f"Content-Type: {content_type} is not supported; send application/fhir+json."
        )
