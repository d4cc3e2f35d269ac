"""File names suggested for what the app writes, from the funnel's name (§11) and the view:
"Checkout – funnel.png". Safe on Windows, macOS and Linux file systems."""

from __future__ import annotations

import re

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')
# Names Windows reserves whatever the extension ("CON.png" cannot be created there).
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10))}
_RESERVED |= {f"lpt{i}" for i in range(1, 10)}
MAX_STEM = 120  # well under every file system's 255-byte limit, with room for a suffix


def safe_file_stem(text: str, fallback: str = "funnel") -> str:
    """`text` as a file name without its suffix: "A/B test" must not become a folder."""
    stem = _UNSAFE.sub("-", text)
    stem = " ".join(stem.split())[:MAX_STEM].strip(" .-")
    if not stem or stem.lower().split(".")[0] in _RESERVED:
        return fallback if not stem else f"{stem}-file"
    return stem


def suggested_name(funnel_name: str, what: str, suffix: str) -> str:
    """ "Checkout – funnel.png"; "funnel.png" for an unnamed funnel."""
    what = what or "chart"
    stem = f"{funnel_name} – {what}" if funnel_name.strip() else what
    return safe_file_stem(stem, what) + suffix
