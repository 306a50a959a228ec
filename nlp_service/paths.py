"""Where bundled artifacts live, independent of the current working directory."""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent
# `models/` holds the small trained artifacts that `training/` writes (sentiment head, demo
# topics). From a source checkout (editable install) it sits next to the package; an installed
# wheel points NLP_SERVICE_MODELS_DIR at its copy (see Dockerfile).
MODELS_DIR = REPO_DIR / "models"
