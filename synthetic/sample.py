"""Synthetic community submissions: what 44 coordinators send, mistakes included.

``write_sample`` writes, for every registered community, the workbooks of the
four quarters through ``last_quarter``: French or English, whole roster or only
what changed, with the layout quirks the reader must tolerate, a handful of
deliberate row errors in a few files, a superseded resubmission, two
communities missing the last quarter, and broken files the roll-up must
reject. The same seed gives byte-identical files (timestamps are fixed).

Generation runs in three steps: a plan (who does what, cheap), a roster per
community (its people and events over several years), then files (each
roster's state at the end of a quarter, rendered the way that coordinator
types it).
"""

from __future__ import annotations

import bisect
import csv
import datetime as dt
import io
import os
import random
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.writer.excel import ExcelWriter

from connector_rollup import contract as C
from connector_rollup.periods import PROGRAM_START, Period
from connector_rollup.registry import Community, load_registry
from connector_rollup.values import fold

SAMPLE_QUARTER = Period(2026, 2)
QUARTERS_SENT = 4  # each community's files: the last four quarters through the sample quarter
HISTORY_YEARS = 6  # records go back to joined_on, at most this many years

# Roster sizes at scale 1, all 44 shipped communities together.
TARGET_CONNECTEES = 9000
CONNECTORS_PER_CONNECTEE = 0.48

FRENCH_CODES = frozenset({"NB-EDM", "NB-MONC"})  # plus every QC community
PILOT_CODES = ("ON-BARR", "ON-ORIL", "XX-PILOT")  # a community not in the registry sends a file

# Relative size of each community's program (a big city ~5-10x a small town).
SIZE_WEIGHTS = {
    "ON-TOR": 10,
    "QC-MTL": 9,
    "BC-VAN": 8,
    "NS-HFX": 7,
    "AB-CGY": 7,
    "AB-EDM": 7,
    "ON-OTT": 6,
    "MB-WPG": 5,
    "QC-QUE": 4,
    "ON-HAM": 4,
    "ON-KW": 4,
    "ON-LON": 3.5,
    "SK-SASK": 3,
    "SK-REG": 3,
    "BC-VIC": 3,
    "NB-MONC": 3,
    "NL-SJ": 3,
    "QC-GAT": 3,
    "ON-WIND": 3,
    "NB-FRED": 2.5,
    "NB-SJ": 2.5,
    "PE-CHTN": 2.5,
    "QC-SHER": 2.5,
    "ON-KING": 2.5,
    "ON-NIAG": 2.5,
    "BC-KEL": 2.5,
    "ON-SUD": 2,
    "QC-TR": 2,
    "NS-CBRT": 2,
    "ON-TB": 1.5,
    "ON-PETE": 1.5,
    "MB-BRAN": 1.5,
    "AB-RD": 1.5,
    "AB-LETH": 1.5,
    "BC-KAM": 1.5,
    "BC-PG": 1.2,
    "NS-TRUR": 1.2,
    "NS-ANNA": 1.2,
    "SK-PA": 1.3,
    "NB-EDM": 1.3,
    "PE-SUMM": 1.3,
    "NL-CORN": 1.3,
    "YT-WHSE": 1.3,
    "NT-YK": 1.3,
}
DEFAULT_WEIGHT = 2.0
# 0.97: the minimum sizes of small communities add a little.
_CONNECTEES_PER_WEIGHT = 0.97 * TARGET_CONNECTEES / sum(SIZE_WEIGHTS.values())

# Each kind of deliberate row error, as the roll-up should report it.
ERROR_KINDS = (
    "required_blank",
    "bad_date_text",
    "date_out_of_range",
    "bad_yes_no",
    "bad_enum",
    "bad_email",
    "bad_noc",
    "duplicate_id",
    "unknown_connector",
    "unknown_connectee",
    "job_unknown_connectee",
    "ineligible_category",
)
DATE_ERROR_KINDS = frozenset({"bad_date_text", "date_out_of_range"})

_DAY = dt.timedelta(days=1)
_EXCEL_EPOCH = dt.date(1899, 12, 30)


# ---------------------------------------------------------------------------
# Pools: names, countries, occupations, organizations (all fake)
# ---------------------------------------------------------------------------


def _split(text: str) -> tuple[str, ...]:
    return tuple(s.strip() for s in text.split(",") if s.strip())


@dataclass(frozen=True)
class _Origin:
    country_en: str
    country_fr: str
    women: tuple[str, ...]
    men: tuple[str, ...]
    surnames: tuple[str, ...]
    francophone: bool = False


def _origin(en, fr, women, men, surnames, francophone=False) -> _Origin:
    return _Origin(en, fr, _split(women), _split(men), _split(surnames), francophone)


CANADA_EN = _origin(
    "Canada",
    "Canada",
    "Emily, Sarah, Jessica, Megan, Olivia, Hannah, Caitlin, Zoë, Chloe, Abigail, Heather, "
    "Jennifer, Kathleen, Margaret, Leah, Brooke",
    "Liam, Noah, Ethan, Connor, Ryan, Matthew, Owen, Dylan, Michael, David, Andrew, Graham, Scott, "
    "Kevin, Brendan, Patrick",
    "Smith, MacDonald, MacLeod, Campbell, O'Neil, O'Brien, Fraser, Murphy, Wilson, Clarke, "
    "Chisholm, Brown, Stewart, MacKenzie, Robertson, Walsh, Doucette, McNeil, Taylor, Anderson, "
    "Hughes, Boyd, Sinclair, Gillis, Morrison, Beaton, Young, Reid, Grant, Patterson",
)
CANADA_FR = _origin(
    "Canada",
    "Canada",
    "Émilie, Geneviève, Marie-Ève, Catherine, Julie, Audrey, Mélanie, Noémie, Isabelle, Valérie, "
    "Josée, Stéphanie, Annie, Élise",
    "Jean-François, Mathieu, Olivier, Étienne, Alexandre, Gabriel, Maxime, Louis-Philippe, "
    "Sébastien, François, Marc-André, Pierre-Luc, Simon, Benoît",
    "Tremblay, Gagnon, Roy, Côté, Bouchard, Gauthier, Morin, Lavoie, Fortin, Gagné, Ouellet, "
    "Pelletier, Bélanger, LeBlanc, Cormier, Arsenault, Gallant, Landry, Thériault, Bergeron, "
    "Girard, Paquette, Boucher, Caron, Dubé, Lévesque, Poirier, Richard, Savoie, Daigle",
    francophone=True,
)
ORIGINS_EN = (
    _origin(
        "India",
        "Inde",
        "Priya, Ananya, Divya, Kavya, Neha, Sneha, Pooja, Lakshmi",
        "Arjun, Rahul, Vikram, Rohan, Aditya, Karthik, Sanjay, Harpreet",
        "Sharma, Patel, Reddy, Iyer, Singh, Gupta, Nair, Raman, Menon, Chatterjee, Gill",
    ),
    _origin(
        "Philippines",
        "Philippines",
        "Maria, Jasmine, Kristine, Angelica, Rowena, Maricel",
        "Jose, Mark, Paolo, Rodel, Jericho, Carlo",
        "Santos, Reyes, Cruz, Bautista, Dela Cruz, Garcia, Mendoza, Villanueva",
    ),
    _origin(
        "China",
        "Chine",
        "Mei, Xiaoling, Jing, Yan, Li Na, Hui",
        "Wei, Jun, Hao, Ming, Lei, Zhiwei",
        "Zhang, Wang, Li, Liu, Chen, Yang, Huang, Zhao",
    ),
    _origin(
        "Vietnam",
        "Viêt Nam",
        "Lan, Thảo, Linh, Hương, Mai",
        "Minh, Tuấn, Huy, Đức, Quang",
        "Nguyễn, Trần, Lê, Phạm, Hoàng, Vũ",
    ),
    _origin(
        "Nigeria",
        "Nigéria",
        "Chiamaka, Ngozi, Funmilayo, Adaeze, Temitope",
        "Chinedu, Emeka, Oluwaseun, Babajide, Tunde, Ifeanyi",
        "Okafor, Adeyemi, Okonkwo, Balogun, Eze, Adebayo, Nwosu",
    ),
    _origin(
        "Syria",
        "Syrie",
        "Rania, Lina, Hiba, Nour, Yasmin",
        "Omar, Khaled, Ahmad, Samer, Bashar",
        "Haddad, Al-Masri, Khoury, Hamwi, Darwish, Sabbagh",
    ),
    _origin(
        "Iran",
        "Iran",
        "Shirin, Maryam, Niloufar, Parisa, Leila",
        "Reza, Ali, Arash, Babak, Kian",
        "Hosseini, Ahmadi, Karimi, Rahimi, Moradi, Tehrani",
    ),
    _origin(
        "Ukraine",
        "Ukraine",
        "Olena, Iryna, Oksana, Kateryna, Yuliia",
        "Andriy, Oleksandr, Dmytro, Serhiy, Taras",
        "Shevchenko, Kovalenko, Bondarenko, Tkachenko, Melnyk, Kravchenko",
    ),
    _origin(
        "Colombia",
        "Colombie",
        "Valentina, Camila, Daniela, Paula, Luisa",
        "Andrés, Santiago, Juan Pablo, Felipe, José",
        "Rodríguez, Gómez, Martínez, Hernández, López, Ramírez",
    ),
    _origin(
        "Brazil",
        "Brésil",
        "Ana, Beatriz, Fernanda, Juliana, Larissa",
        "João, Lucas, Rafael, Thiago, Gabriel",
        "Silva, Souza, Oliveira, Costa, Pereira, Almeida",
    ),
    _origin(
        "South Korea",
        "Corée du Sud",
        "Ji-woo, Seo-yeon, Min-ji, Hye-jin",
        "Min-jun, Ji-hoon, Seung-ho, Dong-hyun",
        "Kim, Lee, Park, Choi, Jung, Kang",
    ),
    _origin(
        "Pakistan",
        "Pakistan",
        "Ayesha, Fatima, Sana, Hira, Mahnoor",
        "Hamza, Usman, Bilal, Faisal, Imran",
        "Khan, Ahmed, Malik, Qureshi, Siddiqui, Chaudhry",
    ),
    _origin(
        "Ethiopia",
        "Éthiopie",
        "Selam, Hanna, Meron, Tsion",
        "Dawit, Yonas, Samuel, Abel",
        "Tesfaye, Bekele, Haile, Gebremariam, Alemu, Desta",
    ),
    _origin(
        "Jamaica",
        "Jamaïque",
        "Shanice, Kimberley, Tamara",
        "Andre, Delroy, Kemar",
        "Campbell, Brown, Williams, Thompson, Francis",
    ),
    _origin(
        "Mexico",
        "Mexique",
        "Guadalupe, Sofía, Ximena, María José",
        "Alejandro, Diego, Emiliano, José Luis",
        "García, Hernández, Flores, Morales, Treviño",
    ),
    _origin(
        "Türkiye",
        "Turquie",
        "Zeynep, Elif, Ayşe",
        "Mehmet, Emre, Burak",
        "Yılmaz, Demir, Şahin, Çelik, Öztürk",
    ),
)
ORIGINS_FR = (
    _origin(
        "Morocco",
        "Maroc",
        "Fatima Zahra, Salma, Khadija, Imane, Nadia",
        "Youssef, Mehdi, Karim, Hamza, Anas",
        "El Amrani, Benali, Alaoui, Bennani, Tazi, El Idrissi",
        True,
    ),
    _origin(
        "Algeria",
        "Algérie",
        "Amel, Yasmine, Sarah, Lynda",
        "Sofiane, Rachid, Nassim, Amine",
        "Benyahia, Bouzid, Mansouri, Cherif, Belkacem",
        True,
    ),
    _origin(
        "Cameroon",
        "Cameroun",
        "Aïcha, Grâce, Estelle, Mireille",
        "Jean-Paul, Serge, Franck, Arnaud",
        "Ngono, Mbarga, Fotso, Tchoumi, Kamga, Nkoulou",
        True,
    ),
    _origin(
        "Haiti",
        "Haïti",
        "Widline, Nadège, Mirlande, Rose-Marie",
        "Jean-Robert, Wilfrid, Pierre-Richard, Jocelyn",
        "Jean-Baptiste, Pierre, Joseph, Louis, Dorvil, Célestin",
        True,
    ),
    _origin(
        "France",
        "France",
        "Camille, Chloé, Léa, Manon, Zoë",
        "Julien, Mathieu, Théo, Nicolas, Hugo",
        "Martin, Bernard, Dubois, Lefebvre, Moreau, Laurent",
        True,
    ),
    _origin(
        "Senegal",
        "Sénégal",
        "Aminata, Fatou, Awa, Mariama",
        "Moussa, Ousmane, Cheikh, Mamadou",
        "Diop, Ndiaye, Fall, Sow, Diallo, Ba",
        True,
    ),
    _origin(
        "DR Congo",
        "RD Congo",
        "Nathalie, Esther, Grâce",
        "Patrick, Didier, Christian",
        "Mukendi, Kalala, Ilunga, Tshibangu, Mbuyi",
        True,
    ),
    _origin(
        "Tunisia",
        "Tunisie",
        "Sana, Rim, Inès",
        "Mohamed Ali, Skander, Walid",
        "Trabelsi, Ben Salah, Gharbi, Jaziri",
        True,
    ),
    _origin(
        "Lebanon",
        "Liban",
        "Maya, Rita, Joëlle",
        "Elie, Georges, Karim",
        "Nassar, Saadé, Aoun, Khoury",
        True,
    ),
    _origin(
        "Côte d'Ivoire",
        "Côte d'Ivoire",
        "Adjoua, Mariam",
        "Koffi, Yao, Ibrahim",
        "Kouassi, Koné, Traoré, Bamba",
        True,
    ),
)


_ALL_ORIGINS = (CANADA_EN, CANADA_FR, *ORIGINS_EN, *ORIGINS_FR)


@dataclass(frozen=True)
class _Occupation:
    noc: str
    en: str
    fr: str

    def title(self, lang: str) -> str:
        return self.en if lang == "en" else self.fr


_OCCUPATION_ROWS = [
    # NOC 2021 code, English title, French title, weight as a home occupation
    ("00012", "Senior manager, business services", "Cadre supérieur, services aux entreprises", 2),
    ("00013", "Senior manager, health and education", "Cadre supérieur, santé et enseignement", 1),
    ("10010", "Financial manager", "Directeur financier", 3),
    ("10011", "Human resources manager", "Directeur des ressources humaines", 2),
    ("20010", "Engineering manager", "Directeur du génie", 2),
    ("20012", "IT systems manager", "Gestionnaire des systèmes informatiques", 2),
    ("11100", "Accountant", "Comptable", 6),
    ("11101", "Financial analyst", "Analyste financier", 4),
    ("11200", "Human resources professional", "Conseiller en ressources humaines", 3),
    ("11202", "Marketing specialist", "Spécialiste en marketing", 3),
    ("12200", "Bookkeeper", "Technicien en comptabilité", 1),
    ("13110", "Administrative assistant", "Adjoint administratif", 1),
    ("14400", "Shipper and receiver", "Expéditeur et réceptionnaire", 0),
    ("21211", "Data scientist", "Scientifique des données", 3),
    ("21222", "Information systems specialist", "Spécialiste des systèmes d'information", 3),
    ("21223", "Database analyst", "Analyste de bases de données", 2),
    ("21231", "Software engineer", "Ingénieur logiciel", 5),
    ("21232", "Software developer", "Développeur de logiciels", 5),
    ("21234", "Web developer", "Développeur Web", 2),
    ("21300", "Civil engineer", "Ingénieur civil", 4),
    ("21301", "Mechanical engineer", "Ingénieur mécanique", 4),
    ("21310", "Electrical engineer", "Ingénieur électricien", 3),
    ("21320", "Chemical engineer", "Ingénieur chimiste", 2),
    ("22220", "Network technician", "Technicien de réseau", 1),
    ("22221", "User support technician", "Technicien de soutien aux utilisateurs", 1),
    ("22300", "Civil engineering technologist", "Technologue en génie civil", 1),
    ("22301", "Mechanical engineering technologist", "Technologue en génie mécanique", 1),
    ("22310", "Electrical engineering technologist", "Technologue en génie électrique", 1),
    ("31102", "Family physician", "Médecin de famille", 2),
    ("31120", "Pharmacist", "Pharmacien", 2),
    ("31301", "Registered nurse", "Infirmière autorisée", 4),
    ("32101", "Licensed practical nurse", "Infirmière auxiliaire", 1),
    ("32120", "Medical laboratory technologist", "Technologiste de laboratoire médical", 2),
    ("33102", "Patient service associate", "Préposé aux bénéficiaires", 0),
    ("41200", "University professor", "Professeur d'université", 2),
    ("41220", "Secondary school teacher", "Enseignant au secondaire", 3),
    ("41221", "Elementary school teacher", "Enseignant au primaire", 2),
    ("42202", "Early childhood educator", "Éducatrice à la petite enfance", 2),
    ("44101", "Home child care provider", "Responsable de garde en milieu familial", 0),
    ("51111", "Writer", "Auteur", 1),
    ("52120", "Graphic designer", "Graphiste", 2),
    ("62020", "Food service supervisor", "Superviseur des services alimentaires", 1),
    ("63200", "Cook", "Cuisinier", 1),
    ("64100", "Retail salesperson", "Vendeur au détail", 0),
    ("65100", "Cashier", "Caissier", 0),
    ("65201", "Food counter attendant", "Préposé au comptoir alimentaire", 0),
    ("65310", "Light duty cleaner", "Préposé à l'entretien ménager", 0),
    ("72200", "Electrician", "Électricien", 2),
    ("72310", "Carpenter", "Charpentier-menuisier", 1),
    ("73300", "Truck driver", "Camionneur", 1),
    ("75101", "Material handler", "Manutentionnaire", 0),
]
OCCUPATIONS = {noc: _Occupation(noc, en, fr) for noc, en, fr, _ in _OCCUPATION_ROWS}
_HOME_OCCUPATIONS = [OCCUPATIONS[noc] for noc, *_, w in _OCCUPATION_ROWS if w]
_HOME_WEIGHTS = [w for *_, w in _OCCUPATION_ROWS if w]
# Jobs people take to get by, whatever they did before.
SURVIVAL_NOCS = ("65201", "65100", "64100", "75101", "65310", "14400", "33102", "44101")

_ORG_WORDS_EN = _split(
    "Harbour, Maple, Northern, Bluewater, Prairie, Summit, Cedar, Granite, Lakeshore, Aurora, "
    "Atlantic, Pacific, Riverbend, Westgate, Ironwood, Silverline, Tidewater, Evergreen, Keystone, "
    "Pinecrest, Highland, Beacon, Meridian, Northstar, Fundy, Boreal, Clearwater, Redstone"
)
_ORG_WORDS_FR = _split(
    "Boréal, Laurentide, Érablière, Fleuve, Horizon, Belvédère, Sommet, Aurore, Rivière-Noire, "
    "Cap-Blanc, Val-des-Pins, Montagne, Nordik, Estuaire, Érables, Méandre, Carrefour, Bois-Franc"
)
# (name pattern, sector EN, sector FR); {w} is a word above, {city} the community's name.
_ORG_KINDS_EN = [
    ("{w} Engineering Ltd.", "Engineering", "Génie"),
    ("{w} Financial Group", "Finance", "Finance"),
    ("{w} Credit Union", "Finance", "Finance"),
    ("{w} Software Inc.", "Information technology", "Technologies de l'information"),
    ("{w} Health Centre", "Health care", "Santé"),
    ("{w} Construction Ltd.", "Construction", "Construction"),
    ("{w} Logistics", "Transportation and logistics", "Transport et logistique"),
    ("{w} Consulting Inc.", "Professional services", "Services professionnels"),
    ("{w} Energy Corp.", "Energy", "Énergie"),
    ("{w} Manufacturing Co.", "Manufacturing", "Fabrication"),
    ("{w} Insurance", "Finance", "Finance"),
    ("{w} Foods Ltd.", "Food processing", "Transformation alimentaire"),
    ("City of {city}", "Public service", "Fonction publique"),
    ("{city} Regional Health", "Health care", "Santé"),
    ("{city} School Board", "Education", "Éducation"),
    ("{city} Community College", "Education", "Éducation"),
]
_ORG_KINDS_FR = [
    ("Groupe {w} inc.", "Engineering", "Génie"),
    ("Caisse {w}", "Finance", "Finance"),
    ("Technologies {w} inc.", "Information technology", "Technologies de l'information"),
    ("Clinique {w}", "Health care", "Santé"),
    ("Construction {w} ltée", "Construction", "Construction"),
    ("Transport {w}", "Transportation and logistics", "Transport et logistique"),
    ("Services-conseils {w}", "Professional services", "Services professionnels"),
    ("Énergie {w}", "Energy", "Énergie"),
    ("Fabrication {w} inc.", "Manufacturing", "Fabrication"),
    ("Assurances {w}", "Finance", "Finance"),
    ("Ville de {city}", "Public service", "Fonction publique"),
    ("Centre hospitalier de {city}", "Health care", "Santé"),
    ("Centre de services scolaire de {city}", "Education", "Éducation"),
    ("Cégep de {city}", "Education", "Éducation"),
]
_SURVIVAL_EMPLOYERS = {
    "en": _split(
        "Coffee Corner, QuickMart, Maple Grocers, Northern Warehouse Co., "
        "Sunrise Cleaning Services, Big Box Outlet, Harbour Fish & Chips, "
        "Prairie Distribution"
    ),
    "fr": _split(
        "Café du Coin, Épicerie Beauséjour, Entrepôt Boréal, Nettoyage Soleil, "
        "Dépanneur des Érables, Casse-croûte Chez Lulu, Distribution Laurentide"
    ),
}
_CONNECTOR_TITLES = {
    "en": _split(
        "President, Owner, Vice-President Operations, Director of Human Resources, "
        "HR Manager, Senior Engineer, Branch Manager, Partner, Project Manager, "
        "Director of Nursing, Chief Financial Officer, IT Director, "
        "Talent Acquisition Lead, Operations Manager, Account Manager, "
        "Executive Director"
    ),
    "fr": _split(
        "Président-directeur général, Propriétaire, Directeur des opérations, "
        "Directrice des ressources humaines, Ingénieur principal, "
        "Directrice de succursale, Associé, Gestionnaire de projets, "
        "Conseillère en recrutement, Chef d'équipe TI, Directeur général, "
        "Directrice des finances"
    ),
}
_NOTES = {
    "en": (
        "Follow up next month",
        "Prefers evening meetings",
        "Referred by settlement agency",
        "Moved from another city",
        "Check toolkit",
        "Met at networking breakfast",
        "See email",
    ),
    "fr": (
        "Relancer le mois prochain",
        "Préfère les rencontres en soirée",
        "Référé par l'organisme d'accueil",
        "Vient d'une autre ville",
        "Vérifier la trousse",
        "Rencontré au déjeuner réseautage",
        "Voir le courriel",
    ),
}
_AREA_CODES = {
    "NS": ("902", "782"),
    "PE": ("902",),
    "NB": ("506",),
    "NL": ("709",),
    "QC": ("514", "438", "418", "819", "450"),
    "ON": ("416", "647", "613", "519", "905", "705"),
    "MB": ("204", "431"),
    "SK": ("306", "639"),
    "AB": ("403", "780", "587"),
    "BC": ("604", "778", "250"),
    "YT": ("867",),
    "NT": ("867",),
    "NU": ("867",),
}
_PERSONAL_DOMAINS = ("example.com", "example.org", "example.net", "example.ca", "mail.example.ca")


def _ascii(text: str) -> str:
    text = text.replace("đ", "d").replace("Đ", "D").replace("ı", "i").replace("ł", "l")
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _slug(text: str, sep: str = "") -> str:
    """Lower-case ASCII letters and digits only, for email local parts and domains."""
    words = "".join(c if c.isalnum() else " " for c in _ascii(text).lower()).split()
    return sep.join(words)


# ---------------------------------------------------------------------------
# The plan: which community does what
# ---------------------------------------------------------------------------


@dataclass
class _Style:
    """How one coordinator fills in the workbook, the same every quarter."""

    lang: str = "en"
    title_rows: int = 0
    shuffle: bool = False
    notes: bool = False
    blank_rows: bool = False
    numeric_ids: bool = False
    id_format: int = 0
    date_mode: str = "date"  # date, iso, serial, mixed, datetime
    bool_mode: str = "word"  # word, excel, letter, lower, mixed
    numeric_noc: bool = False
    mixed_labels: bool = False
    header_mode: str = "plain"  # plain, star, snake, upper
    blank_no: bool = False
    messy: bool = False
    extra_sheets: bool = False
    submission_last: bool = False
    sheet_case: str = "plain"  # plain, upper, lower
    phone_format: int = 0
    period_style: int = 0
    file_name: int = 0
    layout: str = "flat"  # flat, community, quarter
    column_seed: int = 0


@dataclass
class _Plan:
    seed: int
    scale: float
    registry: dict[str, Community]
    quarters: list[Period]
    weights: dict[str, float]
    styles: dict[str, _Style]
    delta: set[str]
    non_tracking: set[str]
    missing_last: list[str]
    resubmit: str | None
    no_introductions: tuple[str, Period] | None
    csv_export: str | None
    pilot: Community | None
    error_files: dict[tuple[str, Period], list[str]]
    no_submission_header: set[tuple[str, Period]]
    text_id_files: set[tuple[str, Period]]
    upper_employers: tuple[str, Period] | None
    withdrawn_later: str | None
    connector_cases: list[tuple[str, list[str]]]
    connectee_moves: list[tuple[str, str]]

    @property
    def last_quarter(self) -> Period:
        return self.quarters[-1]

    def tracks_jobs(self, code: str) -> bool:
        return code not in self.non_tracking

    def is_french(self, code: str) -> bool:
        return self.styles[code].lang == "fr"


def _is_french(community: Community) -> bool:
    return community.province == "QC" or community.code in FRENCH_CODES


def _pick(rng: random.Random, pool: list[str], fraction: float) -> set[str]:
    k = min(len(pool), max(1, round(len(pool) * fraction))) if pool else 0
    return set(rng.sample(pool, k))


def _make_plan(
    registry: Mapping[str, Community], seed: int, scale: float, last_quarter: Period
) -> _Plan:
    rng = random.Random(f"{seed}:plan")
    codes = list(registry)
    n = len(codes)
    quarters = [last_quarter]
    while len(quarters) < QUARTERS_SENT:
        quarters.insert(0, quarters[0].previous())
    weights = {c: SIZE_WEIGHTS.get(c, DEFAULT_WEIGHT) * rng.uniform(0.9, 1.1) for c in codes}

    styles = {c: _Style(lang="fr" if _is_french(registry[c]) else "en") for c in codes}
    for c in sorted(_pick(rng, codes, 0.3)):
        styles[c].title_rows = rng.randint(1, 3)
    for attr, fraction in [
        ("shuffle", 0.15),
        ("notes", 0.2),
        ("blank_rows", 0.25),
        ("numeric_ids", 0.15),
        ("numeric_noc", 0.25),
        ("mixed_labels", 0.15),
        ("blank_no", 0.45),
        ("messy", 0.1),
        ("extra_sheets", 0.25),
        ("submission_last", 0.1),
    ]:
        for c in sorted(_pick(rng, codes, fraction)):
            setattr(styles[c], attr, True)
    for attr, options in [
        ("date_mode", [("iso", 0.12), ("serial", 0.07), ("mixed", 0.12), ("datetime", 0.05)]),
        ("bool_mode", [("excel", 0.15), ("letter", 0.08), ("lower", 0.08), ("mixed", 0.07)]),
        ("header_mode", [("star", 0.2), ("snake", 0.05), ("upper", 0.05)]),
        ("sheet_case", [("upper", 0.05), ("lower", 0.05)]),
    ]:
        pool = codes[:]
        rng.shuffle(pool)
        for value, fraction in options:
            k = max(1, round(n * fraction)) if n >= len(options) else 0
            for c in pool[:k]:
                setattr(styles[c], attr, value)
            pool = pool[k:]
    for c in codes:
        s = styles[c]
        s.id_format = rng.randrange(3)
        s.phone_format = rng.randrange(4)
        s.period_style = rng.choices(range(5), [55, 15, 10, 10, 10])[0]
        s.file_name = rng.choices(range(5), [70, 8, 10, 6, 6])[0]
        s.layout = rng.choices(["flat", "community", "quarter"], [50, 30, 20])[0]
        s.column_seed = rng.randrange(10**6)

    shuffled = codes[:]
    rng.shuffle(shuffled)
    delta = set(shuffled[: n // 2])
    non_tracking = set(rng.sample(codes, round(n / 3)))

    by_size = sorted(codes, key=lambda c: (weights[c], c))
    small = by_size[: max(2, n // 3)]
    missing_last = sorted(rng.sample(small, min(2, max(0, n - 2), len(small))))
    present = [c for c in codes if c not in missing_last]
    resubmit = rng.choice(present) if present else None
    full_present = [c for c in present if c not in delta and c != resubmit]
    no_introductions = (rng.choice(full_present), quarters[-2]) if full_present else None
    taken = {resubmit, no_introductions[0] if no_introductions else None}
    csv_pool = [c for c in present if c not in taken]
    csv_export = rng.choice(csv_pool) if csv_pool else None
    pilot_code = next((p for p in PILOT_CODES if p not in registry), None)
    pilot = (
        Community(
            pilot_code,
            "Barrie",
            "ON",
            frozenset({"newcomer", "international_graduate"}),
            last_quarter.previous().first_day,
        )
        if pilot_code
        else None
    )
    if pilot:
        styles[pilot.code] = _Style(lang="en", layout="flat", column_seed=rng.randrange(10**6))

    # Deliberate row errors: a handful per file in a few files, every kind at least once.
    normal_files = [
        (c, q)
        for c in codes
        for q in quarters
        if not (q == last_quarter and c in missing_last)
        and (c, q) != no_introductions
        and not (c == resubmit and q == last_quarter)
    ]
    error_files: dict[tuple[str, Period], list[str]] = {}
    if normal_files:
        last_files = [f for f in normal_files if f[1] == last_quarter]
        french_files = [f for f in last_files if styles[f[0]].lang == "fr"]
        chosen = rng.sample(french_files, min(1, len(french_files)))
        others = [f for f in last_files if f not in chosen]
        chosen += rng.sample(others, min(4 - len(chosen), len(others)))
        earlier = [
            f for f in normal_files if f[1] != last_quarter and f[0] not in {c for c, _ in chosen}
        ]
        chosen += rng.sample(earlier, min(3, len(earlier)))
        chosen.sort(key=lambda f: (f[1], f[0]))
        for f in chosen:
            error_files[f] = []
        for i, kind in enumerate(ERROR_KINDS):
            fits = [f for f in chosen if _kind_fits(kind, f[0], registry, non_tracking)]
            if fits:
                error_files[fits[i % len(fits)]].append(kind)
        for f in chosen:
            fits = [k for k in ERROR_KINDS if _kind_fits(k, f[0], registry, non_tracking)]
            target = rng.randint(3, 6)
            while len(error_files[f]) < target:
                error_files[f].append(rng.choice(fits))

    header_pool = [f for f in normal_files if f not in error_files]
    no_submission_header = set(rng.sample(header_pool, min(2, len(header_pool))))
    text_id_files = {(c, quarters[1]) for c in codes if styles[c].numeric_ids and len(quarters) > 1}
    upper_pool = [c for c in present if c not in delta and c not in non_tracking and c != resubmit]
    upper_employers = (rng.choice(upper_pool), last_quarter) if upper_pool else None
    delta_present = [c for c in present if c in delta]
    withdrawn_later = rng.choice(delta_present) if delta_present else None

    # The same people in several communities (identity rules of counting-rules.md).
    connector_cases: list[tuple[str, list[str]]] = []
    connectee_moves: list[tuple[str, str]] = []
    if len(present) >= 3:
        for case, k in [
            ("same_email_3", 3),
            ("same_email_2", 2),
            ("name_phone", 2),
            ("name_org", 2),
            ("same_name_other_person", 2),
        ]:
            connector_cases.append((case, rng.sample(present, k)))
        french_present = [c for c in present if styles[c].lang == "fr"]
        if len(french_present) >= 2:  # a Québécois name, matched across two French files
            connector_cases[3] = ("name_org", rng.sample(french_present, 2))
        for case in ("shared_mailbox", "email_typo", "registered_twice"):
            connector_cases.append((case, [rng.choice(present)]))
        for _ in range(2):
            a, b = rng.sample(present, 2)
            connectee_moves.append((a, b))

    return _Plan(
        seed,
        scale,
        dict(registry),
        quarters,
        weights,
        styles,
        delta,
        non_tracking,
        missing_last,
        resubmit,
        no_introductions,
        csv_export,
        pilot,
        error_files,
        no_submission_header,
        text_id_files,
        upper_employers,
        withdrawn_later,
        connector_cases,
        connectee_moves,
    )


def _kind_fits(kind: str, code: str, registry: Mapping[str, Community], non_tracking) -> bool:
    if kind == "job_unknown_connectee":
        return code not in non_tracking
    if kind == "ineligible_category":
        return bool(set(C.ENUMERATIONS["category"].codes) - registry[code].eligible_categories)
    return True


# ---------------------------------------------------------------------------
# Rosters: each community's people and events over the years
# ---------------------------------------------------------------------------


@dataclass(slots=True, eq=False)
class _Org:
    name: str
    sector_en: str
    sector_fr: str
    domain: str


@dataclass(slots=True, eq=False)
class _Connectee:
    id: str
    first: str
    last: str
    female: bool
    email: str | None
    phone: str | None
    category: str
    country: str | None
    official_language: str
    occupation: _Occupation | None
    applied: dt.date
    accepted: bool
    intake: dt.date | None
    withdrawn_on: dt.date | None = None
    first_intro: dt.date | None = None
    special: bool = False

    def state(self, day: dt.date, lang: str) -> dict | None:
        if self.applied > day:
            return None
        met = self.intake is not None and self.intake <= day
        return {
            "connectee_id": self.id,
            "first_name": self.first,
            "last_name": self.last,
            "email": self.email,
            "phone": self.phone,
            "category": self.category,
            "country_of_origin": self.country,
            "official_language": self.official_language,
            "home_occupation_noc": self.occupation.noc if self.occupation else None,
            "home_occupation_title": self.occupation.title(lang) if self.occupation else None,
            "application_date": self.applied,
            "accepted": self.accepted and met,  # not yet decided before the intake meeting
            "intake_meeting_date": self.intake if met else None,
            "withdrawn": self.withdrawn_on is not None and self.withdrawn_on <= day,
            "_f": self.female,
        }


@dataclass(slots=True, eq=False)
class _Connector:
    id: str
    first: str
    last: str
    female: bool
    email: str | None
    phone: str | None
    org: _Org | None
    org_name: str | None
    job_title: str | None
    recruited_via: str | None
    joined: dt.date
    oriented: bool
    toolkit_on: dt.date | None
    withdrawn_on: dt.date | None
    activity: float
    special: bool = False

    def state(self, day: dt.date, lang: str) -> dict | None:
        if self.joined > day:
            return None
        sector = None
        if self.org is not None:
            sector = self.org.sector_en if lang == "en" else self.org.sector_fr
        return {
            "connector_id": self.id,
            "first_name": self.first,
            "last_name": self.last,
            "email": self.email,
            "phone": self.phone,
            "organization": self.org_name,
            "job_title": self.job_title,
            "sector": sector,
            "recruited_via": self.recruited_via,
            "orientation_meeting_date": self.joined if self.oriented else None,
            "toolkit_received": self.toolkit_on is not None and self.toolkit_on <= day,
            "withdrawn": self.withdrawn_on is not None and self.withdrawn_on <= day,
            "_f": self.female,
        }


@dataclass(slots=True, eq=False)
class _Introduction:
    connectee: _Connectee
    connector: _Connector
    date: dt.date
    introduced_by: str | None
    outcome: str | None

    def state(self, day: dt.date, lang: str) -> dict | None:
        if self.date > day:
            return None
        return {
            "connectee_id": self.connectee.id,
            "connector_id": self.connector.id,
            "introduction_date": self.date,
            "introduced_by": self.introduced_by,
            # The outcome is known a few weeks after the introduction.
            "outcome": self.outcome if self.date + 30 * _DAY <= day else None,
            # Coordonnateur/Coordonnatrice, Connecteur/Connectrice: who introduced them.
            "_f": self.connector.female if self.introduced_by == "connector" else None,
        }


@dataclass(slots=True, eq=False)
class _Job:
    connectee: _Connectee
    employer: str
    title: str
    noc: str | None
    start: dt.date
    reported: dt.date
    employment_type: str | None
    in_field: bool
    matches_experience: bool
    withdrawn_on: dt.date | None
    reason: str  # what counting-rules.md should conclude (informative)

    def state(self, day: dt.date, lang: str) -> dict | None:
        if self.reported > day:
            return None
        return {
            "connectee_id": self.connectee.id,
            "employer": self.employer,
            "job_title": self.title,
            "job_noc": self.noc,
            "start_date": self.start,
            "employment_type": self.employment_type,
            "in_field": self.in_field,
            "matches_experience": self.matches_experience,
            "withdrawn": self.withdrawn_on is not None and self.withdrawn_on <= day,
        }


@dataclass(eq=False)
class _Roster:
    community: Community
    style: _Style
    tracks_jobs: bool
    start: dt.date
    end: dt.date
    orgs: list[_Org]
    connectees: list[_Connectee]
    connectors: list[_Connector]
    introductions: list[_Introduction]
    jobs: list[_Job]
    connectee_id: Callable[[int], str]
    connector_id: Callable[[int], str]
    rng: random.Random
    notes: dict[str, str] = field(default_factory=dict)

    @property
    def lang(self) -> str:
        return self.style.lang


def _id_makers(community: Community, style: _Style) -> tuple[Callable, Callable]:
    if style.numeric_ids:
        return (lambda n: str(1000 + n)), (lambda n: str(50000 + n))
    abbr = community.code.split("-", 1)[1]
    if style.lang == "fr":
        formats = [
            ("CT-{:04d}", "CR-{:03d}"),
            (abbr + "-{:04d}", abbr + "-C{:03d}"),
            ("C{:05d}", "K{:04d}"),
        ]
    else:
        formats = [
            (abbr + "-{:04d}", abbr + "-C{:03d}"),
            ("CE{:05d}", "CN{:04d}"),
            ("P-{:04d}", "M-{:03d}"),
        ]
    ce, cn = formats[style.id_format % len(formats)]
    return ce.format, cn.format


def _growth_date(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    """A date in [start, end], more likely late: the program grows (density 1 + t)."""
    t = -1 + (1 + 3 * rng.random()) ** 0.5
    return start + round(t * (end - start).days) * _DAY


def _phone(rng: random.Random, province: str, fmt: int) -> str:
    area = rng.choice(_AREA_CODES.get(province, ("613",)))
    line = f"{rng.randint(100, 9999):04d}"
    return [
        f"{area}-555-{line}",
        f"({area}) 555-{line}",
        f"{area}.555.{line}",
        f"+1 {area} 555 {line}",
    ][fmt]


def _reformat_phone(phone: str, fmt: int) -> str:
    digits = "".join(ch for ch in phone if ch.isdigit())[-10:]
    area, line = digits[:3], digits[6:]
    return [
        f"{area}-555-{line}",
        f"({area}) 555-{line}",
        f"{area}.555.{line}",
        f"+1 {area} 555 {line}",
    ][fmt]


def _name(rng: random.Random, origin: _Origin) -> tuple[str, str, bool]:
    female = rng.random() < 0.5
    return rng.choice(origin.women if female else origin.men), rng.choice(origin.surnames), female


def _personal_email(rng: random.Random, first: str, last: str) -> str:
    local = rng.choice(
        [
            f"{_slug(first)}.{_slug(last)}",
            f"{_slug(first)[:1]}{_slug(last)}",
            f"{_slug(first)}{_slug(last)}{rng.randint(1, 99)}",
        ]
    )
    return f"{local}@{rng.choice(_PERSONAL_DOMAINS)}"


def _organizations(rng: random.Random, community: Community, lang: str, count: int) -> list[_Org]:
    words = _ORG_WORDS_EN if lang == "en" else _ORG_WORDS_FR
    kinds = _ORG_KINDS_EN if lang == "en" else _ORG_KINDS_FR
    orgs, seen = [], set()
    city = community.name
    for _ in range(count * 4):
        pattern, sector_en, sector_fr = rng.choice(kinds)
        name = pattern.format(w=rng.choice(words), city=city)
        if name in seen:
            continue
        seen.add(name)
        base = name
        for suffix in (" Ltd.", " Inc.", " inc.", " ltée"):
            base = base.replace(suffix, "")
        orgs.append(_Org(name, sector_en, sector_fr, f"{_slug(base, '-')}.example.ca"))
        if len(orgs) >= count:
            break
    return orgs


def _connectee_origin(rng: random.Random, lang: str) -> _Origin:
    if lang == "fr":
        return rng.choice(ORIGINS_FR) if rng.random() < 0.8 else rng.choice(ORIGINS_EN)
    return rng.choice(ORIGINS_EN) if rng.random() < 0.85 else rng.choice(ORIGINS_FR)


def _new_connectee(
    rng: random.Random, community: Community, style: _Style, applied: dt.date, end: dt.date
) -> _Connectee:
    lang = style.lang
    weights = {
        "newcomer": 60,
        "international_graduate": 15,
        "international_student": 10,
        "local_graduate": 10,
        "local": 3,
        "other": 2,
    }
    eligible = [c for c in weights if c in community.eligible_categories] or ["newcomer"]
    category = rng.choices(eligible, [weights[c] for c in eligible])[0]
    local_pool = CANADA_FR if lang == "fr" else CANADA_EN
    if category in ("local", "local_graduate"):
        origin = local_pool if rng.random() < 0.6 else _connectee_origin(rng, lang)
        country = "Canada"
    else:
        origin = _connectee_origin(rng, lang)
        country = origin.country_en if lang == "en" else origin.country_fr
        if rng.random() < 0.05:
            country = None
    first, last, female = _name(rng, origin)
    if lang == "fr" or origin.francophone:
        language = rng.choices(["french", "both", "english"], [65, 28, 7])[0]
    else:
        language = rng.choices(["english", "both", "french"], [85, 12, 3])[0]
    has_occupation = rng.random() < (0.5 if category in ("local", "local_graduate") else 0.88)
    occupation = rng.choices(_HOME_OCCUPATIONS, _HOME_WEIGHTS)[0] if has_occupation else None
    r = rng.random()
    accepted = r < 0.86
    intake = None
    if accepted or r > 0.95:  # some met at intake and were not accepted
        intake = applied + rng.randint(5, 50) * _DAY
    withdrawn_on = None
    if accepted and rng.random() < 0.04:
        candidate = intake + rng.randint(20, 500) * _DAY
        withdrawn_on = candidate if candidate <= end else None
    email = _personal_email(rng, first, last) if rng.random() < 0.9 else None
    phone = _phone(rng, community.province, style.phone_format) if rng.random() < 0.8 else None
    return _Connectee(
        "",
        first,
        last,
        female,
        email,
        phone,
        category,
        country,
        language,
        occupation,
        applied,
        accepted,
        intake,
        withdrawn_on,
    )


def _connector_name(rng: random.Random, lang: str) -> tuple[str, str, bool]:
    """An established local: Canadian-born mostly, first and last names of any origin."""
    local = CANADA_FR if lang == "fr" else CANADA_EN
    first, last, female = _name(rng, local)
    r = rng.random()
    if r < 0.45:
        last = rng.choice(_ALL_ORIGINS[rng.randrange(len(_ALL_ORIGINS))].surnames)
    elif r < 0.6:
        first, last, female = _name(rng, _ALL_ORIGINS[rng.randrange(len(_ALL_ORIGINS))])
    return first, last, female


def _new_connector(
    rng: random.Random,
    community: Community,
    style: _Style,
    orgs: list[_Org],
    joined: dt.date,
    end: dt.date,
) -> _Connector:
    lang = style.lang
    first, last, female = _connector_name(rng, lang)
    org = rng.choice(orgs) if orgs and rng.random() < 0.95 else None
    r = rng.random()
    if org and r < 0.85:
        email = f"{_slug(first)}.{_slug(last)}@{org.domain}"
    elif r < 0.95:
        email = _personal_email(rng, first, last)
    else:
        email = None
    phone = _phone(rng, community.province, style.phone_format) if rng.random() < 0.75 else None
    channel = rng.choices(
        [
            None,
            "word_of_mouth",
            "linkedin",
            "personal_contact",
            "professional_contact",
            "referral",
            "other",
        ],
        [15, 20, 10, 20, 20, 12, 3],
    )[0]
    toolkit_on = None
    if rng.random() < 0.9:
        toolkit_on = joined + (rng.randint(10, 120) if rng.random() < 0.15 else 0) * _DAY
    withdrawn_on = None
    if rng.random() < 0.07:
        candidate = joined + rng.randint(365, 1500) * _DAY
        withdrawn_on = candidate if candidate <= end else None
    activity = rng.choices([0.15, 0.4, 1.0], [40, 40, 20])[0]
    return _Connector(
        "",
        first,
        last,
        female,
        email,
        phone,
        org,
        org.name if org else None,
        rng.choice(_CONNECTOR_TITLES[lang]) if rng.random() < 0.9 else None,
        channel,
        joined,
        rng.random() < 0.9,
        toolkit_on,
        withdrawn_on,
        activity,
    )


def _history_start(community: Community, last_quarter: Period) -> dt.date:
    first = last_quarter.first_day
    earliest = first.replace(year=first.year - HISTORY_YEARS)
    start = max(community.joined_on, earliest, PROGRAM_START)
    return min(start, last_quarter.last_day - 60 * _DAY)


def _make_roster(community: Community, plan: _Plan) -> _Roster:
    code = community.code
    rng = random.Random(f"{plan.seed}:{code}:roster")
    style = plan.styles[code]
    start, end = _history_start(community, plan.last_quarter), plan.last_quarter.last_day
    weight = plan.weights.get(code, 0.6)
    n_connectees = max(12, round(_CONNECTEES_PER_WEIGHT * weight * plan.scale))
    n_connectors = max(6, round(n_connectees * CONNECTORS_PER_CONNECTEE * rng.uniform(0.85, 1.15)))
    orgs = _organizations(rng, community, style.lang, max(4, n_connectors // 3))

    connectors = []
    for i in range(n_connectors):
        if i < max(2, n_connectors // 7):  # the founding cohort
            joined = start + rng.randint(0, 120) * _DAY
        else:
            joined = start + rng.randint(0, (end - start).days) * _DAY
        connectors.append(_new_connector(rng, community, style, orgs, min(joined, end), end))
    connectors.sort(key=lambda c: c.joined)

    connectees = [
        _new_connectee(rng, community, style, _growth_date(rng, start, end), end)
        for _ in range(n_connectees)
    ]
    connectees.sort(key=lambda p: p.applied)
    connectee_id, connector_id = _id_makers(community, style)
    for n, p in enumerate(connectees, 1):
        p.id = connectee_id(n)
    for n, c in enumerate(connectors, 1):
        c.id = connector_id(n)

    roster = _Roster(
        community,
        style,
        plan.tracks_jobs(code),
        start,
        end,
        orgs,
        connectees,
        connectors,
        [],
        [],
        connectee_id,
        connector_id,
        rng,
    )
    _make_introductions(roster)
    if roster.tracks_jobs:
        _make_jobs(roster)
    return roster


def _pick_connector(
    rng: random.Random, connectors: list[_Connector], joined: list[dt.date], day: dt.date
) -> _Connector | None:
    available = bisect.bisect_right(joined, day)
    for _ in range(12):
        if not available:
            return None
        c = connectors[rng.randrange(available)]
        if (c.withdrawn_on is None or c.withdrawn_on > day) and rng.random() < c.activity:
            return c
    return None


def _make_introductions(roster: _Roster) -> None:
    rng, end = roster.rng, roster.end
    joined = [c.joined for c in roster.connectors]
    seen = set()
    for p in roster.connectees:
        if not p.accepted or rng.random() < 0.06:  # some accepted people are never introduced
            continue
        k = rng.choices(range(1, 9), [12, 15, 17, 16, 14, 11, 8, 7])[0]
        day = p.intake + rng.randint(3, 40) * _DAY
        for _ in range(k):
            if day > end or (p.withdrawn_on and day >= p.withdrawn_on):
                break
            c = _pick_connector(rng, roster.connectors, joined, day)
            if c is not None and (p.id, c.id, day) not in seen:
                seen.add((p.id, c.id, day))
                by = rng.choices(["coordinator", "connector", None], [78, 16, 6])[0]
                outcome = rng.choices(
                    [None, "information", "job_shadow", "interview", "job_offer", "other"],
                    [14, 50, 9, 16, 6, 5],
                )[0]
                roster.introductions.append(_Introduction(p, c, day, by, outcome))
                p.first_intro = p.first_intro or day
            day += rng.randint(7, 70) * _DAY
    roster.introductions.sort(key=lambda i: i.date)


def _qualifying_noc(rng: random.Random, home: _Occupation) -> str:
    same = [n for n in OCCUPATIONS if n[0] == home.noc[0] and n[1] <= home.noc[1]]
    return home.noc if rng.random() < 0.6 or not same else rng.choice(same)


def _make_jobs(roster: _Roster) -> None:
    rng, end, lang = roster.rng, roster.end, roster.lang
    # Connectors' organizations hire, and so do others in town.
    employers = [o.name for o in roster.orgs]
    employers += [o.name for o in _organizations(rng, roster.community, lang, 2 * len(employers))]
    survival = _SURVIVAL_EMPLOYERS[lang]
    kinds = [
        "qualifies",
        "withdrawn",
        "before_program",
        "not_in_field",
        "below_experience",
        "noc_other_field",
        "noc_lower_teer",
    ]
    weights = [56, 3, 5, 13, 9, 6, 8]
    seen = set()  # a job is identified by (connectee, employer, start date)
    for p in roster.connectees:
        if p.first_intro is not None:
            count = (rng.random() < 0.78) + (rng.random() < 0.18)
        else:  # jobs of people who are not onboarded: connectee_not_onboarded
            count = int(p.intake is not None and rng.random() < 0.07)
        for _ in range(count):
            kind = rng.choices(kinds, weights)[0]
            home = p.occupation
            if kind in ("noc_other_field", "noc_lower_teer") and home is None:
                kind = "qualifies"
            lower = [n for n in OCCUPATIONS if home and n[0] == home.noc[0] and n[1] > home.noc[1]]
            if kind == "noc_lower_teer" and not lower:
                kind = "below_experience"
            in_field = matches = True
            base = p.first_intro or p.intake
            start = base + rng.randint(20, 420) * _DAY
            if kind in ("qualifies", "withdrawn", "before_program"):
                noc = _qualifying_noc(rng, home) if home else rng.choice(list(OCCUPATIONS))
                if kind == "before_program":  # a job held before the intake meeting
                    start = max(p.intake - rng.randint(30, 400) * _DAY, roster.start)
            elif kind == "not_in_field":
                noc = rng.choice(SURVIVAL_NOCS)
                in_field = matches = False
            elif kind == "below_experience":
                noc = (
                    rng.choice(lower)
                    if lower
                    else (home.noc if home else rng.choice(SURVIVAL_NOCS))
                )
                matches = False
            elif kind == "noc_other_field":  # marked in field, but a survival job
                noc = rng.choice([n for n in SURVIVAL_NOCS if n[0] != home.noc[0]])
            else:  # noc_lower_teer
                noc = rng.choice(lower)
            reported = max(start, p.intake) + rng.randint(0, 50) * _DAY
            if reported > end:
                continue
            if kind in ("qualifies", "not_in_field", "below_experience") and rng.random() < 0.1:
                noc = None
            withdrawn_on = None
            if kind == "withdrawn":
                withdrawn_on = reported + rng.randint(20, 200) * _DAY
            survival_job = noc in SURVIVAL_NOCS or not in_field
            employer = rng.choice(survival if survival_job else employers)
            if (p.id, fold(employer), start) in seen:
                continue
            seen.add((p.id, fold(employer), start))
            occupation = OCCUPATIONS[noc] if noc else (home or OCCUPATIONS["65201"])
            reason = kind if p.first_intro else "connectee_not_onboarded"
            roster.jobs.append(
                _Job(
                    p,
                    employer,
                    occupation.title(lang),
                    noc,
                    start,
                    reported,
                    rng.choices(
                        [None, "full_time", "part_time", "contract", "seasonal"], [4, 58, 16, 18, 4]
                    )[0],
                    in_field,
                    matches,
                    withdrawn_on,
                    reason,
                )
            )
    roster.jobs.sort(key=lambda j: (j.start, j.connectee.id))


# ---------------------------------------------------------------------------
# National links: the same people in several communities, and nobody else
# ---------------------------------------------------------------------------

_NICKNAMES = {
    "Robert": "Bob",
    "William": "Bill",
    "Katherine": "Kate",
    "Alexandre": "Alex",
    "Margaret": "Peggy",
    "Elizabeth": "Liz",
}


def _introduced(roster: _Roster) -> list[_Connector]:
    """Connectors with an introduction, a toolkit and no withdrawal: people who count."""
    used = {id(i.connector) for i in roster.introductions}
    return [
        c
        for c in roster.connectors
        if id(c) in used and c.toolkit_on and not c.withdrawn_on and not c.special
    ]


def _take_connector(roster: _Roster, rng: random.Random) -> _Connector | None:
    pool = _introduced(roster) or [c for c in roster.connectors if not c.special]
    if not pool:
        return None
    c = rng.choice(pool)
    c.special = True
    return c


def _set_person(
    c: _Connector,
    first: str,
    last: str,
    female: bool,
    email: str | None,
    phone: str | None,
    org_name: str | None,
) -> None:
    c.first, c.last, c.female = first, last, female
    c.email, c.phone, c.org_name = email, phone, org_name


def _link_people(rosters: dict[str, _Roster], plan: _Plan) -> None:
    rng = random.Random(f"{plan.seed}:people")
    for case, codes in plan.connector_cases:
        targets = [(rosters[code], _take_connector(rosters[code], rng)) for code in codes]
        targets = [(r, c) for r, c in targets if c is not None]
        if not targets:
            continue
        notes = [f"{r.community.code} {c.id}" for r, c in targets]
        if case == "same_email_3":
            email = "robert.macdonald@fundytrust.example.ca"
            for i, (r, c) in enumerate(targets):
                first = "Bob" if i == 1 else "Robert"
                _set_person(
                    c,
                    first,
                    "MacDonald",
                    False,
                    email if i != 2 else email.upper(),
                    _phone(rng, r.community.province, r.style.phone_format),
                    "Fundy Trust Company",
                )
        elif case == "same_email_2":
            for r, c in targets:
                _set_person(
                    c,
                    "Amina",
                    "Diallo",
                    True,
                    "amina.diallo@meridian-conseil.example.org",
                    None,
                    "Meridian Conseil" if r.lang == "fr" else "Meridian Consulting",
                )
        elif case == "name_phone":
            phone = _phone(rng, targets[0][0].community.province, 0)
            for i, (r, c) in enumerate(targets):
                _set_person(
                    c,
                    "Priya",
                    "Raman",
                    True,
                    "priya.raman@example.com" if i == 0 else None,
                    _reformat_phone(phone, r.style.phone_format),
                    c.org_name,
                )
        elif case == "name_org":
            for i, (_r, c) in enumerate(targets):
                _set_person(
                    c,
                    "Jean-François" if i == 0 else "Jean-Francois",
                    "Côté" if i == 0 else "Cote",
                    False,
                    "jf.cote@groupe-laurentide.example.ca" if i == 0 else "jfcote@example.com",
                    None,
                    "Groupe Laurentide inc." if i == 0 else "groupe laurentide",
                )
        elif case == "same_name_other_person":  # not the same person: the review list
            for r, c in targets:
                _set_person(
                    c,
                    "Michael",
                    "Smith",
                    False,
                    f"michael.smith{rng.randint(10, 99)}@example.net",
                    _phone(rng, r.community.province, r.style.phone_format),
                    c.org_name,
                )
        elif case == "shared_mailbox":
            r, c = targets[0]
            other = _take_connector(r, rng)
            if other is None:
                continue
            for person, (first, last, female) in zip(
                (c, other), [("Linda", "Park", True), ("Tom", "Okafor", False)]
            ):
                _set_person(
                    person,
                    first,
                    last,
                    female,
                    "info@cedarhill-consulting.example.ca",
                    None,
                    "Cedar Hill Consulting",
                )
            notes.append(f"{r.community.code} {other.id}")
        elif case == "email_typo":
            r, c = targets[0]
            other = _take_connector(r, rng)
            if other is None:
                continue
            email = "sarah.thompson@harbour-health.example.ca"
            _set_person(c, "Sarah", "Thompson", True, email, None, "Harbour Health")
            _set_person(other, "Sarah", "Thomson", True, email, None, "Harbour Health Centre")
            notes.append(f"{r.community.code} {other.id}")
        elif case == "registered_twice":
            r, c = targets[0]
            phone = _phone(rng, r.community.province, r.style.phone_format)
            _set_person(
                c,
                "Kwame",
                "Mensah",
                False,
                "kwame.mensah@keystone-energy.example.ca",
                phone,
                "Keystone Energy",
            )
            twin = _register_again(r, c, phone)
            notes.append(f"{r.community.code} {twin.id}")
        rosters[codes[0]].notes[case] = ", ".join(notes)

    movers = [
        ("Oluwaseun", "Adeyemi", "oluwaseun.adeyemi@example.com", False),
        ("Lan", "Nguyễn", "lan.nguyen@example.org", True),
    ]
    for (a, b), person in zip(plan.connectee_moves, movers):
        _move_connectee(rosters[a], rosters[b], rng, *person)
    if plan.withdrawn_later:
        _withdraw_later(rosters[plan.withdrawn_later], plan)
    _make_unique(rosters, rng)


def _register_again(roster: _Roster, c: _Connector, phone: str) -> _Connector:
    """The same person entered a second time under a new ID, later, with some introductions."""
    intros = [i for i in roster.introductions if i.connector is c]
    split = intros[len(intros) // 2].date if intros else c.joined
    twin = _Connector(
        roster.connector_id(len(roster.connectors) + 1),
        c.first,
        c.last,
        c.female,
        None,
        _reformat_phone(phone, (roster.style.phone_format + 1) % 4),
        None,
        None,
        c.job_title,
        "referral",
        split,
        True,
        split,
        None,
        c.activity,
        True,
    )
    for i in intros:
        if i.date >= split and i is not intros[0]:
            i.connector = twin
    roster.connectors.append(twin)
    return twin


def _move_connectee(
    a: _Roster, b: _Roster, rng: random.Random, first: str, last: str, email: str, recase: bool
) -> None:
    """The same person (same email) onboarded in community a, then again in b after moving."""

    def onboarded(roster: _Roster) -> list[_Connectee]:
        return [
            p for p in roster.connectees if p.first_intro and not p.withdrawn_on and not p.special
        ]

    onboarded_a, onboarded_b = onboarded(a), onboarded(b)
    if not onboarded_a or not onboarded_b:
        return
    p = rng.choice(onboarded_a[: max(1, len(onboarded_a) // 2)])
    later = [q for q in onboarded_b if q.applied > p.applied + 90 * _DAY]
    if not later:
        return
    q = rng.choice(later[len(later) // 2 :])
    for person, address in ((p, email), (q, email.title() if recase else email)):
        person.first, person.last, person.email, person.special = first, last, address, True
    a.notes[f"moved {first}"] = f"{a.community.code} {p.id}, {b.community.code} {q.id}"


def _withdraw_later(roster: _Roster, plan: _Plan) -> None:
    """An onboarded Connectee whose withdrawal arrives only with the last quarter's file."""
    first_quarter = plan.quarters[0].first_day
    pool = [
        p
        for p in roster.connectees
        if p.first_intro and p.first_intro < first_quarter and not p.withdrawn_on
    ]
    if not pool:
        return
    p = roster.rng.choice(pool)
    last = plan.last_quarter
    days = (last.last_day - last.first_day).days
    p.withdrawn_on = last.first_day + roster.rng.randint(0, days) * _DAY
    roster.introductions = [
        i for i in roster.introductions if not (i.connectee is p and i.date >= p.withdrawn_on)
    ]
    roster.notes["withdrawn_later"] = f"{roster.community.code} {p.id}"


def _make_unique(rosters: dict[str, _Roster], rng: random.Random) -> None:
    """No accidental links: emails and Connector names are unique unless made alike on purpose."""
    emails: set[str] = set()
    names: set[str] = set()
    for r in rosters.values():
        for c in r.connectors:
            if c.special:
                names.add(fold(f"{c.first} {c.last}"))
                if c.email:
                    emails.add(c.email.lower())
        for p in r.connectees:
            if p.special and p.email:
                emails.add(p.email.lower())
    for r in rosters.values():
        for c in r.connectors:
            if c.special:
                continue
            # Big samples exhaust the names (about 10,000): namesakes then remain.
            tries, limit = 0, 50 if len(names) < 6000 else 2
            while fold(f"{c.first} {c.last}") in names and tries < limit:
                tries += 1
                c.first, c.last, c.female = _connector_name(rng, r.lang)
                if c.email and c.org and c.email.endswith(c.org.domain):
                    c.email = f"{_slug(c.first)}.{_slug(c.last)}@{c.org.domain}"
                elif c.email:
                    c.email = _personal_email(rng, c.first, c.last)
            names.add(fold(f"{c.first} {c.last}"))
            c.email = _unique_email(c.email, emails)
        for p in r.connectees:
            if not p.special:
                p.email = _unique_email(p.email, emails)


def _unique_email(email: str | None, emails: set[str]) -> str | None:
    if email is None:
        return None
    local, domain = email.split("@")
    n = 2
    while email.lower() in emails:
        email = f"{local}{n}@{domain}"
        n += 1
    emails.add(email.lower())
    return email


# ---------------------------------------------------------------------------
# Rendering: cells as each coordinator types them
# ---------------------------------------------------------------------------


def _same(value, female=False):
    return value


def _iso(value, female=False):
    return None if value is None else value.isoformat()


def _serial(value, female=False):
    return None if value is None else (value - _EXCEL_EPOCH).days


def _noc_number(value, female=False):
    return None if value is None else int(value)


def _id_number(value, female=False):
    return int(value) if value is not None and value.isdigit() else value


class _Renderer:
    def __init__(
        self, style: _Style, rng: random.Random, numeric_ids: bool, coordinator_female: bool = False
    ):
        self.style, self.rng, self.lang = style, rng, style.lang
        self.numeric_ids = numeric_ids
        self.coordinator_female = coordinator_female

    def column(self, col: C.Column) -> Callable:
        s = self.style
        if col.type == C.ID:
            return _id_number if self.numeric_ids else _same
        if col.type == C.DATE:
            return {
                "date": _same,
                "iso": _iso,
                "serial": _serial,
                "mixed": self._mixed_date,
                "datetime": self._datetime,
            }[s.date_mode]
        if col.type == C.YES_NO:
            return self._withdrawn if col.key == "withdrawn" else self.yes_no
        if col.type == C.NOC:
            return _noc_number if s.numeric_noc else _same
        if col.type == C.ENUM:
            enumeration = C.ENUMERATIONS[col.enumeration]
            return lambda value, female=False: self._label(enumeration, value, female)
        if col.type == C.NAME and s.messy:
            return self._messy_name
        if col.type == C.EMAIL and s.messy:
            return self._messy_email
        return _same

    def yes_no(self, value, female=False):
        if value is None:
            return None
        mode = self.style.bool_mode
        if mode == "excel" or (mode == "mixed" and self.rng.random() < 0.2):
            return value
        words = {
            "en": {"word": ("Yes", "No"), "letter": ("Y", "N"), "lower": ("yes", "no")},
            "fr": {"word": ("Oui", "Non"), "letter": ("O", "N"), "lower": ("oui", "non")},
        }
        yes, no = words[self.lang].get(mode, words[self.lang]["word"])
        return yes if value else no

    def _withdrawn(self, value, female=False):
        return None if value is False and self.style.blank_no else self.yes_no(value)

    def _mixed_date(self, value, female=False):
        r = self.rng.random()
        return value if r < 0.8 else _iso(value) if r < 0.92 else _serial(value)

    def _datetime(self, value, female=False):
        if value is None:
            return None
        at = dt.time(self.rng.randint(8, 17), self.rng.choice([0, 30]))
        return dt.datetime.combine(value, at)

    def _label(self, enumeration: C.Enumeration, code, female):
        if code is None:
            return None
        english, french = enumeration.labels[code]
        if female is None:
            female = self.coordinator_female
        lang = self.lang
        if self.style.mixed_labels:
            r = self.rng.random()
            if r < 0.1:
                return code
            if r < 0.3:
                lang = "fr" if lang == "en" else "en"
        if lang == "en":
            return english
        return french[1] if female and len(french) > 1 else french[0]

    def _messy_name(self, value, female=False):
        if value is None or self.rng.random() > 0.15:
            return value
        return self.rng.choice([f" {value}", f"{value} ", value.replace(" ", "  ") + " "])

    def _messy_email(self, value, female=False):
        if value is None or self.rng.random() > 0.1:
            return value
        return value.title() if self.rng.random() < 0.5 else f" {value}"


def _header(col: C.Column, style: _Style) -> str:
    text = col.header(style.lang)
    if style.header_mode == "star" and col.required:
        return f"{text} *"
    if style.header_mode == "snake":
        return fold(text)
    if style.header_mode == "upper":
        return text.upper()
    return text


def _sheet_title(name: str, style: _Style) -> str:
    return {"upper": name.upper(), "lower": name.lower()}.get(style.sheet_case, name)


def _period_text(period: Period, style: int) -> str:
    fy, q = period.fiscal_year, period.quarter
    return [
        period.label,
        f"{fy} Q{q}",
        f"Q{q} {fy}",
        f"FY{fy} Q{q}",
        f"{period.start_year}-{period.start_year + 1} Q{q}",
    ][style]


# ---------------------------------------------------------------------------
# Files: a roster's state at the end of a quarter, as one coordinator sends it
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class InjectedError:
    """A deliberate problem: where it is (sheet key, Excel row, column key) and its kind."""

    sheet: str
    row: int
    column: str | None
    kind: str


@dataclass
class SampleFile:
    """One file of the sample and what it deliberately holds."""

    path: Path
    community_code: str
    period: Period | None
    lang: str
    status: str  # valid, superseded, rejected
    submitted_on: dt.date
    reason: str = ""
    errors: list[InjectedError] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)  # data rows written per sheet key


@dataclass
class _SheetRows:
    """The data rows of one sheet: rendered cells and, for deliberate errors, their kind."""

    key: str
    rows: list[tuple[list, tuple[str | None, str] | None]]


_SHEETS = {
    "connectees": C.CONNECTEES,
    "connectors": C.CONNECTORS,
    "introductions": C.INTRODUCTIONS,
    "jobs": C.JOBS,
}


def _states(records: Iterable, day: dt.date, previous: dt.date | None, lang: str) -> list[dict]:
    """Each record's row at ``day``; with ``previous``, only rows new or changed since then."""
    out = []
    for r in records:
        s = r.state(day, lang)
        if s is not None and (previous is None or s != r.state(previous, lang)):
            out.append(s)
    return out


def _file_states(roster: _Roster, day: dt.date, previous: dt.date | None) -> dict[str, list[dict]]:
    lang = roster.lang
    states = {
        "connectees": _states(roster.connectees, day, previous, lang),
        "connectors": _states(roster.connectors, day, previous, lang),
        "introductions": _states(roster.introductions, day, previous, lang),
        "jobs": _states(roster.jobs, day, previous, lang) if roster.tracks_jobs else [],
    }
    if previous is not None:  # those who only send changes still list this quarter's Connectors
        active = {i.connector.id for i in roster.introductions if previous < i.date <= day}
        listed = {s["connector_id"] for s in states["connectors"]}
        extra = [
            c.state(day, lang) for c in roster.connectors if c.id in active and c.id not in listed
        ]
        states["connectors"] = sorted(
            states["connectors"] + extra, key=lambda s: _id_sort_key(s["connector_id"])
        )
    return states


def _id_sort_key(value: str) -> tuple:
    return (len(value), value)


class _Fresh:
    """IDs no roster record uses, for deliberate error rows: they follow the roster's numbers,
    a block of 40 for each quarter's file."""

    def __init__(self, roster: _Roster, quarter_index: int):
        self.roster, self.n = roster, 40 * quarter_index

    def connectee(self) -> str:
        self.n += 1
        return self.roster.connectee_id(len(self.roster.connectees) + self.n)

    def connector(self) -> str:
        self.n += 1
        return self.roster.connector_id(len(self.roster.connectors) + self.n)


def _fresh_connectee_state(
    roster: _Roster, period: Period, rng: random.Random, fresh: _Fresh, category: str | None = None
) -> dict:
    day = period.last_day
    applied = period.first_day + rng.randint(0, max(0, (day - period.first_day).days - 20)) * _DAY
    p = _new_connectee(rng, roster.community, roster.style, applied, day)
    p.id = fresh.connectee()
    p.accepted, p.intake, p.withdrawn_on = True, min(applied + 10 * _DAY, day), None
    if category:
        p.category = category
        if category in ("local", "local_graduate"):
            p.country = "Canada"
    return p.state(day, roster.lang)


def _error_rows(
    kind: str, roster: _Roster, period: Period, rng: random.Random, fresh: _Fresh
) -> list[tuple[str, dict, dict, str | None]]:
    """Rows carrying one deliberate error each: (sheet key, state, raw overrides, column key)."""
    day, fr = period.last_day, roster.lang == "fr"
    p = _fresh_connectee_state(roster, period, rng, fresh)
    known_connectees = [q for q in roster.connectees if q.intake and q.intake <= day and q.accepted]
    known_connectors = [c for c in roster.connectors if c.joined <= day]
    in_quarter = period.first_day + rng.randint(0, (day - period.first_day).days) * _DAY

    def intro(connectee_id, connector_id, date=in_quarter):
        return {
            "connectee_id": connectee_id,
            "connector_id": connector_id,
            "introduction_date": date,
            "introduced_by": "coordinator",
            "outcome": None,
        }

    if kind == "required_blank":
        if rng.random() < 0.5:
            p["last_name"] = None
            return [("connectees", p, {}, "last_name")]
        p["intake_meeting_date"] = None  # accepted Yes without an intake meeting date
        return [("connectees", p, {}, "intake_meeting_date")]
    if kind == "bad_date_text":
        d = p["application_date"]
        d = d.replace(day=min(d.day, 12))  # ambiguous: 03/05 is March or May
        p["application_date"] = d
        return [("connectees", p, {"application_date": d.strftime("%d/%m/%Y")}, "application_date")]
    if kind == "date_out_of_range":
        if rng.random() < 0.5 or not known_connectees or not known_connectors:
            p["application_date"] = dt.date(2008, rng.randint(1, 12), rng.randint(1, 28))
            p["accepted"], p["intake_meeting_date"] = False, None
            return [("connectees", p, {}, "application_date")]
        typo = in_quarter.replace(year=in_quarter.year + 1)  # a year typed wrong
        row = intro(rng.choice(known_connectees).id, rng.choice(known_connectors).id, typo)
        return [("introductions", row, {}, "introduction_date")]
    if kind == "bad_yes_no":
        return [("connectees", p, {"accepted": "peut-être" if fr else "maybe"}, "accepted")]
    if kind == "bad_enum":
        r = rng.random()
        if r < 0.4:
            return [("connectees", p, {"category": "Réfugié" if fr else "Refugee"}, "category")]
        if r < 0.7 or not known_connectees or not known_connectors:
            return [
                (
                    "connectees",
                    p,
                    {"official_language": "Espagnol" if fr else "Spanish"},
                    "official_language",
                )
            ]
        row = intro(rng.choice(known_connectees).id, rng.choice(known_connectors).id)
        return [
            (
                "introductions",
                row,
                {"outcome": "Café-rencontre" if fr else "Coffee chat"},
                "outcome",
            )
        ]
    if kind == "bad_email":
        local = f"{_slug(p['first_name'])}.{_slug(p['last_name'])}"
        bad = rng.choice(
            [
                f"{local}@example",
                f"{local.replace('.', ' ')}@example.ca",
                f"{local}@example.ca; {local}@example.org",
                f"{local}.example.ca",
            ]
        )
        return [("connectees", p, {"email": bad}, "email")]
    if kind == "bad_noc":
        bad = rng.choice(["abcde", "26000", 26000, "213000", "2130-0"])
        return [("connectees", p, {"home_occupation_noc": bad}, "home_occupation_noc")]
    if kind == "duplicate_id":
        twin = dict(p, phone=_phone(rng, roster.community.province, roster.style.phone_format))
        return [("connectees", p, {}, "connectee_id"), ("connectees", twin, {}, "connectee_id")]
    if kind == "unknown_connector" and known_connectees:
        row = intro(rng.choice(known_connectees).id, fresh.connector())
        return [("introductions", row, {}, "connector_id")]
    if kind == "unknown_connectee" and known_connectors:
        row = intro(fresh.connectee(), rng.choice(known_connectors).id)
        return [("introductions", row, {}, "connectee_id")]
    if kind == "job_unknown_connectee":
        row = {
            "connectee_id": fresh.connectee(),
            "employer": rng.choice(_SURVIVAL_EMPLOYERS[roster.lang]),
            "job_title": OCCUPATIONS["65201"].title(roster.lang),
            "job_noc": "65201",
            "start_date": in_quarter,
            "employment_type": "part_time",
            "in_field": False,
            "matches_experience": False,
            "withdrawn": False,
        }
        return [("jobs", row, {}, "connectee_id")]
    if kind == "ineligible_category":
        other = [
            c
            for c in C.ENUMERATIONS["category"].codes
            if c not in roster.community.eligible_categories
        ]
        if other:
            q = _fresh_connectee_state(roster, period, rng, fresh, category=rng.choice(other))
            return [("connectees", q, {}, "category")]
    p["last_name"] = None  # fallback when the community cannot show that kind
    return [("connectees", p, {}, "last_name")]


def _column_order(sheet: C.Sheet, style: _Style, with_notes: bool) -> list[C.Column | None]:
    """The sheet's columns as this coordinator lays them out; None stands for a Notes column."""
    cols: list[C.Column | None] = list(sheet.columns)
    if style.shuffle:
        random.Random(f"{style.column_seed}:{sheet.key}").shuffle(cols)
    if with_notes:
        cols.insert(len(cols) - 1 if style.shuffle else len(cols), None)
    return cols


def _render_sheet(
    key: str,
    states: list[dict],
    cols: list[C.Column | None],
    renderer: _Renderer,
    note_rng: random.Random,
) -> _SheetRows:
    notes = _NOTES[renderer.lang]
    fns = [(c.key, renderer.column(c)) if c is not None else (None, None) for c in cols]
    rows = []
    for s in states:
        female = s.get("_f", False)
        cells = [
            fn(s.get(k), female)
            if fn is not None
            else (notes[note_rng.randrange(len(notes))] if note_rng.random() < 0.08 else None)
            for k, fn in fns
        ]
        rows.append((cells, None))
    return _SheetRows(key, rows)


@dataclass
class _FileSpec:
    roster: _Roster
    period: Period
    variant: str = "normal"  # normal, superseded, no_introductions
    submitted_on: dt.date | None = None
    name_suffix: str = ""


def _build_file(spec: _FileSpec, plan: _Plan) -> tuple[dict[str, _SheetRows], dict[str, list]]:
    """The data rows of one workbook, deliberate errors placed, and each sheet's columns."""
    roster, period = spec.roster, spec.period
    code, style = roster.community.code, roster.style
    rng = random.Random(f"{plan.seed}:{code}:{period.label}:{spec.variant}")
    quarter_index = plan.quarters.index(period) if period in plan.quarters else 0
    previous = None
    if code in plan.delta and quarter_index > 0:
        previous = plan.quarters[quarter_index - 1].last_day
    states = _file_states(roster, period.last_day, previous)
    renderer = _Renderer(
        style,
        rng,
        style.numeric_ids and (code, period) not in plan.text_id_files,
        _coordinator(roster, plan)[2],
    )
    with_notes = style.notes

    if plan.upper_employers == (code, period):  # the same jobs, employer typed differently
        for s in states["jobs"]:
            s["employer"] = s["employer"].upper()

    errors: list[tuple[str, dict, dict, str | None, str]] = []
    if spec.variant == "normal":
        fresh = _Fresh(roster, quarter_index)
        for kind in plan.error_files.get((code, period), []):
            for sheet_key, row, overrides, column in _error_rows(kind, roster, period, rng, fresh):
                if sheet_key == "jobs" and not roster.tracks_jobs:
                    continue
                errors.append((sheet_key, row, overrides, column, kind))
    elif spec.variant == "superseded":  # a first copy: this quarter's news incomplete, typos
        first = period.first_day
        for key, field_name in (("introductions", "introduction_date"), ("jobs", "start_date")):
            states[key] = [s for s in states[key] if s[field_name] < first or rng.random() < 0.7]
        recent = [s for s in states["introductions"] if s["introduction_date"] >= first]
        for s in rng.sample(recent, min(2, len(recent))):
            states["introductions"].remove(s)
            d = s["introduction_date"]
            errors.append(
                (
                    "introductions",
                    s,
                    {"introduction_date": d.strftime("%d/%m/%Y")},
                    "introduction_date",
                    "bad_date_text",
                )
            )

    sheets: dict[str, _SheetRows] = {}
    columns: dict[str, list] = {}
    for key, sheet in _SHEETS.items():
        if key == "introductions" and spec.variant == "no_introductions":
            continue
        cols = _column_order(sheet, style, with_notes)
        columns[key] = cols
        sheets[key] = _render_sheet(key, states[key], cols, renderer, rng)
    for sheet_key, row, overrides, column, kind in errors:
        cols = columns[sheet_key]
        cells = _render_sheet(sheet_key, [row], cols, renderer, rng).rows[0][0]
        for k, raw in overrides.items():
            cells[[c.key if c else None for c in cols].index(k)] = raw
        target = sheets[sheet_key].rows
        target.insert(rng.randint(0, len(target)), (cells, (column, kind)))
    return sheets, columns


def _sheet_rows(
    sheet: C.Sheet,
    data: _SheetRows,
    cols: list,
    style: _Style,
    title: str,
    rng: random.Random,
    errors: list[InjectedError],
    blank_rows: bool,
) -> Iterable[list]:
    """Title rows, the header, data rows with the odd blank row; records error positions."""
    lang = style.lang
    titles = [[title], [f"{sheet.name(lang)}"], []][: style.title_rows]
    header = [
        _header(c, style) if c is not None else ("Remarques" if lang == "fr" else "Notes")
        for c in cols
    ]
    blank_at = set()
    if blank_rows and data.rows:
        blank_at = {rng.randrange(len(data.rows)) for _ in range(rng.randint(1, 3))}
    row_no = len(titles) + 1
    yield from titles
    yield header
    for i, (cells, error) in enumerate(data.rows):
        if i in blank_at:
            row_no += 1
            yield []
        row_no += 1
        if error is not None:
            errors.append(InjectedError(sheet.key, row_no, error[0], error[1]))
        yield cells
    if blank_rows:
        yield []
        yield [None] * len(cols)


def _submission_rows(
    roster: _Roster,
    plan: _Plan,
    period: Period,
    submitted_on: dt.date,
    header: bool,
    renderer: _Renderer,
) -> list[list]:
    style, lang = roster.style, roster.lang
    coordinator = _coordinator(roster, plan)
    submitted = submitted_on.isoformat() if style.date_mode == "iso" else submitted_on
    values = {
        "community_code": roster.community.code,
        "reporting_quarter": _period_text(period, style.period_style),
        "submitted_on": submitted,
        "coordinator_name": coordinator[0],
        "coordinator_email": coordinator[1],
        "tracks_jobs": renderer.yes_no(roster.tracks_jobs),
    }
    rows = [list(C.SUBMISSION_HEADER[0 if lang == "en" else 1])] if header else []
    for f in C.SUBMISSION_FIELDS:
        label = f.label(lang) + (" *" if style.header_mode == "star" and f.required else "")
        rows.append([label, values[f.key]])
    return rows


def _coordinator(roster: _Roster, plan: _Plan) -> tuple[str, str, bool]:
    """The coordinator's name, email and whether she is a woman (for French labels)."""
    rng = random.Random(f"{plan.seed}:{roster.community.code}:coordinator")
    pool = CANADA_FR if roster.lang == "fr" else CANADA_EN
    first, last, female = _name(rng, pool)
    city = _slug(roster.community.name, "-")
    word = "connecteur" if roster.lang == "fr" else "connector"
    return f"{first} {last}", f"{_slug(first)}.{_slug(last)}@{word}-{city}.example.ca", female


def _extra_sheets(lang: str) -> list[tuple[str, list[list]]]:
    if lang == "fr":
        instructions = [
            ["Programme Connecteur — gabarit de soumission trimestrielle"],
            [],
            ["Une ligne par personne; gardez les mêmes identifiants chaque trimestre."],
            ["Les dates s'écrivent AAAA-MM-JJ."],
        ]
        lists = [["Catégorie", "Langue officielle", "Résultat"]]
    else:
        instructions = [
            ["Connector Program — quarterly submission template"],
            [],
            ["One row per person; keep the same IDs every quarter."],
            ["Write dates as YYYY-MM-DD."],
        ]
        lists = [["Category", "Official language", "Outcome"]]
    enums = [C.ENUMERATIONS[n] for n in ("category", "official_language", "outcome")]
    for i in range(max(len(e.codes) for e in enums)):
        lists.append([e.label(e.codes[i], lang) if i < len(e.codes) else None for e in enums])
    return [("Instructions", instructions), ("Listes" if lang == "fr" else "Lists", lists)]


def _file_path(out_dir: Path, roster: _Roster, period: Period, suffix: str) -> Path:
    style, community = roster.style, roster.community
    code, fy, q = community.code, period.fiscal_year, period.quarter
    name = _ascii(community.name)
    stem = [
        f"{code}_{period.label}",
        f"{code} {_period_text(period, style.period_style)}",
        (
            f"Programme Connecteur {name} T{q} {fy}"
            if style.lang == "fr"
            else f"{name} Connector Program Q{q} {fy}"
        ),
        f"Connector_{code}_FY{fy}_Q{q}",
        f"{code}-{period.label}-submission",
    ][style.file_name]
    folder = {"flat": out_dir, "community": out_dir / code, "quarter": out_dir / period.label}[
        style.layout
    ]
    return folder / f"{stem}{suffix}.xlsx"


# ---------------------------------------------------------------------------
# Writing: stable bytes
# ---------------------------------------------------------------------------


class _StableZip(zipfile.ZipFile):
    """A zip whose members all carry one fixed timestamp: the same content, the same bytes.

    Worksheets arrive from openpyxl with empty ``<sheetData>``; their rows are spliced in
    here from ``bodies`` (see ``_sheet_data``), which is many times faster than openpyxl's
    cell-by-cell serialisation without lxml and writes the same XML.
    """

    def __init__(
        self, file, date_time: tuple[int, int, int, int, int, int], bodies: dict[str, Iterable[str]]
    ):
        super().__init__(file, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
        self._date_time = date_time
        self._bodies = bodies

    def _info(self, name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=self._date_time)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        return info

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):
        if not isinstance(zinfo_or_arcname, zipfile.ZipInfo):
            zinfo_or_arcname = self._info(zinfo_or_arcname)
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None):
        # openpyxl streams write-only sheets through a temporary file.
        with open(filename, "rb") as src:
            xml = src.read()
        body = self._bodies.get(arcname)
        with self.open(self._info(arcname), "w") as dst:
            if body is None:
                dst.write(xml)
                return
            head, empty, tail = xml.partition(b"<sheetData></sheetData>")
            if not empty:
                raise RuntimeError(f"unexpected worksheet XML from openpyxl in {arcname}")
            dst.write(head + b"<sheetData>")
            for chunk in body:
                dst.write(chunk.encode("utf-8"))
            dst.write(b"</sheetData>" + tail)


def _sheet_data(rows: Iterable[list], date_style: int, datetime_style: int) -> Iterable[str]:
    """Rows as worksheet XML, cell for cell as openpyxl writes them (inline strings)."""
    letters = [get_column_letter(i) for i in range(1, 64)]
    batch: list[str] = []
    for r, row in enumerate(rows, 1):
        batch.append(f'<row r="{r}">')
        for letter, value in zip(letters, row):
            if value is None or value == "":
                continue
            ref = f"{letter}{r}"
            if isinstance(value, str):
                space = ' xml:space="preserve"' if value != value.strip() else ""
                text = xml_escape(value)
                batch.append(f'<c r="{ref}" t="inlineStr"><is><t{space}>{text}</t></is></c>')
            elif isinstance(value, bool):
                batch.append(f'<c r="{ref}" t="b"><v>{int(value)}</v></c>')
            elif isinstance(value, (int, float)):
                batch.append(f'<c r="{ref}" t="n"><v>{value!r}</v></c>')
            elif isinstance(value, dt.datetime):
                serial = to_excel(value)
                batch.append(f'<c r="{ref}" s="{datetime_style}" t="n"><v>{serial!r}</v></c>')
            elif isinstance(value, dt.date):
                serial = (value - _EXCEL_EPOCH).days
                batch.append(f'<c r="{ref}" s="{date_style}" t="n"><v>{serial}</v></c>')
            else:
                raise TypeError(f"cannot write {value!r} into a cell")
        batch.append("</row>")
        if len(batch) > 4096:
            yield "".join(batch)
            batch = []
    yield "".join(batch)


def _save_workbook(
    path: Path,
    sheets: list[tuple[str, Iterable[list]]],
    created: dt.datetime,
    modified: dt.datetime,
    author: str,
    title: str,
) -> None:
    wb = Workbook(write_only=True)
    bodies: dict[str, Iterable[str]] = {}
    styles: tuple[int, int] | None = None
    for n, (name, rows) in enumerate(sheets, 1):
        ws = wb.create_sheet(name)
        if styles is None:  # registers the date formats in the workbook's styles
            styles = (
                WriteOnlyCell(ws, value=dt.date(2000, 1, 1)).style_id,
                WriteOnlyCell(ws, value=dt.datetime(2000, 1, 1, 12)).style_id,
            )
        bodies[f"xl/worksheets/sheet{n}.xml"] = _sheet_data(rows, *styles)
    props = wb.properties
    props.creator = props.lastModifiedBy = author
    props.title = title
    props.created, props.modified = created, modified
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        ExcelWriter(wb, _StableZip(fh, modified.timetuple()[:6], bodies)).save()


def _set_mtime(path: Path, when: dt.datetime) -> None:
    stamp = when.replace(tzinfo=dt.timezone.utc).timestamp()
    os.utime(path, (stamp, stamp))


def _write_file(spec: _FileSpec, plan: _Plan, out_dir: Path, used: set[Path]) -> SampleFile:
    """Write one workbook as its coordinator would; say what it holds."""
    roster, period = spec.roster, spec.period
    style, lang, code = roster.style, roster.lang, roster.community.code
    rng = random.Random(f"{plan.seed}:{code}:{period.label}:{spec.variant}:layout")
    submitted_on = spec.submitted_on or period.last_day + rng.randint(14, 42) * _DAY
    data, columns = _build_file(spec, plan)
    renderer = _Renderer(style, rng, False)
    header = (code, period) not in plan.no_submission_header
    errors: list[InjectedError] = []
    title = (
        f"Programme Connecteur — {roster.community.name}"
        if lang == "fr"
        else f"Connector Program — {roster.community.name}"
    )
    sheets: list[tuple[str, Iterable[list]]] = []
    for key, rows in data.items():
        sheet = _SHEETS[key]
        if key == "jobs" and not roster.tracks_jobs and rng.random() < 0.5:
            continue  # no Jobs sheet at all, or an empty one
        blank_rows = style.blank_rows and rng.random() < 0.8
        sheets.append(
            (
                _sheet_title(sheet.name(lang), style),
                list(_sheet_rows(sheet, rows, columns[key], style, title, rng, errors, blank_rows)),
            )
        )
    submission = (
        _sheet_title(C.SUBMISSION_SHEET[0 if lang == "en" else 1], style),
        _submission_rows(roster, plan, period, submitted_on, header, renderer),
    )
    sheets = sheets + [submission] if style.submission_last else [submission] + sheets
    if style.extra_sheets:
        extra = _extra_sheets(lang)
        sheets = [extra[0]] + sheets + [extra[1]]

    path = _unused(_file_path(out_dir, roster, period, spec.name_suffix), used)
    modified = dt.datetime.combine(submitted_on, dt.time(9 + rng.randint(0, 7), rng.randint(0, 59)))
    created = modified - dt.timedelta(days=rng.randint(3, 20), hours=rng.randint(0, 5))
    coordinator = _coordinator(roster, plan)[0]
    _save_workbook(
        path,
        sheets,
        created,
        modified,
        coordinator,
        f"{title} — {_period_text(period, style.period_style)}",
    )
    _set_mtime(path, modified)
    status, reason = "valid", ""
    if spec.variant == "superseded":
        status, reason = "superseded", "replaced by a corrected copy submitted later"
    elif spec.variant == "no_introductions":
        status, reason = "rejected", "the required Introductions sheet is missing"
    elif code not in plan.registry:
        status, reason = "rejected", f"the community code {code} is not in the registry"
    rows = {k: len(v.rows) for k, v in data.items()}
    return SampleFile(path, code, period, lang, status, submitted_on, reason, errors, rows)


def _unused(path: Path, used: set[Path]) -> Path:
    n = 2
    candidate = path
    while candidate in used:
        candidate = path.with_name(f"{path.stem} ({n}){path.suffix}")
        n += 1
    used.add(candidate)
    return candidate


def _write_csv_export(roster: _Roster, plan: _Plan, out_dir: Path, used: set[Path]) -> SampleFile:
    """A file saved as CSV but named .xlsx: the roll-up must reject it."""
    period = plan.last_quarter
    day = period.last_day
    path = _unused(_file_path(out_dir, roster, period, "_final"), used)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    cols = C.CONNECTEES.columns
    writer.writerow([c.header(roster.lang) for c in cols])
    for s in _states(roster.connectees, day, None, roster.lang)[:25]:
        writer.writerow(["" if s[c.key] is None else s[c.key] for c in cols])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue().encode("utf-8-sig"))
    submitted_on = day + 20 * _DAY
    _set_mtime(path, dt.datetime.combine(submitted_on, dt.time(16, 5)))
    return SampleFile(
        path,
        roster.community.code,
        None,
        roster.lang,
        "rejected",
        submitted_on,
        "a CSV file named .xlsx, not a readable workbook",
    )


# ---------------------------------------------------------------------------
# Public
# ---------------------------------------------------------------------------


def _registry(registry) -> dict[str, Community]:
    if registry is None or isinstance(registry, (str, os.PathLike)):
        return load_registry(registry)
    return dict(registry)


def _rosters(plan: _Plan) -> dict[str, _Roster]:
    rosters = {code: _make_roster(c, plan) for code, c in plan.registry.items()}
    _link_people(rosters, plan)
    return rosters


def write_sample_files(
    out_dir: str | Path,
    seed: int = 2026,
    registry=None,
    scale: float = 1.0,
    last_quarter: Period = SAMPLE_QUARTER,
) -> list[SampleFile]:
    """Write the sample like ``write_sample``; say what each file holds, deliberate errors too."""
    out_dir = Path(out_dir)
    plan = _make_plan(_registry(registry), seed, scale, last_quarter)
    rosters = _rosters(plan)
    specs: list[_FileSpec] = []
    for code, roster in rosters.items():
        for period in plan.quarters:
            if period == plan.last_quarter and code in plan.missing_last:
                continue
            if (code, period) == plan.no_introductions:
                specs.append(_FileSpec(roster, period, "no_introductions"))
            elif code == plan.resubmit and period == plan.last_quarter:
                first = period.last_day + 16 * _DAY
                specs.append(_FileSpec(roster, period, "superseded", first))
                specs.append(_FileSpec(roster, period, "normal", first + 14 * _DAY, "_corrected"))
            else:
                specs.append(_FileSpec(roster, period))
    if plan.pilot is not None:
        specs.append(_FileSpec(_make_roster(plan.pilot, plan), plan.last_quarter))

    used: set[Path] = set()
    files = [_write_file(spec, plan, out_dir, used) for spec in specs]
    if plan.csv_export:
        files.append(_write_csv_export(rosters[plan.csv_export], plan, out_dir, used))
    return files


def write_sample(
    out_dir: str | Path,
    seed: int = 2026,
    registry=None,
    scale: float = 1.0,
    last_quarter: Period = SAMPLE_QUARTER,
) -> list[Path]:
    """Write synthetic submissions of every registered community into ``out_dir``; the same
    seed gives byte-identical files. Returns the paths written, broken files included."""
    return [f.path for f in write_sample_files(out_dir, seed, registry, scale, last_quarter)]


def describe_sample(seed: int = 2026, registry=None, last_quarter: Period = SAMPLE_QUARTER) -> str:
    """A Markdown paragraph on what the sample deliberately contains."""
    plan = _make_plan(_registry(registry), seed, 1.0, last_quarter)
    codes = list(plan.registry)
    q, first = plan.last_quarter.label, plan.quarters[0].label
    cases = dict(plan.connector_cases)

    def names(items) -> str:
        return ", ".join(f"`{c}`" for c in sorted(items)) or "none"

    def at(case: str) -> str:
        return names(cases.get(case, []))

    error_files = "; ".join(
        f"`{c}` {p.label} ({', '.join(sorted(set(kinds)))})"
        for (c, p), kinds in sorted(plan.error_files.items(), key=lambda i: (i[0][1], i[0][0]))
    )
    no_intro = (
        f"`{plan.no_introductions[0]}` for {plan.no_introductions[1].label}"
        if plan.no_introductions
        else "none"
    )
    moves = "; ".join(f"`{a}` then `{b}`" for a, b in plan.connectee_moves) or "none"
    sentences = [
        f"The sample (seed {seed}) holds the submissions of the {len(codes)} registered "
        f"communities for the four quarters {first} to {q}, with records back to each "
        f"community's `joined_on` (at most {HISTORY_YEARS} years).",
        "At scale 1 the rosters hold about 9,000 Connectees, 4,500 Connectors, 27,000 "
        "introductions and 3,500 jobs; a big city has 5-10 times the records of a small town.",
        f"{len(codes) - len(plan.delta)} communities resend their whole roster each quarter; the "
        f"other {len(plan.delta)} ({names(plan.delta)}) send their full history in {first}, then "
        "only what is new or changed (and the Connectors of the quarter's introductions).",
        f"{names(plan.missing_last)} send nothing for {q} (coverage: missing).",
        f"`{plan.resubmit}` sends {q} twice: the `_corrected` copy, submitted later, supersedes "
        "the first, which lacks some of the quarter's records and has two bad dates.",
        f"French workbooks (sheet names, headers, labels): "
        f"{names(c for c in codes if plan.is_french(c))}.",
        f"Jobs are not tracked (Tracks jobs No; no Jobs sheet, or an empty one) by "
        f"{names(plan.non_tracking)}.",
        f"Files the roll-up must reject: a CSV named `.xlsx` from `{plan.csv_export}`, a workbook "
        f"of {no_intro} without its Introductions sheet, and one from "
        f"`{plan.pilot.code if plan.pilot else '-'}`, a community the registry does not know.",
        f"Deliberate row errors, a handful per file: {error_files}.",
        f"The same Connector in three communities ({at('same_email_3')}: same email and last "
        f"name, Robert and Bob), in two ({at('same_email_2')}), linked only by name and phone "
        f"({at('name_phone')}) or only by name and organization ({at('name_org')}), and one "
        f"registered twice under two IDs with the same name and phone "
        f"({at('registered_twice')}).",
        f"Not the same people: two Michael Smiths ({at('same_name_other_person')}), a shared "
        f"`info@` mailbox ({at('shared_mailbox')}), a last name one letter apart with the same "
        f"email ({at('email_typo')}).",
        f"Two Connectees moved, with the same email in two communities ({moves}); one "
        f"Connectee's withdrawal arrives only in {q}'s file (`{plan.withdrawn_later}`).",
        "Jobs give every exclusion reason (withdrawn, Connectee not onboarded, before the intake "
        "meeting, not in field, below experience, another NOC category such as the survival job "
        "65201, a lower TEER) besides qualifying ones.",
        "Reader tolerances across files: title rows above headers, shuffled columns, an unknown "
        "`Notes` column, blank rows, IDs typed as numbers, dates as date cells, ISO text and "
        "serial numbers, TRUE/FALSE cells, NOC codes that lost their leading zeros, labels in the "
        "other language or as codes, every accepted form of quarter label, Submission sheets "
        "without their header row, and files in per-community or per-quarter folders under "
        "varied names.",
    ]
    return " ".join(sentences)
