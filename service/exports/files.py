"""How a written file is handed out: its ``Content-Disposition``, the same from the API and
the dashboard, so that a download is named alike wherever it comes from."""

from __future__ import annotations

from urllib.parse import quote


def content_disposition(filename: str, *, inline: bool = False) -> str:
    """``attachment; filename="…"; filename*=UTF-8''…``: an ASCII fallback (``_`` for what
    ASCII lacks) for old clients, and the name itself, RFC 5987 encoded, for the rest."""
    fallback = filename.encode("ascii", "replace").decode("ascii").replace("?", "_")
    return (f'{"inline" if inline else "attachment"}; filename="{fallback}"; '
            f"filename*=UTF-8''{quote(filename)}")
