"""Front-end packages from the npm registry (installed by `make run`), served as they are."""
from __future__ import annotations

from flask import Blueprint, Response, abort, send_from_directory

from ..config import REPO_ROOT

NODE_MODULES = REPO_ROOT / "node_modules"
VENDOR = {
    "bpmn-js": NODE_MODULES / "bpmn-js" / "dist",
    "nlds": NODE_MODULES / "@utrecht" / "component-library-css" / "dist",
}

bp = Blueprint("assets", __name__)


@bp.get("/vendor/<package>/<path:filename>")
def vendor(package: str, filename: str) -> Response:
    if package not in VENDOR or not VENDOR[package].is_dir():
        abort(404)
    return send_from_directory(VENDOR[package], filename, max_age=86400)


def nlds_available() -> bool:
    return (VENDOR["nlds"] / "index.css").is_file()


def diagram_viewer_available() -> bool:
    """bpmn-js is installed (make assets): diagrams are drawn; the tables stand without."""
    return (VENDOR["bpmn-js"] / "bpmn-viewer.production.min.js").is_file()
