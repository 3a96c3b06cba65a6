"""Pages: what people see in a browser. Self-contained HTML files that open offline.

``html`` assembles one page from its parts: the page's data as JSON, the
vendored chart library (``vendor/``, pinned, with its licence) and gdlab's own
scripts and styles (``assets/``), all inlined so the file works from
``file://`` with no network. ``explore`` writes a run's interactive page
(explore.html); ``dashboard`` writes results/index.html and each sweep's page, from
what ``points`` reads of each run (once for a sweep's points, then cached).
This layer may import ``gdlab.core`` and ``gdlab.record``; never
``gdlab.plots`` or ``gdlab.report`` (its siblings), Typer or Rich.
"""
