"""Build the vendored Chinese UI/map font: a subset of Noto Sans CJK SC, renamed 'Noto Sans SC'.

A dev-time tool (needs ``fonttools``, not a runtime dependency). Run from the repository root::

    python fireriskmap/resources/fonts/make_subset.py \
        --regular /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc \
        --bold /usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc

(the defaults are those Debian ``fonts-noto-cjk`` paths). It extracts the Simplified Chinese face
from each TTC collection, keeps the characters listed in :func:`wanted_codepoints` (ASCII, Latin-1
and Latin Extended for pinyin, general punctuation, letterlike symbols, arrows, Roman numerals,
circled numbers, CJK symbols and punctuation, full-width forms, every character of GB2312 and of
GBK, and every character used in the repository's layer specs, styles and translation catalogues),
renames the family to ``Noto Sans SC`` (the reserved font name of the OFL licence is 'Source',
not 'Noto') and writes ``NotoSansSC-Regular.otf`` and ``NotoSansSC-Bold.otf`` next to this script.
The Bold face (for headings) keeps GB2312 instead of GBK unless ``--bold-gbk`` is given; Qt falls
back to the Regular face for a rare character. ``--no-gbk`` does the same for the Regular face.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
FAMILY = "Noto Sans SC"
DEFAULT_REGULAR = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
DEFAULT_BOLD = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"

# Unicode blocks kept whole (inclusive ranges).
RANGES: list[tuple[int, int]] = [
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x00FF),  # Latin-1 supplement (°, ±, ×, ·, ²)
    (0x0100, 0x024F),  # Latin Extended-A/B (pinyin tone marks: ā á ǎ à ǖ)
    (0x02C6, 0x02DD),  # spacing modifiers (ˇ ˉ ˊ ˋ)
    (0x0391, 0x03C9),  # basic Greek (α, β, λ in formulas)
    (0x2000, 0x206F),  # general punctuation (— ‘ ’ “ ” … ‰ ※)
    (0x2070, 0x209F),  # super/subscripts
    (0x20AC, 0x20AC),  # euro sign
    (0x2100, 0x214F),  # letterlike (℃ № ℉)
    (0x2150, 0x218F),  # number forms, Roman numerals Ⅰ–Ⅻ
    (0x2190, 0x21FF),  # arrows
    (0x2200, 0x22FF),  # mathematical operators (≤ ≥ ≈ ≠ √ ∑)
    (0x2460, 0x24FF),  # enclosed alphanumerics ① ⑴ ⒈
    (0x2500, 0x257F),  # box drawing
    (0x25A0, 0x25FF),  # geometric shapes ■ □ ▲ △ ● ○ ◐
    (0x2600, 0x26FF),  # misc symbols ★ ☆ ☐ ☑
    (0x2713, 0x2717),  # check and cross marks ✓ ✔ ✕ ✗
    (0x3000, 0x303F),  # CJK symbols and punctuation
    (0x3200, 0x32FF),  # enclosed CJK ㈠ ㊣
    (0x3300, 0x33FF),  # CJK compatibility ㎡ ㎞ ㎏
    (0xFE30, 0xFE4F),  # CJK compatibility forms (vertical punctuation)
    (0xFF00, 0xFFEF),  # half-width and full-width forms
]


def gb2312_chars() -> set[str]:
    """Every character of GB2312 (all valid two-byte code points, hanzi and symbols)."""
    out: set[str] = set()
    for lead in range(0xA1, 0xF8):
        for trail in range(0xA1, 0xFF):
            try:
                out.add(bytes((lead, trail)).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return out


def gbk_chars() -> set[str]:
    """Every character of GBK (the Windows code page 936 superset of GB2312)."""
    out: set[str] = set()
    for lead in range(0x81, 0xFF):
        for trail in range(0x40, 0xFF):
            if trail == 0x7F:
                continue
            try:
                out.add(bytes((lead, trail)).decode("gbk"))
            except UnicodeDecodeError:
                pass
    return out


def repo_chars(root: Path = REPO) -> set[str]:
    """Characters used in the layer specs, styles and translation catalogues of the repository."""
    files = [*sorted((root / "layers").glob("*.toml")),
             *sorted((root / "styles").glob("*.toml")),
             *sorted((root / "fireriskmap" / "resources" / "translations").glob("*.toml"))]
    out: set[str] = set()
    for path in files:
        out.update(path.read_text(encoding="utf-8"))
    return {c for c in out if ord(c) >= 0x20}


def wanted_codepoints(*, gbk: bool = True) -> list[int]:
    """The sorted list of code points to keep."""
    chars: set[str] = set()
    for lo, hi in RANGES:
        chars.update(chr(c) for c in range(lo, hi + 1))
    chars |= gb2312_chars()
    if gbk:
        chars |= gbk_chars()
    chars |= repo_chars()
    return sorted(ord(c) for c in chars if len(c) == 1)


def sc_face(ttc_path: str | Path) -> TTFont:
    """The Simplified Chinese face ('Noto Sans CJK SC') of a Noto CJK collection."""
    collection = TTCollection(str(ttc_path))
    for font in collection.fonts:
        if font["name"].getDebugName(1) == "Noto Sans CJK SC":
            return font
    raise SystemExit(f"{ttc_path}: no 'Noto Sans CJK SC' face")


def rename(font: TTFont, style: str) -> None:
    """Rename the family to 'Noto Sans SC' (name table and CFF names), keeping the style."""
    ps_name = f"{FAMILY.replace(' ', '')}-{style}"
    version = font["name"].getDebugName(5) or ""
    names = {
        1: FAMILY,
        2: style,
        3: f"{version.split(';')[0].replace('Version ', '')};fireriskmap-subset;{ps_name}",
        4: f"{FAMILY} {style}",
        6: ps_name,
    }
    table = font["name"]
    for record in list(table.names):
        if record.nameID in (16, 17, 21, 22):
            table.removeNames(nameID=record.nameID)
    for name_id, text in names.items():
        for record in [r for r in table.names if r.nameID == name_id]:
            record.string = text
        if not any(r.nameID == name_id for r in table.names):
            table.setName(text, name_id, 3, 1, 0x409)
    if "CFF " in font:
        cff = font["CFF "].cff
        cff.fontNames = [ps_name]
        top = cff.topDictIndex[0]
        top.FullName = f"{FAMILY} {style}"
        top.FamilyName = FAMILY
        if hasattr(top, "CIDFontName"):
            top.CIDFontName = ps_name


def build(source: str | Path, style: str, codepoints: list[int], out: Path) -> Path:
    """Subset the SC face of ``source`` to ``codepoints`` and save it as ``out``."""
    font = sc_face(source)
    options = subset.Options()
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.glyph_names = False
    # default OpenType features (ccmp, kern, vert, ...) without 'locl': the SC face's default
    # glyphs already have the Simplified Chinese forms, and 'locl' (like "*" with aalt, jp78,
    # trad, ...) pulls in the Japanese/Korean/Traditional variants, which doubles the file
    options.layout_features = [f for f in options.layout_features if f != "locl"]
    options.hinting = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=codepoints)
    subsetter.subset(font)
    rename(font, style)
    out.parent.mkdir(parents=True, exist_ok=True)
    font.save(str(out))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--regular", default=DEFAULT_REGULAR, help="NotoSansCJK-Regular.ttc")
    parser.add_argument("--bold", default=DEFAULT_BOLD, help="NotoSansCJK-Bold.ttc ('' to skip)")
    parser.add_argument("--no-gbk", action="store_true", help="Regular: GB2312 only, not all of GBK")
    parser.add_argument("--bold-gbk", action="store_true",
                        help="Bold: all of GBK too (default: GB2312, enough for headings)")
    parser.add_argument("--out", default=str(HERE), help="output folder")
    args = parser.parse_args(argv)
    out = Path(args.out)
    jobs = [(args.regular, "Regular", not args.no_gbk)]
    if args.bold:
        jobs.append((args.bold, "Bold", args.bold_gbk))
    for source, style, gbk in jobs:
        codepoints = wanted_codepoints(gbk=gbk)
        path = build(source, style, codepoints, out / f"NotoSansSC-{style}.otf")
        print(f"{path}: {len(codepoints)} code points, {path.stat().st_size / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
