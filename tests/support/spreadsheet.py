"""LibreOffice as the spreadsheet oracle: recalculate a workbook headless and read back the values."""

import shutil
import subprocess
import tempfile
from pathlib import Path

# Recalculate every formula on load, even in workbooks that carry cached values.
_ALWAYS_RECALCULATE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">
<value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse">
<value>0</value></prop></item>
</oor:items>
"""


class SpreadsheetUnavailable(RuntimeError):
    """LibreOffice is not installed."""


def soffice() -> str:
    """The LibreOffice binary, or SpreadsheetUnavailable."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        raise SpreadsheetUnavailable("soffice not found; `make test` installs libreoffice-calc-nogui")
    return found


def recalculate(workbook: Path) -> Path:
    """A copy of the workbook recalculated by LibreOffice, with every formula's value cached in it."""
    work = Path(tempfile.mkdtemp(prefix="benefits-calc-"))
    profile = work / "profile"
    (profile / "user").mkdir(parents=True)
    (profile / "user" / "registrymodifications.xcu").write_text(_ALWAYS_RECALCULATE, encoding="utf-8")
    out = work / "out"
    out.mkdir()
    subprocess.run(
        [
            soffice(),
            "--headless",
            "--norestore",
            f"-env:UserInstallation={profile.as_uri()}",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(out),
            str(workbook),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    result = out / workbook.name
    if not result.exists():
        raise RuntimeError(f"LibreOffice wrote no {result.name}")
    return result
