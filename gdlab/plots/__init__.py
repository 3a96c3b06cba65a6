"""Figures: what people see. The only package that imports Matplotlib (ruff's banned-api).

``common`` holds styles and saving, ``run`` the figures of one run, ``surface``
the loss surface and the moving line, ``modes`` the error along each eigenvector,
``sweep`` and ``distance`` the figures that compare the runs of a sweep (``colorkey``
tells their series apart), ``lrbeta`` the map of a momentum sweep over (lr, beta),
``lrfind`` the learning-rate range test beside the theory's rates, and ``files``
writes them into run and sweep folders. This package may import ``gdlab.core`` and
``gdlab.record``; never ``gdlab.report``
(its sibling), Typer or Rich.
Importing it loads nothing: Matplotlib takes about half a second, so only the
modules that draw import it.
"""
