"""Reports people read: the seed's claims judged against gdlab's numbers, as Markdown and HTML.

``claims`` states each claim of the seed write-up and the rule that judges it;
``document`` builds the reproduction report from those verdicts, the numbers and
the figures; ``render`` turns any report's blocks of text, tables and figures
into Markdown and one self-contained HTML page. This layer may import
``gdlab.core`` and ``gdlab.record``; never ``gdlab.plots`` (its sibling), Typer
or Rich.
"""
