"""Every message a coordinator reads, in English and French, keyed by a stable code.

A message says what is wrong with the value found, then how to fix it. File
messages are one sentence each; row messages are filled with the cell's
details by ``validate``.
"""

from __future__ import annotations

from connector_rollup.periods import PROGRAM_START

FILE_MESSAGES: dict[str, tuple[str, str]] = {
    "empty_file": (
        "The file is empty: send the filled-in submission workbook (.xlsx).",
        "Le fichier est vide : envoyez le classeur de soumission rempli (.xlsx).",
    ),
    "unreadable": (
        "The file cannot be opened ({detail}): check that it exists and is not open elsewhere.",
        "Le fichier ne peut pas être ouvert ({detail}) : vérifiez qu'il existe et n'est pas ouvert ailleurs.",
    ),
    "too_large": (
        "The file is {megabytes} MB, far larger than any submission: send only the submission workbook.",
        "Le fichier fait {megabytes} Mo, bien plus qu'une soumission : envoyez seulement le classeur de soumission.",
    ),
    "too_large_unpacked": (
        "The workbook unpacks to more than {megabytes} MB, which no submission needs: it is damaged or not a submission; save the template again with your data.",
        "Le classeur décompressé dépasse {megabytes} Mo, ce qu'aucune soumission n'exige : il est endommagé ou n'est pas une soumission; réenregistrez le modèle avec vos données.",
    ),
    "password_protected": (
        "The workbook is password-protected: remove the password (File > Info > Protect Workbook) and send it again.",
        "Le classeur est protégé par un mot de passe : retirez-le (Fichier > Informations > Protéger le classeur) et renvoyez-le.",
    ),
    "old_xls": (
        "The file is an old-format Excel workbook (.xls): save it as .xlsx (in Excel, File > Save As > Excel Workbook (.xlsx); in LibreOffice, File > Save As > Excel 2007-365 (.xlsx)) and send it again.",
        "Le fichier est un classeur Excel d'ancien format (.xls) : enregistrez-le en .xlsx (dans Excel, Fichier > Enregistrer sous > Classeur Excel (.xlsx); dans LibreOffice, Fichier > Enregistrer sous > Excel 2007-365 (.xlsx)) et renvoyez-le.",
    ),
    "not_xlsx_text": (
        "The file is not an Excel workbook but a text or CSV file with an Excel file name: open it in Excel and save it as an .xlsx workbook.",
        "Le fichier n'est pas un classeur Excel mais un fichier texte ou CSV qui porte un nom de fichier Excel : ouvrez-le dans Excel et enregistrez-le au format .xlsx.",
    ),
    "not_xlsx_html": (
        "The file is a web page (HTML) with an Excel file name, not an Excel workbook: open it in Excel and save it as an .xlsx workbook.",
        "Le fichier est une page Web (HTML) qui porte un nom de fichier Excel, pas un classeur Excel : ouvrez-le dans Excel et enregistrez-le au format .xlsx.",
    ),
    "not_xlsx_zip": (
        "The file is a zip archive, not an Excel workbook: send the .xlsx submission workbook itself.",
        "Le fichier est une archive zip, pas un classeur Excel : envoyez le classeur de soumission .xlsx lui-même.",
    ),
    "not_xlsx": (
        "The file is not a readable .xlsx workbook ({detail}): open it in Excel, save it as .xlsx and send it again.",
        "Le fichier n'est pas un classeur .xlsx lisible ({detail}) : ouvrez-le dans Excel, enregistrez-le en .xlsx et renvoyez-le.",
    ),
    "corrupt": (
        "The workbook is damaged or incomplete (perhaps cut off while copying): save it again from Excel and send the new copy.",
        "Le classeur est endommagé ou incomplet (peut-être tronqué lors d'une copie) : enregistrez-le de nouveau dans Excel et envoyez la nouvelle copie.",
    ),
    "unsafe_xml": (
        "The workbook holds XML declarations that Excel never writes ({part}), so it is refused for safety: save it again from Excel.",
        "Le classeur contient des déclarations XML qu'Excel n'écrit jamais ({part}); il est refusé par sécurité : enregistrez-le de nouveau dans Excel.",
    ),
    "unreadable_sheet": (
        "The sheet '{sheet}' cannot be read ({detail}): save the workbook again from Excel.",
        "La feuille « {sheet} » ne peut pas être lue ({detail}) : enregistrez le classeur de nouveau dans Excel.",
    ),
    "sheet_too_large": (
        "The sheet '{sheet}' has cells as far as {cell} ({cells} cells counted from A1), far more than a submission needs: delete the rows and columns after your data (a formula filled down to the bottom of the sheet is the usual cause) and save again.",
        "La feuille « {sheet} » a des cellules jusqu'à {cell} ({cells} cellules comptées depuis A1), bien plus qu'une soumission n'en demande : supprimez les lignes et les colonnes après vos données (une formule recopiée jusqu'en bas de la feuille en est la cause habituelle) et enregistrez de nouveau.",
    ),
    "missing_sheet": (
        "The workbook has no '{sheet}' sheet, which is required: use the template, which has every sheet.",
        "Le classeur n'a pas de feuille « {sheet_fr} », qui est obligatoire : utilisez le modèle, qui contient toutes les feuilles.",
    ),
    "missing_column": (
        "The sheet '{sheet}' lacks the required column(s) {columns} in its header row (looked in its first 11 rows): add them as in the template.",
        "La feuille « {sheet} » n'a pas la ou les colonnes obligatoires {columns_fr} dans sa ligne d'en-tête (cherchée dans les 11 premières lignes) : ajoutez-les comme dans le modèle.",
    ),
    "missing_community": (
        "The Submission sheet has no Community code: write your community's code (for example NS-HFX) next to 'Community code'.",
        "La feuille Soumission n'a pas de code de communauté : écrivez le code de votre communauté (p. ex. NS-HFX) à côté de « Code de la communauté ».",
    ),
    "unknown_community": (
        "The community code '{value}' in {cell} is not in the registry: write your community's code exactly as given by the secretariat (for example NS-HFX).",
        "Le code de communauté « {value} » en {cell} n'est pas dans le registre : écrivez le code de votre communauté tel que donné par le secrétariat (p. ex. NS-HFX).",
    ),
    "bad_quarter": (
        "The reporting quarter '{value}' in {cell} cannot be read: write it like 2024-25-Q4 (fiscal year April to March, then the quarter).",
        "Le trimestre « {value} » en {cell} ne peut pas être lu : écrivez-le comme 2024-25-Q4 (exercice d'avril à mars, puis le trimestre).",
    ),
    "bad_submitted_on": (
        "The Submitted on date '{value}' in {cell} cannot be read: write it as YYYY-MM-DD, for example 2025-04-15.",
        "La date Soumis le « {value} » en {cell} ne peut pas être lue : écrivez-la sous la forme AAAA-MM-JJ, p. ex. 2025-04-15.",
    ),
    "submission_excel_error": (
        "{field} in {cell} holds the Excel error value '{value}' (a formula that failed), not a value: type the {field} itself and save again.",
        "« {field} » en {cell} contient la valeur d'erreur Excel « {value} » (une formule qui a échoué), pas une valeur : tapez la valeur elle-même et enregistrez de nouveau.",
    ),
    "ods_file": (
        "The file is an OpenDocument spreadsheet (.ods, LibreOffice's own format), not an Excel workbook: save it as .xlsx (in LibreOffice, File > Save As > Excel 2007-365 (.xlsx); in Excel, File > Save As > Excel Workbook (.xlsx)) and send that file.",
        "Le fichier est un classeur OpenDocument (.ods, le format propre à LibreOffice), pas un classeur Excel : enregistrez-le en .xlsx (dans LibreOffice, Fichier > Enregistrer sous > Excel 2007-365 (.xlsx); dans Excel, Fichier > Enregistrer sous > Classeur Excel (.xlsx)) et envoyez ce fichier.",
    ),
    "numbers_file": (
        "The file is an Apple Numbers spreadsheet, not an Excel workbook: in Numbers, choose File > Export To > Excel and send the .xlsx file it makes.",
        "Le fichier est une feuille de calcul Apple Numbers, pas un classeur Excel : dans Numbers, choisissez Fichier > Exporter vers > Excel et envoyez le fichier .xlsx obtenu.",
    ),
    "csv_file": (
        "The file is a CSV text file, which holds one sheet only, not an Excel workbook: copy its rows into the submission template and save that as .xlsx (in Excel, File > Save As > Excel Workbook (.xlsx); in LibreOffice, File > Save As > Excel 2007-365 (.xlsx)).",
        "Le fichier est un fichier texte CSV, qui ne contient qu'une feuille, pas un classeur Excel : copiez ses lignes dans le modèle de soumission et enregistrez celui-ci en .xlsx (dans Excel, Fichier > Enregistrer sous > Classeur Excel (.xlsx); dans LibreOffice, Fichier > Enregistrer sous > Excel 2007-365 (.xlsx)).",
    ),
}

# Row and cell messages: (English, French) for the problem, then the fix.
CELL_MESSAGES: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {
    "required": (
        (
            "{column} is required but the cell is empty.",
            "{column} est obligatoire, mais la cellule est vide.",
        ),
        (
            "Fill it in; the row is not counted until then.",
            "Remplissez-la; la ligne n'est pas comptée d'ici là.",
        ),
    ),
    "required_when_accepted": (
        (
            "{column} is required when Accepted is Yes, but the cell is empty.",
            "{column} est obligatoire quand Accepté est Oui, mais la cellule est vide.",
        ),
        (
            "Write the date of the intake meeting, or set Accepted to No.",
            "Écrivez la date de la rencontre d'accueil, ou mettez Accepté à Non.",
        ),
    ),
    "bad_date": (
        (
            "'{value}' is not a date the roll-up can read.",
            "« {value} » n'est pas une date lisible.",
        ),
        (
            "Write the date as YYYY-MM-DD (for example 2024-05-03) or use an Excel date cell; 03/05/2024 could be March or May.",
            "Écrivez la date sous la forme AAAA-MM-JJ (p. ex. 2024-05-03) ou utilisez une cellule de date Excel; 03/05/2024 peut être mars ou mai.",
        ),
    ),
    "date_out_of_range": (
        (
            "{value} is outside the dates this submission may hold ({min} to {max}).",
            "{value} est hors des dates permises dans cette soumission ({min} au {max}).",
        ),
        (
            f"Check the year: dates go from the program's start ({PROGRAM_START}) to the end of the reporting quarter.",
            f"Vérifiez l'année : les dates vont du début du programme ({PROGRAM_START}) à la fin du trimestre déclaré.",
        ),
    ),
    "bad_yes_no": (
        ("'{value}' is not Yes or No.", "« {value} » n'est ni Oui ni Non."),
        ("Choose Yes or No from the list.", "Choisissez Oui ou Non dans la liste."),
    ),
    "bad_choice": (
        (
            "'{value}' is not one of the choices for {column}.",
            "« {value} » n'est pas un choix permis pour {column}.",
        ),
        ("Choose one of: {choices}.", "Choisissez parmi : {choices}."),
    ),
    "bad_email": (
        (
            "'{value}' is not a valid email address.",
            "« {value} » n'est pas une adresse courriel valide.",
        ),
        (
            "Write one address like name@example.ca, or leave the cell empty.",
            "Écrivez une seule adresse comme nom@exemple.ca, ou laissez la cellule vide.",
        ),
    ),
    "bad_noc": (
        ("'{value}' is not a NOC 2021 code.", "« {value} » n'est pas un code CNP 2021."),
        ("{noc_fix}", "{noc_fix}"),  # chosen by what the value looks like: see NOC_FIXES
    ),
    "duplicate_id": (
        (
            "The ID {value} appears more than once in this sheet (rows {rows}); every copy is rejected.",
            "L'identifiant {value} apparaît plus d'une fois dans cette feuille (lignes {rows}); chaque copie est rejetée.",
        ),
        (
            "Keep one row per person, or give each person their own ID.",
            "Gardez une ligne par personne, ou donnez à chacune son propre identifiant.",
        ),
    ),
    "unknown_connectee": (
        (
            "No Connectee has the ID {value} in this workbook or in the community's earlier submissions.",
            "Aucun connecté n'a l'identifiant {value} dans ce classeur ni dans les soumissions précédentes de la communauté.",
        ),
        (
            "Correct the ID, or add the Connectee to the Connectees sheet.",
            "Corrigez l'identifiant, ou ajoutez le connecté à la feuille Connectés.",
        ),
    ),
    "unknown_connector": (
        (
            "No Connector has the ID {value} in this workbook or in the community's earlier submissions.",
            "Aucun connecteur n'a l'identifiant {value} dans ce classeur ni dans les soumissions précédentes de la communauté.",
        ),
        (
            "Correct the ID, or add the Connector to the Connectors sheet.",
            "Corrigez l'identifiant, ou ajoutez le connecteur à la feuille Connecteurs.",
        ),
    ),
    "id_not_in_workbook": (
        (
            "The ID {value} is not defined in this workbook's {target} sheet; the roll-up will look for it in your earlier submissions.",
            "L'identifiant {value} n'est pas défini dans la feuille {target} de ce classeur; la consolidation le cherchera dans vos soumissions précédentes.",
        ),
        (
            "If it was never submitted, add it or correct the ID; to check now, run validate with --raw and the folder of your earlier submissions.",
            "S'il n'a jamais été soumis, ajoutez-le ou corrigez l'identifiant; pour vérifier maintenant, lancez validate avec --raw et le dossier de vos soumissions précédentes.",
        ),
    ),
    "id_in_rejected_row": (
        (
            "The ID {value} is in this workbook's {target} sheet (row {rows}), but that row has errors and is not counted; unless an earlier submission holds this ID, this row is not counted either.",
            "L'identifiant {value} est dans la feuille {target} de ce classeur (ligne {rows}), mais cette ligne a des erreurs et n'est pas comptée; à moins qu'une soumission précédente contienne cet identifiant, cette ligne-ci n'est pas comptée non plus.",
        ),
        (
            "Fix the errors of that row in {target}; this row then counts too.",
            "Corrigez les erreurs de cette ligne dans {target}; cette ligne-ci comptera alors aussi.",
        ),
    ),
    "category_not_eligible": (
        (
            "The category '{value}' is not one your program may accept.",
            "La catégorie « {value} » n'est pas admise par votre programme.",
        ),
        (
            "Your program accepts: {choices}. Check the category, or ask the secretariat to update the registry.",
            "Votre programme accepte : {choices}. Vérifiez la catégorie, ou demandez au secrétariat de mettre à jour le registre.",
        ),
    ),
    "unknown_column": (
        (
            "This sheet has columns that are not part of the template, and they are ignored: {value}.",
            "Cette feuille a des colonnes qui ne font pas partie du modèle, et elles sont ignorées : {value}.",
        ),
        (
            "Nothing to do if they hold your own notes; if one should be a template column, rename it as in the template.",
            "Rien à faire si elles contiennent vos notes; si l'une devrait être une colonne du modèle, renommez-la comme dans le modèle.",
        ),
    ),
    "duplicate_column": (
        (
            "The column '{value}' appears twice; only the first one is read.",
            "La colonne « {value} » apparaît deux fois; seule la première est lue.",
        ),
        ("Delete or rename the second one.", "Supprimez ou renommez la seconde."),
    ),
    "submission_field_blank": (
        (
            "{column} in the Submission sheet is required but the cell is empty.",
            "{column} dans la feuille Soumission est obligatoire, mais la cellule est vide.",
        ),
        ("{expected}", "{expected}"),
    ),
    "submission_field": (
        (
            "{column} in the Submission sheet: '{value}' is not valid.",
            "{column} dans la feuille Soumission : « {value} » n'est pas valide.",
        ),
        ("{expected}", "{expected}"),
    ),
    "excel_error": (
        (
            "{column} holds the Excel error value '{value}' (a formula that failed), not a value.",
            "{column} contient la valeur d'erreur Excel « {value} » (une formule qui a échoué), pas une valeur.",
        ),
        (
            "Correct the formula or what it looks up (#N/A: the lookup found nothing), or type the value itself; "
            "leave the cell empty only if the column is optional. The row is not counted until then.",
            "Corrigez la formule ou ce qu'elle recherche (#N/A : la recherche n'a rien trouvé), ou tapez la valeur "
            "elle-même; ne laissez la cellule vide que si la colonne est facultative. La ligne n'est pas comptée d'ici là.",
        ),
    ),
    "jobs_sheet_empty": (
        (
            "{column} is Yes, but the {sheet} sheet is empty or missing: no job is counted for this quarter.",
            "{column} est Oui, mais la feuille {sheet} est vide ou absente : aucun emploi n'est compté pour ce trimestre.",
        ),
        (
            "Fill in the {sheet} sheet, one row per job found, or set {column} to No if your program does not track jobs.",
            "Remplissez la feuille {sheet}, une ligne par emploi obtenu, ou mettez {column} à Non si votre programme ne suit pas les emplois.",
        ),
    ),
    # Not a code of its own: added to the message of a cell that lies in a merged range.
    "merged_cell": (
        (
            "The cell is part of the merged range {range}, whose value only its first cell ({first}) holds.",
            "La cellule fait partie de la plage fusionnée {range}, dont seule la première cellule ({first}) contient la valeur.",
        ),
        (
            "Unmerge the range (Home > Merge & Center > Unmerge Cells) and type the value in each row.",
            "Annulez la fusion (Accueil > Fusionner et centrer > Annuler Fusionner cellules) et tapez la valeur dans chaque ligne.",
        ),
    ),
}


def file_message(code: str, lang: str, **params: object) -> str:
    english, french = FILE_MESSAGES[code]
    template = french if lang == "fr" else english
    params = {k: _plain(v, lang) for k, v in params.items()}
    return template.format_map(_Blank(params))


def _plain(value: object, lang: str) -> object:
    """A parameter as a sentence shows it: lists joined, large counts grouped as each language writes them."""
    if isinstance(value, list):
        return ", ".join(value)
    if isinstance(value, int) and not isinstance(value, bool):
        grouped = f"{value:,}"
        return grouped.replace(",", "\u202f") if lang == "fr" else grouped
    return value


# The fix for a bad NOC code depends on what was written.
NOC_FIXES = {
    "teer": (
        "Its second digit is the TEER level, 0 to 5: check the code against NOC 2021.",
        "Son deuxième chiffre est la catégorie FEER, de 0 à 5 : vérifiez le code dans la CNP 2021.",
    ),
    "noc2016": (
        "Four digits make an older NOC 2016 code: write its 5-digit NOC 2021 code instead.",
        "Quatre chiffres forment un ancien code CNP 2016 : écrivez plutôt son code CNP 2021 à 5 chiffres.",
    ),
    "other": (
        "Write the 5-digit NOC 2021 code, for example 21300, with its leading zeros (00010).",
        "Écrivez le code CNP 2021 à 5 chiffres, p. ex. 21300, avec ses zéros initiaux (00010).",
    ),
}


def _noc_fix(value: object, lang: str) -> str:
    text = str(value or "").strip()
    if text.isascii() and text.isdigit() and len(text) == 5:
        kind = "teer"  # five digits are refused only for their TEER digit
    elif text.isascii() and text.isdigit() and len(text) == 4:
        kind = "noc2016"
    else:
        kind = "other"
    english, french = NOC_FIXES[kind]
    return french if lang == "fr" else english


def cell_message(code: str, lang: str, **params: object) -> tuple[str, str]:
    """The problem and its fix, in ``lang``."""
    (problem_en, problem_fr), (fix_en, fix_fr) = CELL_MESSAGES[code]
    if code == "bad_noc":
        params["noc_fix"] = _noc_fix(params.get("value"), lang)
    fields = _Blank(params)
    if lang == "fr":
        return problem_fr.format_map(fields), fix_fr.format_map(fields)
    return problem_en.format_map(fields), fix_en.format_map(fields)


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


# What each issue code means, in a few words, for tables of counts (the
# reports, the annotated copy's Problems sheet): (English, French). The
# coordinator's full sentence with its fix is in FILE_MESSAGES / CELL_MESSAGES.
CODE_MEANINGS: dict[str, tuple[str, str]] = {
    "required": ("a required cell is empty", "une cellule obligatoire est vide"),
    "required_when_accepted": (
        "an accepted Connectee has no intake meeting date",
        "un connecté accepté n'a pas de date de rencontre d'accueil",
    ),
    "bad_date": ("a date cannot be read", "une date ne peut pas être lue"),
    "date_out_of_range": (
        f"a date is before {PROGRAM_START.year} or after the reporting quarter",
        f"une date est antérieure à {PROGRAM_START.year} ou postérieure au trimestre déclaré",
    ),
    "bad_yes_no": (
        "a Yes/No cell holds something else",
        "une cellule Oui/Non contient autre chose",
    ),
    "bad_choice": (
        "a value is not one of the column's choices",
        "une valeur ne fait pas partie des choix de la colonne",
    ),
    "bad_email": ("an email address is not valid", "une adresse courriel n'est pas valide"),
    "bad_noc": (
        "a NOC code is not a valid NOC 2021 code",
        "un code CNP n'est pas un code CNP 2021 valide",
    ),
    "duplicate_id": (
        "an ID appears more than once in a sheet",
        "un identifiant apparaît plus d'une fois dans une feuille",
    ),
    "unknown_connectee": (
        "an introduction or job names a Connectee ID never submitted",
        "une présentation ou un emploi nomme un identifiant de connecté jamais soumis",
    ),
    "unknown_connector": (
        "an introduction names a Connector ID never submitted",
        "une présentation nomme un identifiant de connecteur jamais soumis",
    ),
    "id_in_rejected_row": (
        "an ID's own row has errors, so the rows naming it do not count either",
        "la ligne d'un identifiant a des erreurs : les lignes qui le nomment ne comptent pas non plus",
    ),
    "id_not_in_workbook": (
        "an ID is not in this workbook (looked up in earlier submissions)",
        "un identifiant n'est pas dans ce classeur (cherché dans les soumissions précédentes)",
    ),
    "category_not_eligible": (
        "a Connectee's category is not accepted by the community's program",
        "la catégorie d'un connecté n'est pas admise par le programme de la communauté",
    ),
    "unknown_column": (
        "a column is not part of the template (ignored)",
        "une colonne ne fait pas partie du modèle (ignorée)",
    ),
    "duplicate_column": (
        "a column appears twice (the second is ignored)",
        "une colonne apparaît deux fois (la seconde est ignorée)",
    ),
    "submission_field_blank": (
        "a required field of the Submission sheet is empty",
        "un champ obligatoire de la feuille Soumission est vide",
    ),
    "submission_field": (
        "a field of the Submission sheet is not valid",
        "un champ de la feuille Soumission n'est pas valide",
    ),
    "empty_file": ("the file is empty", "le fichier est vide"),
    "unreadable": ("the file cannot be opened", "le fichier ne peut pas être ouvert"),
    "too_large": (
        "the file is far larger than any submission",
        "le fichier est bien plus gros qu'une soumission",
    ),
    "too_large_unpacked": (
        "the workbook unpacks to far more than any submission",
        "le classeur décompressé est bien plus gros qu'une soumission",
    ),
    "password_protected": (
        "the workbook is password-protected",
        "le classeur est protégé par un mot de passe",
    ),
    "old_xls": ("an old-format Excel file (.xls)", "un fichier Excel d'ancien format (.xls)"),
    "not_xlsx_text": (
        "a text or CSV file with an Excel file name",
        "un fichier texte ou CSV qui porte un nom de fichier Excel",
    ),
    "not_xlsx_html": (
        "a web page with an Excel file name",
        "une page Web qui porte un nom de fichier Excel",
    ),
    "not_xlsx_zip": ("a zip archive, not a workbook", "une archive zip, pas un classeur"),
    "not_xlsx": ("not a readable .xlsx workbook", "pas un classeur .xlsx lisible"),
    "corrupt": ("the workbook is damaged or incomplete", "le classeur est endommagé ou incomplet"),
    "unsafe_xml": (
        "the workbook holds XML Excel never writes (refused for safety)",
        "le classeur contient du XML qu'Excel n'écrit jamais (refusé par sécurité)",
    ),
    "unreadable_sheet": ("a sheet cannot be read", "une feuille ne peut pas être lue"),
    "sheet_too_large": (
        "a sheet reaches far beyond any submission's data",
        "une feuille s'étend bien au-delà des données d'une soumission",
    ),
    "missing_sheet": ("a required sheet is missing", "une feuille obligatoire manque"),
    "missing_column": ("a required column is missing", "une colonne obligatoire manque"),
    "missing_community": (
        "the Submission sheet has no community code",
        "la feuille Soumission n'a pas de code de communauté",
    ),
    "unknown_community": (
        "the community code is not in the registry",
        "le code de communauté n'est pas dans le registre",
    ),
    "bad_quarter": (
        "the reporting quarter cannot be read",
        "le trimestre déclaré ne peut pas être lu",
    ),
    "bad_submitted_on": (
        "the Submitted on date cannot be read",
        "la date Soumis le ne peut pas être lue",
    ),
    "excel_error": (
        "a cell holds an Excel error value such as #N/A (a failed formula)",
        "une cellule contient une valeur d'erreur Excel comme #N/A (une formule qui a échoué)",
    ),
    "submission_excel_error": (
        "a required field of the Submission sheet holds an Excel error value",
        "un champ obligatoire de la feuille Soumission contient une valeur d'erreur Excel",
    ),
    "jobs_sheet_empty": (
        "Tracks jobs is Yes but the Jobs sheet is empty or missing",
        "Suivi des emplois est Oui mais la feuille Emplois est vide ou absente",
    ),
    "ods_file": (
        "an OpenDocument spreadsheet (.ods), not an .xlsx workbook",
        "un classeur OpenDocument (.ods), pas un classeur .xlsx",
    ),
    "numbers_file": (
        "an Apple Numbers spreadsheet, not an .xlsx workbook",
        "une feuille de calcul Apple Numbers, pas un classeur .xlsx",
    ),
    "csv_file": (
        "a CSV text file, not an .xlsx workbook",
        "un fichier texte CSV, pas un classeur .xlsx",
    ),
}


def code_meaning(code: str, lang: str = "en") -> str:
    """The few words that say what ``code`` means, in ``lang``; the code itself if unknown."""
    pair = CODE_MEANINGS.get(code)
    if pair is None:
        return code.replace("_", " ")
    return pair[1] if lang == "fr" else pair[0]


# counting-rules.md, Jobs: why a job does not count, in the order the reasons
# are tried. code -> ((English label, English sentence), (French label, French sentence)).
JOB_REASONS: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {
    "withdrawn": (
        ("Withdrawn", "the community withdrew the job record"),
        ("Retiré", "la communauté a retiré la fiche de l'emploi"),
    ),
    "connectee_not_onboarded": (
        ("Connectee not onboarded", "the Connectee was not onboarded in that community"),
        ("Connecté non intégré", "le connecté n'a pas été intégré dans cette communauté"),
    ),
    "before_program": (
        ("Started before intake", "the job started before the Connectee's intake meeting"),
        (
            "Commencé avant l'accueil",
            "l'emploi a commencé avant la rencontre d'accueil du connecté",
        ),
    ),
    "not_in_field": (
        ("Not in field", "the job is not in the Connectee's field"),
        ("Hors du domaine", "l'emploi n'est pas dans le domaine du connecté"),
    ),
    "below_experience": (
        ("Below experience", "the job is below the level of the Connectee's experience"),
        ("Sous l'expérience", "l'emploi est sous le niveau de l'expérience du connecté"),
    ),
    "noc_other_field": (
        (
            "NOC: other field",
            "the job's occupation (NOC) is in another broad category than the Connectee's home occupation",
        ),
        (
            "CNP : autre domaine",
            "la profession de l'emploi (CNP) est dans une autre grande catégorie que la profession d'origine du connecté",
        ),
    ),
    "noc_lower_teer": (
        (
            "NOC: lower TEER",
            "the job's occupation (NOC) is at a lower skill level (TEER) than the Connectee's home occupation",
        ),
        (
            "CNP : FEER inférieure",
            "la profession de l'emploi (CNP) est d'un niveau de compétence (FEER) inférieur à la profession d'origine du connecté",
        ),
    ),
}


def job_reason(code: str, lang: str = "en") -> tuple[str, str]:
    """(label, sentence) for why a job does not count, in ``lang``."""
    english, french = JOB_REASONS[code]
    return french if lang == "fr" else english
