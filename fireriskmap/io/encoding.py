"""Text encodings of legacy files: a Shapefile's DBF and delimited text (CSV).

Chinese offices still exchange Shapefiles written by ArcGIS/SuperMap on Chinese Windows: the DBF
holds GBK text, often without a ``.cpg`` beside it, and GDAL then decodes it as Latin-1 (mojibake
such as ``Ïû»ðË¨``). :func:`detect_dbf_encoding` decides, in this order:

1. the ``.cpg`` file, when present (``UTF-8``, ``GBK``, ``936``, ``ANSI 936`` ...);
2. the DBF header's language-driver id (byte 29), when it names a specific code page
   (``0x4D``/``0x7A`` = code page 936, GBK);
3. the bytes themselves (field names and records): valid UTF-8 with non-ASCII text → UTF-8;
   else valid GB18030 decoding mostly to Chinese characters → GB18030 (a superset of GBK);
   else charset-normalizer's best guess; else Latin-1 (which never fails).

The name returned is a Python codec name suitable for ``pyogrio.read_dataframe(encoding=...)``.
"""

from __future__ import annotations

import codecs
import re
import struct
from dataclasses import dataclass
from pathlib import Path

__all__ = ["EncodingGuess", "detect_dbf_encoding", "detect_text_encoding", "normalise_codepage",
           "find_sidecar", "LDID_CODEPAGES"]

# DBF language driver id → code page (as in GDAL's shape driver / ESRI's table).
LDID_CODEPAGES: dict[int, str] = {
    0x01: "cp437", 0x02: "cp850", 0x03: "cp1252", 0x08: "cp865", 0x09: "cp437", 0x0A: "cp850",
    0x0B: "cp437", 0x0D: "cp437", 0x0E: "cp850", 0x0F: "cp437", 0x10: "cp850", 0x11: "cp437",
    0x12: "cp850", 0x13: "cp932", 0x14: "cp850", 0x15: "cp437", 0x16: "cp850", 0x17: "cp865",
    0x18: "cp437", 0x19: "cp437", 0x1A: "cp850", 0x1B: "cp437", 0x1C: "cp863", 0x1D: "cp850",
    0x1F: "cp852", 0x22: "cp852", 0x23: "cp852", 0x24: "cp860", 0x25: "cp850", 0x26: "cp866",
    0x37: "cp850", 0x40: "cp852",
    0x4D: "gb18030", 0x4E: "cp949", 0x4F: "big5", 0x50: "cp874",
    0x58: "cp1252", 0x59: "cp1252", 0x64: "cp852", 0x65: "cp866", 0x66: "cp865", 0x67: "cp861",
    0x6A: "cp737", 0x6B: "cp857", 0x6C: "cp863",
    0x78: "big5", 0x79: "cp949", 0x7A: "gb18030", 0x7B: "cp932", 0x7C: "cp874",
    0x86: "cp737", 0x87: "cp852", 0x88: "cp857",
    0xC8: "cp1250", 0xC9: "cp1251", 0xCA: "cp1254", 0xCB: "cp1253", 0xCC: "cp1257",
}
# 0x00 (none) and 0x57 ("ANSI": the writer's system code page) say nothing useful.
_CJK_LDIDS = {0x4D, 0x4E, 0x4F, 0x78, 0x79, 0x7A, 0x7B, 0x13}

_SAMPLE_BYTES = 1 << 20  # look at the first MiB of records
_CJK_RE = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")


@dataclass(frozen=True)
class EncodingGuess:
    """An encoding and how it was found: 'cpg', 'ldid', 'content', 'bom', 'default' or 'user'."""

    encoding: str
    source: str


def normalise_codepage(text: str) -> str | None:
    """A Python codec name for a ``.cpg`` value or code page ('936', 'ANSI 936', 'GBK', 'UTF-8').

    Chinese code pages (936, GBK, GB2312, CP936) map to ``gb18030``, their superset.
    Returns ``None`` when the value is not understood.
    """
    word = text.strip().strip("\ufeff").strip().upper()
    if not word:
        return None
    word = re.sub(r"^(ANSI|OEM|CP|WINDOWS-|WINDOWS)\s*", "", word).strip()
    if word in {"936", "GBK", "GB2312", "GB18030", "EUC-CN", "GB_2312-80", "GB2312-80", "CHINESE"}:
        return "gb18030"
    if word in {"UTF-8", "UTF8", "65001"}:
        return "utf-8"
    if word in {"950", "BIG5", "BIG-5"}:
        return "big5"
    if word in {"88591", "8859-1", "ISO-8859-1", "ISO88591", "LATIN1", "LATIN-1"}:
        return "latin-1"
    if word.isdigit():
        if len(word) == 5 and word.startswith("8859"):  # 88592 .. 885915
            name = f"iso8859_{word[4:]}"
        else:
            name = f"cp{word}"
    else:
        name = word.lower()
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def find_sidecar(path: Path, suffix: str) -> Path | None:
    """The file beside ``path`` with ``suffix``, matching case-insensitively (a.SHP → a.cpg)."""
    exact = path.with_suffix(suffix)
    if exact.exists():
        return exact
    try:
        for candidate in path.parent.iterdir():
            if candidate.stem == path.stem and candidate.suffix.lower() == suffix.lower():
                return candidate
    except OSError:
        return None
    return None


def _dbf_text_sample(data: bytes) -> bytes:
    """Field names and character-field bytes of a DBF (header parsed; best effort)."""
    if len(data) < 32:
        return b""
    header_len, record_len = struct.unpack("<HH", data[8:12])
    names: list[bytes] = []
    char_fields: list[tuple[int, int]] = []  # (offset in record, length)
    pos, offset = 32, 1  # each record starts with a deletion flag byte
    while pos + 32 <= min(header_len, len(data)) and data[pos] != 0x0D:
        desc = data[pos:pos + 32]
        names.append(desc[:11].split(b"\x00", 1)[0])
        ftype, flen = desc[11:12], desc[16]
        if ftype in (b"C", b"M", b"V"):
            char_fields.append((offset, flen))
        offset += flen
        pos += 32
    parts = [b" ".join(names)]
    if record_len > 0 and char_fields:
        body = data[header_len:]
        n = len(body) // record_len
        for i in range(n):
            rec = body[i * record_len:(i + 1) * record_len]
            parts.extend(rec[o:o + ln].strip(b" \x00") for o, ln in char_fields)
    return b"\n".join(p for p in parts if p)


def _guess_from_bytes(sample: bytes) -> str | None:
    """UTF-8, GB18030 or charset-normalizer's guess for ``sample``; None when it is pure ASCII."""
    if not sample or max(sample) < 0x80:
        return None
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        # a sample cut in the middle of a character fails only at its very end
        if exc.start >= len(sample) - 3:
            try:
                sample[:exc.start].decode("utf-8")
                if max(sample[:exc.start], default=0) >= 0x80:
                    return "utf-8"
            except UnicodeDecodeError:
                pass
    try:
        text = sample.decode("gb18030")
    except UnicodeDecodeError as exc:
        text = sample[:exc.start].decode("gb18030", errors="replace") if exc.start > len(sample) - 3 else ""
    if text:
        non_ascii = [c for c in text if ord(c) >= 0x80]
        if non_ascii and sum(bool(_CJK_RE.match(c)) for c in non_ascii) >= 0.9 * len(non_ascii):
            return "gb18030"
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(sample).best()
        if best is not None and best.encoding:
            name = normalise_codepage(best.encoding) or best.encoding
            return "gb18030" if name in {"gbk", "gb2312", "cp936", "hz"} else name
    except Exception:  # charset-normalizer is a helper only
        pass
    return None


def detect_dbf_encoding(path: str | Path, *, dbf_bytes: bytes | None = None,
                        cpg_text: str | None = None) -> EncodingGuess:
    """Detect the text encoding of a Shapefile's attribute table.

    Parameters
    ----------
    path : str or Path
        The ``.shp`` (or ``.dbf``) file; the ``.cpg`` and ``.dbf`` beside it are read.
    dbf_bytes, cpg_text : optional
        Contents supplied directly (e.g. read from a zip archive); then no file is opened.

    Returns
    -------
    EncodingGuess
        ``encoding`` is a Python codec name (``'gb18030'`` for GBK data), ``source`` tells
        which rule decided.
    """
    path = Path(path)
    if cpg_text is None and dbf_bytes is None:
        cpg = find_sidecar(path, ".cpg")
        if cpg is not None:
            try:
                cpg_text = cpg.read_text(encoding="ascii", errors="ignore")
            except OSError:
                cpg_text = None
        dbf = path if path.suffix.lower() == ".dbf" else find_sidecar(path, ".dbf")
        if dbf is not None:
            try:
                with dbf.open("rb") as fh:
                    dbf_bytes = fh.read(_SAMPLE_BYTES)
            except OSError:
                dbf_bytes = None
    if cpg_text:
        name = normalise_codepage(cpg_text)
        if name:
            return EncodingGuess(name, "cpg")
    data = dbf_bytes or b""
    ldid = data[29] if len(data) > 29 else 0
    sample = _dbf_text_sample(data)
    if ldid in _CJK_LDIDS:
        return EncodingGuess(LDID_CODEPAGES[ldid], "ldid")
    guess = _guess_from_bytes(sample)
    if guess:
        return EncodingGuess(guess, "content")
    if ldid in LDID_CODEPAGES:
        return EncodingGuess(LDID_CODEPAGES[ldid], "ldid")
    # pure ASCII (or nothing to look at): UTF-8 reads it correctly
    return EncodingGuess("utf-8", "default")


def detect_text_encoding(data: bytes) -> EncodingGuess:
    """Detect the encoding of delimited text: BOM, else UTF-8, else GB18030, else a guess.

    Parameters
    ----------
    data : bytes
        The file's bytes (or a large leading part of them).
    """
    if data.startswith(codecs.BOM_UTF8):
        return EncodingGuess("utf-8-sig", "bom")
    if data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        return EncodingGuess("utf-16", "bom")
    guess = _guess_from_bytes(data)
    if guess:
        return EncodingGuess(guess, "content")
    return EncodingGuess("utf-8", "default")
