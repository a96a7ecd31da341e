"""A simulated tapper's settings as the offline session takes them (``seed`` and ``settings``)."""

from __future__ import annotations

import dataclasses

from live.sim.tapper import TapperParams


def tapper(params: TapperParams = TapperParams()) -> dict:
    """``simulate_session(..., **tapper(TapperParams(alpha=0.3, seed=4)))``."""
    settings = dataclasses.asdict(params)
    return {"seed": settings.pop("seed"), "settings": settings}
