"""What a media tool's log may tell a candidate.

ffprobe/ffmpeg name the file by its path in a service's temporary folder and prefix their
lines with the decoder's memory address ("[matroska,webm @ 0x55d0...]"): neither is news to
the candidate, and both leak how a service is laid out. What is left is the complaint itself.
"""

from __future__ import annotations

import re
from pathlib import Path

_ADDRESSED = re.compile(r"\[[^\]@]*@ *0x[0-9a-fA-F]+\] ?")
_MOST = 200


def complaint(logged: str, source: Path, name: str = "upload") -> str:
    """The tool's last words about ``source``, with its path replaced by ``name`` (and the
    folder dropped from the path of any file beside it, such as the tool's output), the
    addresses dropped, on one line and at most 200 characters."""
    text = logged.replace(str(source), name)
    if source.is_absolute():
        text = text.replace(f"{source.parent}/", "")
    text = _ADDRESSED.sub("", text)
    text = " ".join(line.strip() for line in text.splitlines() if line.strip())
    return text[-_MOST:]
