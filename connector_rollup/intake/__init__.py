"""Intake: a community's workbook from its bytes to a checked submission, and what its coordinator reads.

``read`` (the file, safely, as raw cells) -> ``validate`` (a ``Submission``:
typed valid rows, issues) -> ``clean`` (the checked workbook cached on its
bytes) -> ``history`` (supersede, resolve IDs against the community's other
submissions, each record's latest version) -> ``workbooks`` (the folder:
discover, intake, ``check_community``). ``feedback`` and ``template`` are what
coordinators read and fill in. Modules are imported by name, not from here,
so that ``validate`` loads only what it uses.
"""
