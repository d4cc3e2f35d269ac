"""Where the bundled resources (demo data, icons, stylesheet) live, installed or not."""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def resources_dir() -> Path:
    """`funnel_gui/resources` inside a wheel; the repository's `resources/` in a checkout."""
    bundled = _PACKAGE_DIR / "resources"
    if bundled.is_dir():
        return bundled
    return _PACKAGE_DIR.parent / "resources"


def demo_data_path() -> Path:
    return resources_dir() / "demo" / "shop_events.csv.gz"
