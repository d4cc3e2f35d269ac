"""Charts: each draws numbers computed in core; no analysis happens here."""

from __future__ import annotations

import os

# pyqtgraph picks a Qt binding on import; make sure it is ours.
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
