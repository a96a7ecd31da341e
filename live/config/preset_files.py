"""Where the shipped presets are: ``presets/<activity>/<name>.toml``.

Installed, the folder is ``live/_presets`` (the wheel puts the repository's ``presets/`` there);
in a checkout it is the repository's ``presets/``. Realtime-safe: no (file system).
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["presets_dir", "shipped_presets"]


def presets_dir() -> Path:
    """Folder of the shipped presets: ``live/_presets`` when installed, else the repo's ``presets/``."""
    package = Path(__file__).resolve().parent.parent
    installed = package / "_presets"
    return installed if installed.is_dir() else package.parent / "presets"


def shipped_presets() -> list[Path]:
    """Shipped preset files (``<activity>/<name>.toml``), sorted by activity then name."""
    return sorted(presets_dir().glob("*/*.toml"), key=lambda p: (p.parent.name, p.name))
