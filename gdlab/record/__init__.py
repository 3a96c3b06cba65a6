"""The record: configs in, run and sweep folders out, and the folders read back.

``schema`` and ``config`` validate YAML and ``--set`` into frozen configs;
``build`` turns a config into the core's data and calls, ``rules`` says which runs
the theory predicts and which sweep points step together; ``runner`` runs one
experiment into its folder (``runs`` writes files atomically, ``owner`` says
which process owns a folder), ``budget`` refuses what cannot be done, ``summary``
says what it found, ``readback`` reads a finished run back; ``grid``, ``sweep``
and ``sweep_files`` do the same for a grid of runs, on a launcher (``launch``:
here or on every core; ``cluster``: on a Dask cluster, the optional extra;
``bootstrap``: whether this process is a worker still importing the caller's
script), with their data prepared once a process (``prepared``) and each point's
history thinned (``thinned``); ``lrfind`` writes a range test's folder;
``catalog`` lists and finds what is there. This layer may import ``gdlab.core``,
YAML and (``cluster`` alone, when asked for) Dask; never Matplotlib, Typer or
Rich. Figures are drawn by a callback handed in from above.
"""
