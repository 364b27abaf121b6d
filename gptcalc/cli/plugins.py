"""Skip pydantic's plugin lookup in a ``gptcalc`` run that has disabled plugins.

pydantic builds every validator through ``pydantic.plugin._schema_validator.create_schema_validator``, which
imports ``pydantic.plugin._loader``; that module imports :mod:`importlib.metadata` at its top (``email``,
``zipfile``, ``csv``, ``tempfile``, ``socket``...) so that ``get_plugins`` can read entry points. With
``PYDANTIC_DISABLE_PLUGINS`` set to ``__all__``, ``1`` or ``true`` (the CLI sets ``__all__`` unless the user set
the variable) ``get_plugins`` returns ``()`` before it reads any: the import is the single largest piece of a
CLI call's start-up (~160M instructions of ~900M, measured with callgrind) and buys nothing.

:func:`install` puts a stand-in for ``pydantic.plugin._loader`` in :data:`sys.modules` before pydantic imports
it. Its ``get_plugins`` returns ``()`` while the variable disables plugins, as pydantic's does, and otherwise
(the variable changed during the run) defers to pydantic's own module, loaded on first need; so does any other
name asked of the stand-in. Nothing is installed when pydantic has already loaded its module, when the
variable enables plugins, or when pydantic no longer has the module.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import sys
from collections.abc import Iterable
from types import ModuleType
from typing import Any

NAME = "pydantic.plugin._loader"
DISABLED = ("__all__", "1", "true")  # the values for which pydantic's get_plugins returns () at once


def plugins_disabled() -> bool:
    return os.environ.get("PYDANTIC_DISABLE_PLUGINS") in DISABLED


class _Loader(ModuleType):
    """Stands in for ``pydantic.plugin._loader``; loads the real module only when something needs it."""

    def __init__(self, spec: importlib.machinery.ModuleSpec) -> None:
        super().__init__(NAME)
        self.__spec__ = spec
        self._real: ModuleType | None = None

    def get_plugins(self) -> Iterable[Any]:
        if plugins_disabled():
            return ()
        return self._load().get_plugins()  # type: ignore[no-any-return]

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):  # the import system probes __path__ and the like
            raise AttributeError(name)
        return getattr(self._load(), name)

    def _load(self) -> ModuleType:
        if self._real is None:
            spec = self.__spec__
            assert spec is not None and spec.loader is not None
            real = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(real)
            self._real = real
        return self._real


def install() -> bool:
    """Put the stand-in in place (True) when plugins are disabled and pydantic has not loaded its own loader."""
    if NAME in sys.modules or not plugins_disabled():
        return False
    package = importlib.util.find_spec("pydantic.plugin")  # imports only pydantic/__init__ and pydantic/plugin
    if package is None or package.submodule_search_locations is None:
        return False
    spec = importlib.machinery.PathFinder.find_spec("_loader", list(package.submodule_search_locations))
    if spec is None or spec.loader is None:  # a pydantic without the module: nothing to stand in for
        return False
    sys.modules[NAME] = _Loader(spec)
    return True
