"""The synthetic domain-shift benchmark of mmwesam (research code, not the toolbox).

Modules by job: ``data`` (the generator), ``methods`` (methods, source model, kept
domains), ``runs`` (one run and the record of runs), ``stats`` (paired intervals),
``search`` (lr search), ``report`` (tables, charts, overlays), ``demo`` (the README's
demo), ``diagnostics`` (research probes, registered only when imported).
"""
