"""The activities a preset can name, by name.

The built-in activities are a table of module names, imported the first time one of them is
asked for (importing a module registers its class with :func:`register`), so this module
imports no activity and no activity module imports another. A test or a plug-in registers its
own activity class with :func:`register` directly.
"""

from __future__ import annotations

import importlib

from live.metrics.info import Catalogue

__all__ = ["register", "activity_class", "activity_names", "metric_catalogue"]

# Built-in activity name -> the module that defines (and registers) it.
_BUILTIN: dict[str, str] = {
    "entrainment": "live.activities.entrainment",
    "call_response": "live.activities.call_response",
    "improvisation": "live.activities.improvisation",
}

_REGISTRY: dict[str, type] = {}


def register(cls: type) -> type:
    """Class decorator: make an activity known by its ``name`` (presets refer to it so).

    Raises
    ------
    ValueError
        When another class is registered under the same name.
    """
    name = cls.name
    known = _REGISTRY.get(name)
    if known is not None and known is not cls and (known.__module__, known.__qualname__) != (cls.__module__, cls.__qualname__):
        raise ValueError(f"activity {name!r} is already registered ({known.__module__}.{known.__qualname__})")
    _REGISTRY[name] = cls
    return cls


def activity_class(name: str) -> type:
    """The activity class registered as ``name`` (a built-in one is imported on first use).

    Raises
    ------
    KeyError
        With the names that exist, when ``name`` is unknown.
    """
    if name not in _REGISTRY and name in _BUILTIN:
        importlib.import_module(_BUILTIN[name])
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown activity {name!r}; known: {', '.join(activity_names())}") from None


def activity_names() -> list[str]:
    """Names of every activity: the built-in ones and those registered, sorted."""
    return sorted(set(_BUILTIN) | set(_REGISTRY))


def metric_catalogue(activity: str | None = None) -> Catalogue:
    """The metric catalogue of ``activity`` (by name); with None, every activity's together (for
    a goal, whose metric may come from any); empty for a name this version does not know (an
    old or foreign database: its metrics are then shown by name)."""
    if activity is not None:
        try:
            return activity_class(activity).metrics
        except KeyError:
            return Catalogue([])
    merged = Catalogue([])
    for name in activity_names():
        merged = merged.merged(activity_class(name).metrics)
    return merged
