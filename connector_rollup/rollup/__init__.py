"""The roll-up: from the checked submissions to the national figures, the warehouse and the reports.

``identity`` (who is the same Connector) -> ``counting`` (person events, job
outcomes) -> ``summary`` (the run's frames) -> ``warehouse`` (DuckDB, ``sql/``)
-> ``report`` (Markdown from the warehouse alone) -> ``publish`` (everything
swapped in together). ``publication`` freezes published figures and finds
revisions; ``pseudonym`` keys people for analysts; ``stopping`` makes a run
stop cleanly. ``flows/rollup.py`` calls them in order.
"""
