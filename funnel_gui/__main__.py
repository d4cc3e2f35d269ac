"""`python -m funnel_gui` is the same as the `funnel-gui` command."""

from __future__ import annotations

import sys

from funnel_gui.cli import main

if __name__ == "__main__":
    sys.exit(main())
