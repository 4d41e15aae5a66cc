"""The terminal's screens about updates (docs/board.md "Updates"), 4 x 20 ASCII French:
taken, refused (one line for each refusal of protocol/update_manifest.REASONS), switching,
rolled back. Loaded with the update modules only."""

# The second line of a refusal (at most 20 characters), by UpdateRefused.reason.
WHY = {
    "signature": "Signature invalide",
    "threshold": "Signatures insuff.",
    "key": "Cle inconnue",
    "board": "Autre modele",
    "counter": "Version ancienne",
    "format": "Format non lu",
    "size": "Image trop grande",
    "chunk": "Bloc errone",
    "image": "Image invalide",
    "failed": "Deja en echec",
    "boot": "Demarrage echoue",
    "busy": "Autre mise a jour",
    "storage": "Pas d'emplacement",
    "malformed": "Message illisible",
}


def refused(reason, running):
    """An update refused: why, and that the version running stays."""
    return ["Mise a jour refusee", WHY.get(reason, "Refusee"), _keeps(running), "OK: continuer"]


def _keeps(version):
    line = "Version %s gardee" % version
    return line if len(line) <= 20 else "Version gardee"


def ready(version):
    line = "Mise a jour %s" % version
    return [line[:20], "recue et verifiee", "Installee au repos", ""]


def switching(version):
    line = "Mise a jour %s" % version
    return [line[:20], "Redemarrage...", "Ne pas eteindre", ""]


def rolled_back(version, running):
    """The version on trial did not confirm itself: the one before runs again."""
    line = "MAJ %s echouee" % version
    return [
        line if len(line) <= 20 else "Mise a jour echouee",
        "Demarrage echoue",
        _keeps(running),
        "OK: continuer",
    ]


def confirmed(version):
    line = "Version %s" % version
    return [line[:20], "installee", "Feuilles conservees", "OK: continuer"]


def damaged():
    """The slot to boot failed its digest: the factory image runs."""
    return ["Image endommagee", "Version d'usine", "Synchronisez le", "terminal: OK"]
