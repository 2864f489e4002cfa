"""Registered checkpoint layouts: every module of this package is imported
(in name order) and registers its layouts with
:func:`umt_mm.checkpoint.registry.register_layout`."""
import importlib
import pkgutil

for _info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    importlib.import_module(f'{__name__}.{_info.name}')
