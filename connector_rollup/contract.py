"""The submission workbook contract (shared/spec/submission-workbook.md), as data.

Every sheet, column, French header, type and enumeration of the contract is
spelled here once; the reader, the schemas, the template and the sample all
read it from here.
"""

from __future__ import annotations

from dataclasses import dataclass

# Column types. Each names a parser in ``values``.
TEXT = "text"
NAME = "name"  # text whose inner runs of spaces are collapsed
ID = "id"
EMAIL = "email"
DATE = "date"
YES_NO = "yes_no"
NOC = "noc"
ENUM = "enum"


@dataclass(frozen=True)
class Enumeration:
    name: str
    english_name: str
    french_name: str
    # code -> (English label, French labels: masculine, feminine...)
    labels: dict[str, tuple[str, tuple[str, ...]]]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(self.labels)

    def label(self, code: str, lang: str) -> str:
        english, french = self.labels[code]
        return english if lang == "en" else french[0]


ENUMERATIONS: dict[str, Enumeration] = {
    e.name: e
    for e in [
        Enumeration(
            "category",
            "category",
            "catégorie",
            {
                "newcomer": ("Newcomer", ("Nouvel arrivant", "Nouvelle arrivante")),
                "international_student": (
                    "International student",
                    ("Étudiant international", "Étudiante internationale"),
                ),
                "international_graduate": (
                    "International graduate",
                    ("Diplômé international", "Diplômée internationale"),
                ),
                "local_graduate": ("Local graduate", ("Diplômé local", "Diplômée locale")),
                "local": ("Local", ("Local", "Locale")),
                "other": ("Other", ("Autre",)),
            },
        ),
        Enumeration(
            "official_language",
            "official language",
            "langue officielle",
            {
                "english": ("English", ("Anglais",)),
                "french": ("French", ("Français",)),
                "both": ("Both", ("Les deux",)),
            },
        ),
        Enumeration(
            "recruitment_channel",
            "recruitment channel",
            "mode de recrutement",
            {
                "word_of_mouth": ("Word of mouth", ("Bouche à oreille",)),
                "linkedin": ("LinkedIn", ("LinkedIn",)),
                "personal_contact": ("Personal contact", ("Contact personnel",)),
                "professional_contact": ("Professional contact", ("Contact professionnel",)),
                "referral": ("Referral", ("Recommandation",)),
                "other": ("Other", ("Autre",)),
            },
        ),
        Enumeration(
            "introduced_by",
            "introduced by",
            "présenté par",
            {
                "coordinator": ("Coordinator", ("Coordonnateur", "Coordonnatrice")),
                "connector": ("Connector", ("Connecteur", "Connectrice")),
            },
        ),
        Enumeration(
            "outcome",
            "outcome",
            "résultat",
            {
                "information": ("Information", ("Information",)),
                "job_shadow": ("Job shadow", ("Observation au travail",)),
                "interview": ("Interview", ("Entrevue",)),
                "job_offer": ("Job offer", ("Offre d'emploi",)),
                "other": ("Other", ("Autre",)),
            },
        ),
        Enumeration(
            "employment_type",
            "employment type",
            "type d'emploi",
            {
                "full_time": ("Full time", ("Temps plein",)),
                "part_time": ("Part time", ("Temps partiel",)),
                "contract": ("Contract", ("Contrat",)),
                "seasonal": ("Seasonal", ("Saisonnier", "Saisonnière")),
            },
        ),
    ]
}


@dataclass(frozen=True)
class Column:
    key: str
    english: str
    french: str
    type: str
    required: bool = False
    enumeration: str | None = None
    # Value used when an optional cell is blank (the contract's "no (No)").
    default: object = None
    # Required only when another column holds Yes (intake_meeting_date).
    required_when_yes: str | None = None
    help_en: str = ""
    help_fr: str = ""

    def header(self, lang: str) -> str:
        return self.english if lang == "en" else self.french


@dataclass(frozen=True)
class Sheet:
    key: str
    english: str
    french: str
    columns: tuple[Column, ...]
    required: bool = True
    # The columns whose values identify a record across submissions.
    record_key: tuple[str, ...] = ()
    # The column that must be unique inside one sheet (an ID), if any.
    unique_id: str | None = None
    help_en: str = ""
    help_fr: str = ""

    def name(self, lang: str) -> str:
        return self.english if lang == "en" else self.french

    @property
    def required_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.required)

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


def _col(
    key,
    english,
    french,
    type_,
    required=False,
    enumeration=None,
    default=None,
    required_when_yes=None,
    help_en="",
    help_fr="",
):
    return Column(
        key,
        english,
        french,
        type_,
        required,
        enumeration,
        default,
        required_when_yes,
        help_en,
        help_fr,
    )


CONNECTEES = Sheet(
    "connectees",
    "Connectees",
    "Connectés",
    (
        _col(
            "connectee_id",
            "Connectee ID",
            "ID connecté",
            ID,
            True,
            help_en="Your own ID for this person; unique in the sheet, the same every quarter.",
            help_fr="Votre identifiant pour cette personne; unique dans la feuille, le même chaque trimestre.",
        ),
        _col("first_name", "First name", "Prénom", NAME, True),
        _col("last_name", "Last name", "Nom", NAME, True),
        _col("email", "Email", "Courriel", EMAIL),
        _col("phone", "Phone", "Téléphone", TEXT),
        _col("category", "Category", "Catégorie", ENUM, True, "category"),
        _col("country_of_origin", "Country of origin", "Pays d'origine", TEXT),
        _col(
            "official_language",
            "Official language",
            "Langue officielle",
            ENUM,
            True,
            "official_language",
        ),
        _col(
            "home_occupation_noc",
            "Home occupation NOC",
            "CNP profession d'origine",
            NOC,
            help_en="NOC 2021 code (5 digits) of the occupation held before coming, e.g. 21300.",
            help_fr="Code CNP 2021 (5 chiffres) de la profession exercée avant l'arrivée, p. ex. 21300.",
        ),
        _col("home_occupation_title", "Home occupation title", "Titre profession d'origine", TEXT),
        _col("application_date", "Application date", "Date de demande", DATE, True),
        _col("accepted", "Accepted", "Accepté", YES_NO, True),
        _col(
            "intake_meeting_date",
            "Intake meeting date",
            "Date de rencontre d'accueil",
            DATE,
            required_when_yes="accepted",
            help_en="Required when Accepted is Yes.",
            help_fr="Obligatoire si Accepté est Oui.",
        ),
        _col(
            "withdrawn",
            "Withdrawn",
            "Retiré",
            YES_NO,
            default=False,
            help_en="Yes takes this person out of every count, past quarters included.",
            help_fr="Oui retire cette personne de tous les comptes, trimestres passés compris.",
        ),
    ),
    record_key=("connectee_id",),
    unique_id="connectee_id",
    help_en="One row per job-ready newcomer or graduate who applied to the program.",
    help_fr="Une ligne par personne (nouvel arrivant ou diplômé) qui a fait une demande.",
)

CONNECTORS = Sheet(
    "connectors",
    "Connectors",
    "Connecteurs",
    (
        _col(
            "connector_id",
            "Connector ID",
            "ID connecteur",
            ID,
            True,
            help_en="Your own ID for this Connector; unique in the sheet, the same every quarter.",
            help_fr="Votre identifiant pour ce connecteur; unique dans la feuille, le même chaque trimestre.",
        ),
        _col("first_name", "First name", "Prénom", NAME, True),
        _col("last_name", "Last name", "Nom", NAME, True),
        _col("email", "Email", "Courriel", EMAIL),
        _col("phone", "Phone", "Téléphone", TEXT),
        _col("organization", "Organization", "Organisation", TEXT),
        _col("job_title", "Job title", "Titre du poste", TEXT),
        _col("sector", "Sector", "Secteur", TEXT),
        _col(
            "recruited_via", "Recruited via", "Recruté par", ENUM, enumeration="recruitment_channel"
        ),
        _col(
            "orientation_meeting_date",
            "Orientation meeting date",
            "Date de rencontre d'orientation",
            DATE,
        ),
        _col("toolkit_received", "Toolkit received", "Trousse reçue", YES_NO, True),
        _col(
            "withdrawn",
            "Withdrawn",
            "Retiré",
            YES_NO,
            default=False,
            help_en="Yes takes this Connector out of every count, past quarters included.",
            help_fr="Oui retire ce connecteur de tous les comptes, trimestres passés compris.",
        ),
    ),
    record_key=("connector_id",),
    unique_id="connector_id",
    help_en="One row per established local person who opens their network.",
    help_fr="Une ligne par personne établie qui ouvre son réseau.",
)

INTRODUCTIONS = Sheet(
    "introductions",
    "Introductions",
    "Présentations",
    (
        _col("connectee_id", "Connectee ID", "ID connecté", ID, True),
        _col("connector_id", "Connector ID", "ID connecteur", ID, True),
        _col("introduction_date", "Introduction date", "Date de présentation", DATE, True),
        _col(
            "introduced_by",
            "Introduced by",
            "Présenté par",
            ENUM,
            enumeration="introduced_by",
            default="coordinator",
        ),
        _col("outcome", "Outcome", "Résultat", ENUM, enumeration="outcome"),
    ),
    record_key=("connectee_id", "connector_id", "introduction_date"),
    help_en="One row per introduction of a Connectee to a Connector.",
    help_fr="Une ligne par présentation d'un connecté à un connecteur.",
)

JOBS = Sheet(
    "jobs",
    "Jobs",
    "Emplois",
    (
        _col("connectee_id", "Connectee ID", "ID connecté", ID, True),
        _col("employer", "Employer", "Employeur", TEXT, True),
        _col("job_title", "Job title", "Titre du poste", TEXT, True),
        _col("job_noc", "Job NOC", "CNP emploi", NOC),
        _col("start_date", "Start date", "Date de début", DATE, True),
        _col(
            "employment_type",
            "Employment type",
            "Type d'emploi",
            ENUM,
            enumeration="employment_type",
        ),
        _col("in_field", "In field", "Dans son domaine", YES_NO, True),
        _col("matches_experience", "Matches experience", "Correspond à l'expérience", YES_NO, True),
        _col("withdrawn", "Withdrawn", "Retiré", YES_NO, default=False),
    ),
    required=False,
    record_key=("connectee_id", "employer", "start_date"),
    help_en="One row per job a Connectee found (optional: only if your program tracks jobs).",
    help_fr="Une ligne par emploi obtenu par un connecté (facultatif).",
)

DATA_SHEETS: tuple[Sheet, ...] = (CONNECTEES, CONNECTORS, INTRODUCTIONS, JOBS)
SHEETS_BY_KEY = {s.key: s for s in DATA_SHEETS}


@dataclass(frozen=True)
class SubmissionField:
    key: str
    english: str
    french: str
    type: str
    required: bool

    def label(self, lang: str) -> str:
        return self.english if lang == "en" else self.french


SUBMISSION_SHEET = ("Submission", "Soumission")
SUBMISSION_HEADER = (("Field", "Value"), ("Champ", "Valeur"))
SUBMISSION_FIELDS: tuple[SubmissionField, ...] = (
    SubmissionField("community_code", "Community code", "Code de la communauté", TEXT, True),
    SubmissionField("reporting_quarter", "Reporting quarter", "Trimestre", TEXT, True),
    SubmissionField("submitted_on", "Submitted on", "Soumis le", DATE, True),
    SubmissionField("coordinator_name", "Coordinator name", "Nom du coordonnateur", NAME, False),
    SubmissionField(
        "coordinator_email", "Coordinator email", "Courriel du coordonnateur", EMAIL, False
    ),
    SubmissionField("tracks_jobs", "Tracks jobs", "Suivi des emplois", YES_NO, True),
)

# Columns holding personal data: masked wherever an analyst could read them.
PERSONAL_COLUMNS = frozenset(
    {"first_name", "last_name", "email", "phone", "coordinator_name", "coordinator_email"}
)

YES_WORDS = ("yes", "y", "true", "1", "oui", "o")
NO_WORDS = ("no", "n", "false", "0", "non")


# Which sheet defines the IDs another sheet names.
REFERENCES = {
    ("introductions", "connectee_id"): ("connectees", "unknown_connectee"),
    ("introductions", "connector_id"): ("connectors", "unknown_connector"),
    ("jobs", "connectee_id"): ("connectees", "unknown_connectee"),
}
# Warnings about an ID this workbook does not define as a valid row; the roll-up
# (history.resolve_references) looks for it in the community's other submissions.
UNRESOLVED_ID_CODES = ("id_not_in_workbook", "id_in_rejected_row")
