"""Pandera contracts for the submission sheets, one ``DataFrameModel`` per sheet."""

from schemas.sheets import Connectees, Connectors, Introductions, Jobs

MODELS = {
    "connectees": Connectees,
    "connectors": Connectors,
    "introductions": Introductions,
    "jobs": Jobs,
}

__all__ = ["Connectees", "Connectors", "Introductions", "Jobs", "MODELS"]
