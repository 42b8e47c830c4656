"""Translation catalogues: zh_CN and en hold the same keys; Chinese is the default."""

from __future__ import annotations

import re

from fireriskmap import i18n
from fireriskmap.errors import ProjectFileError


def test_catalogues_have_the_same_keys():
    zh = i18n.catalogue("zh_CN")
    en = i18n.catalogue("en")
    assert zh, "no Chinese catalogue"
    assert set(zh) == set(en), sorted(set(zh) ^ set(en))


def test_placeholders_match():
    zh = i18n.catalogue("zh_CN")
    en = i18n.catalogue("en")
    for key in zh:
        assert set(re.findall(r"{(\w+)}", zh[key])) == set(re.findall(r"{(\w+)}", en[key])), key


def test_chinese_catalogue_is_chinese():
    zh = i18n.catalogue("zh_CN")
    with_hanzi = [k for k, v in zh.items() if re.search(r"[\u4e00-\u9fff]", v)]
    assert len(with_hanzi) >= 0.9 * len(zh)


def test_default_language_and_switch(monkeypatch):
    monkeypatch.delenv("FIRERISKMAP_LANG", raising=False)
    monkeypatch.setattr(i18n, "_current", None)
    assert i18n.current_language() == "zh_CN"
    assert i18n.tr("error.cancelled") == "已取消"
    assert i18n.tr("error.cancelled", lang="en") == "Cancelled"
    monkeypatch.setenv("FIRERISKMAP_LANG", "en_US.UTF-8")
    assert i18n.current_language() == "en"


def test_missing_key_falls_back_to_key():
    assert i18n.tr("no.such.key") == "no.such.key"


def test_error_message_follows_language(monkeypatch):
    err = ProjectFileError(file="x.gpkg", problem="p")
    monkeypatch.setattr(i18n, "_current", "en")
    assert str(err).startswith("Cannot open")
    monkeypatch.setattr(i18n, "_current", "zh_CN")
    assert str(err).startswith("无法打开")
