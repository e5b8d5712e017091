"""A synthetic sample of the 44 communities' submissions, apart from the product code.

``connector-rollup sample`` and the portal's demo write it; tests and
benchmarks build on it. Nothing in ``connector_rollup`` imports it except
those two entry points.
"""
