"""The shipped Chinese font registers with Qt and covers the characters the app needs."""

from __future__ import annotations

from PyQt6.QtGui import QFont, QFontDatabase, QFontMetrics, QRawFont

from fireriskmap import fonts
from fireriskmap.paths import fonts_dir

SAMPLE = "集中连片烟囱楼消火栓乡镇火灾风险地图（红橙黄蓝灰）"


def test_font_files_are_shipped_with_licence():
    for name in fonts.FONT_FILES:
        path = fonts_dir() / name
        assert path.is_file(), path
        assert path.stat().st_size < 10.5e6, f"{name} is {path.stat().st_size / 1e6:.1f} MB"
    licence = (fonts_dir() / "OFL.txt").read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence
    assert "Copyright 2014-2021 Adobe" in licence


def test_register_fonts_is_idempotent_and_names_the_family(qapp):
    family = fonts.register_fonts()
    assert family == fonts.FAMILY
    assert fonts.register_fonts() == family
    assert family in QFontDatabase.families()


def test_chinese_glyphs_are_in_the_shipped_font(qapp):
    path = fonts_dir() / "NotoSansSC-Regular.otf"
    raw = QRawFont(str(path), 16)
    assert raw.isValid()
    assert raw.familyName() == fonts.FAMILY
    missing = [ch for ch in SAMPLE if not raw.supportsCharacter(ch)]
    assert not missing
    # a rare GBK character and a full-width form are in; a Japanese-only kana is not needed
    assert raw.supportsCharacter("堃") and raw.supportsCharacter("，")


def test_app_font_uses_the_family(qapp):
    font = fonts.app_font(11)
    assert font.families()[0] == fonts.FAMILY
    metrics = QFontMetrics(QFont(fonts.FAMILY, 12))
    assert all(metrics.inFontUcs4(ord(ch)) for ch in "集中连片烟囱楼")


def test_bold_face_exists(qapp):
    fonts.register_fonts()
    styles = QFontDatabase.styles(fonts.FAMILY)
    assert "Bold" in styles and "Regular" in styles
