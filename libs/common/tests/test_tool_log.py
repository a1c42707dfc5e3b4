from pathlib import Path

from greenroom_common.tool_log import complaint

LOG = """Truncating packet of size 8837 to 4995
[matroska,webm @ 0x55c719c881c0] EBML header parsing failed
/tmp/greenroom-ingest-k2j/upload.webm: Invalid data found when processing input
"""


def test_the_complaint_keeps_what_went_wrong_without_paths_or_addresses() -> None:
    said = complaint(LOG, Path("/tmp/greenroom-ingest-k2j/upload.webm"))
    assert said == ("Truncating packet of size 8837 to 4995 EBML header parsing failed "
                    "upload: Invalid data found when processing input")


def test_a_long_log_keeps_its_last_words() -> None:
    said = complaint("x" * 500 + "\nthe end", Path("/tmp/a.webm"))
    assert len(said) == 200 and said.endswith("the end")


def test_a_file_beside_the_source_is_named_without_its_folder() -> None:
    said = complaint("/tmp/greenroom-ingest-k2j/audio.wav: No space left on device",
                     Path("/tmp/greenroom-ingest-k2j/upload.webm"))
    assert said == "audio.wav: No space left on device"
