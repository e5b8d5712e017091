"""connector-rollup: the National Connector Program's quarterly roll-up.

Stages, one module each: ``read`` (workbook cells), ``validate`` (checks and
typed rows), ``history`` (supersede, latest version wins), ``identity`` (who
is the same Connector), ``counting`` (when a person counts), ``warehouse``
(DuckDB), ``report`` (Markdown). ``flows/`` only orchestrates them.
"""

__version__ = "0.1.0"
