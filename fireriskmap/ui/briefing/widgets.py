"""The parts of the briefing screen: text that sizes itself to its box, KPI cards, the level card,
the ranked list, two charts drawn in the dark theme and the area card of the guided tour.

Every text is set in pixels (``QFont.setPixelSize``) from the screen's unit and shrinks, never
elides, until it fits its box: what the wall shows is always the whole text.
"""

from __future__ import annotations


from PyQt6.QtCore import QRect, QRectF, Qt, pyqtSignal
from PyQt6.QtGui import QColor, QFont, QFontMetricsF, QImage, QLinearGradient, QPainter, QPen, QPixmap
from PyQt6.QtWidgets import QAbstractButton, QFrame, QLabel, QPushButton, QWidget

from fireriskmap.fonts import font_families
from fireriskmap.i18n import tr

TEXT_FLAGS = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop


def make_font(px: float, *, bold: bool = False) -> QFont:
    font = QFont()
    font.setFamilies(font_families())
    font.setPixelSize(max(1, int(px)))
    font.setBold(bold)
    font.setStyleStrategy(QFont.StyleStrategy.PreferAntialias)
    font.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
    return font


def text_size(font: QFont, text: str, width: float, *, wrap: bool) -> tuple[float, float]:
    """(width, height) the text needs in ``font`` (wrapped to ``width`` when ``wrap``)."""
    fm = QFontMetricsF(font)
    flags = int(TEXT_FLAGS.value) | (int(Qt.TextFlag.TextWordWrap.value) if wrap else 0)
    rect = fm.boundingRect(QRectF(0, 0, max(1.0, width) if wrap else 1e6, 1e6), flags, text)
    return rect.width(), rect.height()


def fits(font: QFont, text: str, width: float, height: float, *, wrap: bool) -> bool:
    w, h = text_size(font, text, width, wrap=wrap)
    return w <= width + 0.01 and h <= height + 0.01


def fit_px(text: str, width: float, height: float, max_px: float, min_px: float, *, bold: bool = False,
           wrap: bool = False) -> int:
    """The largest pixel size in [min_px, max_px] at which ``text`` fits ``width`` × ``height``."""
    lo, hi = max(1, int(min_px)), max(1, int(max_px))
    if not text or fits(make_font(hi, bold=bold), text, width, height, wrap=wrap):
        return hi
    if not fits(make_font(lo, bold=bold), text, width, height, wrap=wrap):
        # below the floor: keep shrinking rather than cut the text
        while lo > 6 and not fits(make_font(lo, bold=bold), text, width, height, wrap=wrap):
            lo -= 1
        return lo
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if fits(make_font(mid, bold=bold), text, width, height, wrap=wrap):
            lo = mid
        else:
            hi = mid
    return lo


class FitLabel(QLabel):
    """A label whose font shrinks (from ``max_px`` down) until the whole text fits its box."""

    def __init__(self, parent: QWidget | None = None, *, max_px: float = 20, min_px: float = 12, bold: bool = False,
                 wrap: bool = False, colour: str = "#eef4ff",
                 align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter) -> None:
        super().__init__(parent)
        self.max_px, self.min_px, self.bold = max_px, min_px, bold
        self.cap_px: float | None = None  # a row of labels shares one size: the smallest that fits all
        self.setWordWrap(wrap)
        self.setMargin(0)
        self.setIndent(0)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setAlignment(align)
        self.set_colour(colour)

    def set_colour(self, colour: str, background: str | None = None) -> None:
        bg = f"background: {background}; border-radius: 0px;" if background else "background: transparent;"
        self.setStyleSheet(f"QLabel {{ color: {colour}; {bg} padding: 0px; border: none; }}")

    def set_sizes(self, max_px: float, min_px: float) -> None:
        self.max_px, self.min_px = max_px, min_px
        self.refit()

    def setText(self, text: str) -> None:  # noqa: N802 - Qt name
        super().setText(text)
        self.refit()

    def refit(self) -> None:
        r = self.contentsRect()
        if r.width() < 2 or r.height() < 2:
            return
        top = self.max_px if self.cap_px is None else min(self.max_px, self.cap_px)
        px = fit_px(self.text(), r.width(), r.height(), top, min(self.min_px, top), bold=self.bold,
                    wrap=self.wordWrap())
        font = make_font(px, bold=self.bold)
        if font != self.font():
            self.setFont(font)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.refit()


class ToggleButton(QPushButton):
    """A map-layer toggle: key number, colour swatch and name; its font fits the button."""

    def __init__(self, key: str, colour: str, look, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key, self.colour, self.look = key, colour, look
        self.setCheckable(True)
        self.setChecked(True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.max_px = 20
        self.cap_px: float | None = None
        self.toggled.connect(lambda _on: self._restyle())
        self._restyle()

    def _restyle(self) -> None:
        c = self.look.panel
        on = self.isChecked()
        self.setStyleSheet(
            "QPushButton { color: %s; background: %s; border: %dpx solid %s; border-left: %dpx solid %s;"
            " border-radius: %dpx; padding: 0px %dpx; text-align: left; }"
            % (c["text"] if on else c["muted"], c["toggle_on"] if on else c["toggle_off"], max(1, self.max_px // 12),
               c["card_border"], max(3, self.max_px // 3), self.colour if on else c["card_border"],
               max(2, self.max_px // 4), max(4, self.max_px // 2)))

    def text_box(self) -> QRect:
        pad = max(4, self.max_px // 2)
        border = max(3, self.max_px // 3) + max(1, self.max_px // 12)
        return self.rect().adjusted(border + pad, 2, -pad - max(1, self.max_px // 12), -2)

    def refit(self) -> None:
        box = self.text_box()
        top = self.max_px if self.cap_px is None else min(self.max_px, self.cap_px)
        px = fit_px(self.text(), box.width(), box.height(), top, 8)
        self.setFont(make_font(px))
        self._restyle()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.refit()


class Card(QFrame):
    """A dark rounded panel."""

    def __init__(self, look, parent: QWidget | None = None, *, border: str | None = None) -> None:
        super().__init__(parent)
        self.look = look
        self.unit = 1.0
        self._border = border
        self.setObjectName("card")
        self._restyle()

    def set_border(self, colour: str | None) -> None:
        self._border = colour
        self._restyle()

    def _restyle(self) -> None:
        c = self.look.panel
        width = max(1, round(2 * self.unit)) if self._border else max(1, round(self.unit))
        self.setStyleSheet("QFrame#card { background: %s; border: %dpx solid %s; border-radius: %dpx; }"
                           % (c["card"], width, self._border or c["card_border"], max(2, round(8 * self.unit))))

    def set_unit(self, unit: float) -> None:
        self.unit = unit
        self._restyle()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._place()

    def _place(self) -> None:
        """Lay the card's texts out for its size and unit (subclasses)."""


def level_word(info) -> str:
    """The level's short label without the word the card title already says ('High' for 'High risk')."""
    from fireriskmap.export.briefing_data import level_short

    text = level_short(info)
    suffix = tr("brief.ui.level_suffix")
    if suffix.strip() and text.endswith(suffix) and len(text) > len(suffix):
        text = text[: -len(suffix)].strip()
    return text


def share_size(widgets) -> None:
    """Give ``widgets`` (FitLabels or ToggleButtons in a row) one size: the smallest that fits all."""
    widgets = [w for w in widgets if w.text()]
    for w in widgets:
        w.cap_px = None
        w.refit()
    if not widgets:
        return
    common = min(w.font().pixelSize() for w in widgets)
    for w in widgets:
        w.cap_px = common
        w.refit()


def _trend_colour(look, trend: int) -> str:
    return look.panel["good"] if trend > 0 else look.panel["bad"] if trend < 0 else look.panel["neutral"]


def delta_text(kpi) -> str:
    if kpi.delta is None or not kpi.delta_text:
        return ""
    if kpi.delta == 0:
        return tr("brief.ui.delta_same")
    return tr("brief.ui.delta", arrow="▲" if kpi.delta > 0 else "▼", change=kpi.delta_text.lstrip("+−"))


class KpiCard(Card):
    """Title, big value, change since the snapshot (its own row when any card has one), and a note."""

    def __init__(self, look, parent: QWidget | None = None) -> None:
        super().__init__(look, parent)
        c = look.panel
        self.title = FitLabel(self, colour=c["card_title"], bold=True)
        self.value = FitLabel(self, colour=c["accent"], bold=True)
        self.delta = FitLabel(self, bold=True)
        self.note = FitLabel(self, colour=c["muted"], wrap=True,
                             align=Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.kpi = None
        self.reserve_delta = False  # set by the window when any card shows a change

    def set_kpi(self, kpi) -> None:
        self.kpi = kpi
        self.title.setText(kpi.title)
        self.value.setText(kpi.text)
        self.value.set_colour(self.look.panel["accent"] if kpi.value is not None else self.look.panel["muted"])
        self.delta.setText(delta_text(kpi))
        self.delta.set_colour(_trend_colour(self.look, kpi.trend))
        self.note.setText(kpi.note)
        self._place()

    def _place(self) -> None:
        u = self.unit
        w, h = self.width(), self.height()
        p = max(4, round(14 * u))
        iw, ih = w - 2 * p, h - 2 * p
        title_h = round(ih * 0.21)
        delta_h = round(ih * 0.17) if self.reserve_delta else 0
        value_h = round(ih * (0.38 if self.reserve_delta else 0.45))
        note_h = ih - title_h - value_h - delta_h - round(4 * u)
        self.title.setGeometry(p, p, iw, title_h)
        self.value.setGeometry(p, p + title_h, iw, value_h)
        self.delta.setGeometry(p, p + title_h + value_h, iw, max(1, delta_h))
        self.delta.setVisible(bool(self.delta.text()) and delta_h > 0)
        self.note.setGeometry(p, h - p - note_h, iw, note_h)
        self.title.set_sizes(22 * u, 12 * u)
        self.delta.set_sizes(min(22 * u, max(1, delta_h)), 10 * u)
        self.value.set_sizes(min(64 * u, value_h * 0.95), 16 * u)
        self.note.set_sizes(19 * u, 11 * u)


class LevelTile(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tile")
        self.count = FitLabel(self, bold=True, align=Qt.AlignmentFlag.AlignCenter)
        self.label = FitLabel(self, bold=True, align=Qt.AlignmentFlag.AlignCenter)
        self.delta = FitLabel(self, align=Qt.AlignmentFlag.AlignCenter)
        self.unit = 1.0

    def set_level(self, info, n: int, delta: float | None, look, unit: float) -> None:
        self.unit = unit
        self.setStyleSheet("QFrame#tile { background: %s; border-radius: %dpx; border: none; }"
                           % (info.colour, max(2, round(8 * unit))))
        fg = info.text_colour
        for lab in (self.count, self.label, self.delta):
            lab.set_colour(fg)
        self.count.setText(f"{n:,}")
        self.label.setText(level_word(info))
        if delta is None:
            self.delta.setText("")
        elif abs(delta) < 0.5:
            self.delta.setText(tr("brief.delta.same"))
        else:
            self.delta.setText(("▲ " if delta > 0 else "▼ ") + f"{int(round(abs(delta)))}")
        self._place()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._place()

    def _place(self) -> None:
        u = self.unit
        w, h = self.width(), self.height()
        p = max(2, round(6 * u))
        has_delta = bool(self.delta.text())
        count_h = round((h - 2 * p) * (0.50 if has_delta else 0.60))
        label_h = round((h - 2 * p) * (0.27 if has_delta else 0.36))
        self.count.setGeometry(p, p, w - 2 * p, count_h)
        self.label.setGeometry(p, p + count_h, w - 2 * p, label_h)
        self.delta.setGeometry(p, p + count_h + label_h, w - 2 * p, h - 2 * p - count_h - label_h)
        self.delta.setVisible(has_delta)
        self.count.set_sizes(min(60 * u, count_h), 14 * u)
        self.label.set_sizes(20 * u, 10 * u)
        self.delta.set_sizes(17 * u, 9 * u)


class LevelCard(Card):
    """Areas per risk level: a coloured tile per level."""

    def __init__(self, look, parent: QWidget | None = None) -> None:
        super().__init__(look, parent)
        self.title = FitLabel(self, colour=look.panel["card_title"], bold=True)
        self.total = FitLabel(self, colour=look.panel["muted"],
                              align=Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.empty = FitLabel(self, colour=look.panel["muted"], wrap=True, align=Qt.AlignmentFlag.AlignCenter)
        self.tiles: list[LevelTile] = []
        self.kpi = None

    def set_kpi(self, kpi) -> None:
        self.kpi = kpi
        self.title.setText(kpi.title)
        self.total.setText(kpi.note if kpi.levels else "")
        for t in self.tiles:
            t.hide()
            t.setParent(None)
            t.deleteLater()
        self.tiles = []
        for info, n, d in kpi.levels:
            tile = LevelTile(self)
            tile.set_level(info, n, d, self.look, self.unit)
            tile.show()
            self.tiles.append(tile)
        self.empty.setText("" if kpi.levels else kpi.note)
        self.empty.setVisible(not kpi.levels)
        self._place()

    def _place(self) -> None:
        u = self.unit
        w, h = self.width(), self.height()
        p = max(4, round(14 * u))
        title_h = round((h - 2 * p) * 0.24)
        tw = round((w - 2 * p) * 0.6)
        self.title.setGeometry(p, p, tw, title_h)
        self.total.setGeometry(p + tw, p, w - 2 * p - tw, title_h)
        self.title.set_sizes(22 * u, 12 * u)
        self.total.set_sizes(19 * u, 10 * u)
        top = p + title_h + round(8 * u)
        th = h - top - p
        self.empty.setGeometry(p, top, w - 2 * p, th)
        self.empty.set_sizes(22 * u, 10 * u)
        n = len(self.tiles)
        if not n:
            return
        gap = round(8 * u)
        tw = (w - 2 * p - (n - 1) * gap) / n
        for i, tile in enumerate(self.tiles):
            x = round(p + i * (tw + gap))
            tile.unit = u
            tile.setGeometry(x, top, round(p + (i + 1) * tw + i * gap) - x, th)


class Banner(QWidget):
    """Title, date and season on the left, the mode (overview / tour stop) on the right."""

    def __init__(self, look, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.look = look
        c = look.panel
        self.unit = 1.0
        self.title = FitLabel(self, bold=True, align=Qt.AlignmentFlag.AlignCenter, colour=c["text"])
        self.date = FitLabel(self, colour=c["text"], bold=True)
        self.season = FitLabel(self, colour=c["accent"])
        self.mode = FitLabel(self, bold=True, colour=c["accent"],
                             align=Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.sub = FitLabel(self, colour=c["muted"], align=Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        c = self.look.panel
        grad = QLinearGradient(0, 0, 0, self.height())
        grad.setColorAt(0, QColor(c["banner_top"]))
        grad.setColorAt(1, QColor(c["banner_bottom"]))
        painter.fillRect(self.rect(), grad)
        pen = QPen(QColor(c["accent"]))
        pen.setWidthF(max(1.0, 3 * self.unit))
        painter.setPen(pen)
        y = self.height() - pen.widthF() / 2
        w = self.width()
        painter.drawLine(round(w * 0.30), round(y), round(w * 0.70), round(y))
        pen.setWidthF(max(1.0, 1 * self.unit))
        painter.setPen(pen)
        painter.drawLine(0, round(y), w, round(y))
        painter.end()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._place()

    def _place(self) -> None:
        u = self.unit
        w, h = self.width(), self.height()
        m = round(18 * u)
        side = round(w * 0.24)
        self.title.setGeometry(side + m, round(8 * u), w - 2 * side - 2 * m, h - round(16 * u))
        half = (h - round(20 * u)) // 2
        self.date.setGeometry(m, round(10 * u), side, half)
        self.season.setGeometry(m, round(10 * u) + half, side, half)
        self.mode.setGeometry(w - side - m, round(10 * u), side, half)
        self.sub.setGeometry(w - side - m, round(10 * u) + half, side, half)
        self.title.set_sizes(50 * u, 20 * u)
        for lab in (self.date, self.mode):
            lab.set_sizes(26 * u, 11 * u)
        for lab in (self.season, self.sub):
            lab.set_sizes(22 * u, 10 * u)


class PriorityList(Card):
    """The ranked priority areas: rank badge in the level colour, name, level and score. A click on a
    row emits ``activated(row)``."""

    activated = pyqtSignal(int)

    def __init__(self, look, parent: QWidget | None = None) -> None:
        super().__init__(look, parent)
        self.header = FitLabel(self, bold=True, colour=look.panel["card_title"])
        self.empty = FitLabel(self, wrap=True, colour=look.panel["muted"], align=Qt.AlignmentFlag.AlignCenter)
        self.rows: list[tuple[QFrame, FitLabel, FitLabel, FitLabel, FitLabel]] = []
        self.items: list[dict] = []
        self.current = -1
        self.shown = 0

    def set_items(self, items: list[dict], title: str, empty_text: str) -> None:
        self.items = items
        self.header.setText(title)
        self.empty.setText("" if items else empty_text)
        self.empty.setVisible(not items)
        for row in self.rows:
            row[0].hide()
            row[0].setParent(None)
            row[0].deleteLater()
        self.rows = []
        c = self.look.panel
        from fireriskmap.export.briefing_data import level_short

        for item in items:
            frame = QFrame(self)
            frame.setObjectName("row")
            badge = FitLabel(frame, bold=True, align=Qt.AlignmentFlag.AlignCenter)
            badge.set_colour(item["level"].text_colour, item["level"].colour)
            badge.setText(str(item["rank"]))
            name = FitLabel(frame, bold=True, colour=c["text"])
            name.setText(item["name"])
            level = FitLabel(frame, colour=item["level"].colour if item["level"].code != "blue" else "#64b5f6",
                             align=Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            level.setText(level_short(item["level"]))
            score = FitLabel(frame, bold=True, colour=c["accent"],
                             align=Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            score.setText("—" if item["score"] is None else f"{item['score']:.1f}")
            frame.show()
            self.rows.append((frame, badge, name, level, score))
        self.set_current(self.current)
        self._place()

    def mousePressEvent(self, event) -> None:
        pos = event.position().toPoint()
        for i, (frame, *_rest) in enumerate(self.rows):
            if frame.isVisible() and frame.geometry().contains(pos):
                self.activated.emit(i)
                return
        super().mousePressEvent(event)

    def set_current(self, index: int) -> None:
        self.current = index
        c = self.look.panel
        for i, (frame, *_rest) in enumerate(self.rows):
            on = i == index
            frame.setStyleSheet("QFrame#row { background: %s; border: %dpx solid %s; border-radius: %dpx; }"
                                % (c["toggle_on"] if on else "transparent", max(1, round(2 * self.unit)),
                                   c["highlight"] if on else "transparent", max(2, round(6 * self.unit))))

    def _place(self) -> None:
        u = self.unit
        w, h = self.width(), self.height()
        p = max(4, round(14 * u))
        header_h = round(44 * u)
        self.header.setGeometry(p, p, w - 2 * p, header_h)
        self.header.set_sizes(26 * u, 12 * u)
        top = p + header_h + round(8 * u)
        avail = h - top - p
        self.empty.setGeometry(p, top, w - 2 * p, avail)
        self.empty.set_sizes(22 * u, 10 * u)
        n = len(self.rows)
        if not n:
            return
        min_row = 40 * u
        shown = max(1, min(n, int(avail // min_row)))
        self.shown = shown
        row_h = min(avail / shown, 84 * u)
        gap = round(4 * u)
        for i, (frame, badge, name, level, score) in enumerate(self.rows):
            visible = i < shown
            frame.setVisible(visible)
            if not visible:
                continue
            y = round(top + i * row_h)
            fh = round(top + (i + 1) * row_h) - y - gap
            frame.setGeometry(p, y, w - 2 * p, fh)
            fw = w - 2 * p
            ip = round(6 * u)
            bh = fh - 2 * ip
            badge.setGeometry(ip, ip, bh, bh)
            score_w = round(fw * 0.17)
            level_w = round(fw * 0.20)
            name_x = ip + bh + round(12 * u)
            name_w = fw - name_x - level_w - score_w - 2 * ip
            name.setGeometry(name_x, ip, name_w, bh)
            level.setGeometry(name_x + name_w, ip, level_w, bh)
            score.setGeometry(name_x + name_w + level_w, ip, score_w, bh)
            badge.set_sizes(min(26 * u, bh * 0.7), 9 * u)
            name.set_sizes(min(28 * u, bh * 0.8), 10 * u)
            level.set_sizes(min(22 * u, bh * 0.7), 9 * u)
            score.set_sizes(min(28 * u, bh * 0.8), 10 * u)


class ChartBase(Card):
    """A chart drawn with QPainter in the dark theme; every text sized to fit its slot."""

    def __init__(self, look, parent: QWidget | None = None) -> None:
        super().__init__(look, parent)
        self.title = FitLabel(self, bold=True, colour=look.panel["card_title"])
        self.legend = FitLabel(self, colour=look.panel["muted"],
                               align=Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.keys = [FitLabel(self, colour=look.panel[k], align=Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                     for k in ("water", "response")]
        for lab in self.keys:
            lab.hide()
        self.empty_text = ""
        self.items: list = []

    def header_h(self) -> int:
        return round((70 if self.legend.text() else 40) * self.unit)

    def plot_rect(self) -> QRectF:
        p = max(4, round(14 * self.unit))
        top = p + self.header_h() + round(8 * self.unit)
        return QRectF(p, top, self.width() - 2 * p, self.height() - top - p)

    def _place(self) -> None:
        u = self.unit
        p = max(4, round(14 * u))
        has_legend = bool(self.legend.text())
        title_h = round(40 * u)
        iw = self.width() - 2 * p
        self.title.setGeometry(p, p, iw, title_h)
        keys = [k for k in self.keys if k.text()]
        key_w = round(iw * 0.25)
        legend_w = iw - len(keys) * key_w
        self.legend.setGeometry(p, p + title_h, legend_w, self.header_h() - title_h)
        self.legend.setVisible(has_legend)
        for i, lab in enumerate(keys):
            lab.setGeometry(p + legend_w + i * key_w, p + title_h, key_w, self.header_h() - title_h)
            lab.set_sizes(19 * u, 9 * u)
            lab.setVisible(has_legend)
        self.title.set_sizes(24 * u, 11 * u)
        self.legend.set_sizes(19 * u, 9 * u)

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        painter = QPainter(self)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            rect = self.plot_rect()
            if self.items:
                self._paint_plot(painter, rect)
            else:
                self._empty(painter, rect)
        finally:
            painter.end()

    def _paint_plot(self, painter: QPainter, rect: QRectF) -> None:
        raise NotImplementedError

    def _empty(self, painter: QPainter, rect: QRectF) -> None:
        px = fit_px(self.empty_text, rect.width(), rect.height(), 22 * self.unit, 8, wrap=True)
        painter.setFont(make_font(px))
        painter.setPen(QColor(self.look.panel["muted"]))
        painter.drawText(rect, int(Qt.AlignmentFlag.AlignCenter) | int(Qt.TextFlag.TextWordWrap), self.empty_text)


def _common_px(texts: list[str], width: float, height: float, max_px: float, min_px: float, bold=False) -> int:
    return min([fit_px(t, width, height, max_px, min_px, bold=bold) for t in texts] or [int(max_px)])


class LevelChart(ChartBase):
    """Areas per risk level as horizontal bars in the level colours."""

    def __init__(self, look, parent: QWidget | None = None) -> None:
        super().__init__(look, parent)
        self.items: list[tuple[object, int]] = []

    def set_items(self, items, title: str, empty_text: str) -> None:
        self.items = list(items)
        self.title.setText(title)
        self.empty_text = empty_text
        self._place()
        self.update()

    def _paint_plot(self, painter: QPainter, rect: QRectF) -> None:
        u = self.unit
        n = len(self.items)
        row_h = rect.height() / n
        bar_h = min(row_h * 0.62, 46 * u)
        names = [level_word(i) for i, _n in self.items]
        font = make_font(22 * u, bold=True)
        name_w = min(rect.width() * 0.38, max(text_size(font, t, 1e6, wrap=False)[0] for t in names) + 14 * u)
        num_w = rect.width() * 0.16
        px = _common_px(names, name_w - 8 * u, bar_h, 24 * u, 8, bold=True)
        npx = _common_px([f"{c:,}" for _i, c in self.items], num_w - 8 * u, bar_h, 26 * u, 8, bold=True)
        biggest = max(1, max(c for _i, c in self.items))
        track_w = rect.width() - name_w - num_w
        for k, (info, count) in enumerate(self.items):
            cy = rect.top() + (k + 0.5) * row_h
            painter.setFont(make_font(px, bold=True))
            painter.setPen(QColor(self.look.panel["text"]))
            painter.drawText(QRectF(rect.left(), cy - bar_h / 2, name_w - 8 * u, bar_h),
                             int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), names[k])
            track = QRectF(rect.left() + name_w, cy - bar_h / 2, track_w, bar_h)
            painter.fillRect(track, QColor(255, 255, 255, 18))
            bar = QRectF(track.left(), track.top(), max(2.0, track_w * count / biggest), bar_h)
            painter.fillRect(bar, QColor(info.colour))
            painter.setFont(make_font(npx, bold=True))
            painter.setPen(QColor(self.look.panel["text"]))
            painter.drawText(QRectF(track.right() + 8 * u, cy - bar_h / 2, num_w - 8 * u, bar_h),
                             int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), f"{count:,}")


class VillageChart(ChartBase):
    """Water coverage and 5-minute share per village, lowest water coverage first."""

    def __init__(self, look, parent: QWidget | None = None) -> None:
        super().__init__(look, parent)
        self.items: list[dict] = []
        self.shown = 0

    def set_items(self, items: list[dict], title: str, legend: str, empty_text: str) -> None:
        known = [i for i in items if i.get("water") is not None or i.get("response") is not None]
        self.items = sorted(known, key=lambda i: (i["water"] if i["water"] is not None else 2.0,
                                                  i["response"] if i["response"] is not None else 2.0))
        self.title.setText(title)
        parts = legend.split("|")
        self.legend.setText(parts[0] if self.items else "")
        for lab, text in zip(self.keys, parts[1:3]):
            lab.setText(text if self.items else "")
        self.empty_text = empty_text
        self._place()
        self.update()

    def _paint_plot(self, painter: QPainter, rect: QRectF) -> None:
        u = self.unit
        c = self.look.panel
        min_row = 42 * u
        n = max(1, min(len(self.items), int(rect.height() // min_row), 14))
        self.shown = n
        items = self.items[:n]
        row_h = rect.height() / n
        bar_h = min(row_h * 0.3, 20 * u)
        name_w = rect.width() * 0.26
        num_w = rect.width() * 0.26  # two values side by side: water, 5 minutes
        track_w = rect.width() - name_w - num_w
        names = [i["name"] for i in items]
        name_w = min(rect.width() * 0.36, max(text_size(make_font(22 * u, bold=True), t, 1e6, wrap=False)[0]
                                                for t in names) + 14 * u)
        track_w = rect.width() - name_w - num_w
        px = _common_px(names, name_w - 10 * u, row_h * 0.8, 22 * u, 8, bold=True)
        col_w = num_w / 2
        npx = _common_px(["100%"], col_w - 8 * u, row_h * 0.8, 24 * u, 8, bold=True)
        for k, item in enumerate(items):
            top = rect.top() + k * row_h
            cy = top + row_h / 2
            painter.setFont(make_font(px, bold=True))
            painter.setPen(QColor(c["text"]))
            painter.drawText(QRectF(rect.left(), top, name_w - 10 * u, row_h),
                             int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), item["name"])
            for j, (key, colour) in enumerate((("water", c["water"]), ("response", c["response"]))):
                y = cy - bar_h - 1.5 * u if j == 0 else cy + 1.5 * u
                track = QRectF(rect.left() + name_w, y, track_w, bar_h)
                painter.fillRect(track, QColor(255, 255, 255, 16))
                value = item.get(key)
                if value is not None:
                    painter.fillRect(QRectF(track.left(), y, max(1.5, track_w * value), bar_h), QColor(colour))
                painter.setFont(make_font(npx, bold=True))
                painter.setPen(QColor(colour))
                painter.drawText(QRectF(track.right() + j * col_w, top, col_w - 8 * u, row_h),
                                 int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                                 "—" if value is None else f"{value * 100:.0f}%")
        # 50 % and 100 % guides
        pen = QPen(QColor(255, 255, 255, 40))
        pen.setWidthF(max(1.0, u))
        pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        for f in (0.5, 1.0):
            x = rect.left() + name_w + track_w * f
            painter.drawLine(round(x), round(rect.top()), round(x), round(rect.bottom()))


class AreaCard(Card):
    """The guided tour's card: rank, name, level, score, figures, reasons, measures and photo."""

    def __init__(self, look, parent: QWidget | None = None) -> None:
        super().__init__(look, parent, border=look.panel["highlight"])
        c = look.panel
        self.step = None
        self.rank = FitLabel(self, bold=True, colour=c["accent"])
        self.name = FitLabel(self, bold=True, colour=c["text"])
        self.kind = FitLabel(self, colour=c["muted"])
        self.level = FitLabel(self, bold=True, align=Qt.AlignmentFlag.AlignCenter)
        self.score = FitLabel(self, bold=True, align=Qt.AlignmentFlag.AlignCenter)
        self.score_caption = FitLabel(self, align=Qt.AlignmentFlag.AlignCenter)
        self.facts: list[tuple[FitLabel, FitLabel]] = []
        for _ in range(4):
            self.facts.append((FitLabel(self, colour=c["muted"], align=Qt.AlignmentFlag.AlignCenter),
                               FitLabel(self, bold=True, colour=c["text"], align=Qt.AlignmentFlag.AlignCenter)))
        self.photo = QLabel(self)
        self.photo.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.photo.setStyleSheet("QLabel { background: transparent; border: none; }")
        self._pixmap: QPixmap | None = None
        self.reasons_head = FitLabel(self, bold=True, colour=c["card_title"])
        self.reasons = FitLabel(self, wrap=True, colour=c["text"],
                                align=Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.measures_head = FitLabel(self, bold=True, colour=c["card_title"])
        self.measures = FitLabel(self, wrap=True, colour=c["text"],
                                 align=Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)

    def set_step(self, step, index: int, total: int) -> None:
        self.step = step
        info = step.level
        from fireriskmap.export.briefing_data import level_short

        self.rank.setText(tr("brief.ui.rank", rank=step.rank))
        self.name.setText(step.name)
        self.kind.setText(tr("brief.ui.step", i=index + 1, n=total) + (f" · {step.unit_type}" if step.unit_type else ""))
        self.level.setText(level_short(info))
        self.level.set_colour(info.text_colour, info.colour)
        self.score.setText("—" if step.score is None else f"{step.score:.1f}")
        self.score.set_colour(self.look.panel["text"])
        self.score_caption.setText(tr("brief.ui.score"))
        self.score_caption.set_colour(self.look.panel["muted"])
        for (lab, val), (text, value) in zip(self.facts, step.facts):
            lab.setText(text)
            val.setText(value)
        self.reasons_head.setText(tr("brief.ui.reasons"))
        self.reasons.setText("\n".join(f"• {r}" for r in step.reasons) or tr("brief.ui.no_reasons"))
        self.measures_head.setText(tr("brief.ui.measures"))
        marks = "①②③④⑤⑥⑦⑧"
        self.measures.setText("\n".join(f"{marks[i] if i < len(marks) else '•'} {m}"
                                        for i, m in enumerate(step.measures)))
        self._pixmap = None
        if step.photo is not None:
            image = QImage(str(step.photo))
            if not image.isNull():
                self._pixmap = QPixmap.fromImage(image)
        self.set_border(info.colour)
        self._place()

    def _place(self) -> None:
        u = self.unit
        w, h = self.width(), self.height()
        p = max(6, round(20 * u))
        iw = w - 2 * p
        y = p
        score_w = round(iw * 0.30)
        head_w = iw - score_w - round(12 * u)
        rank_h, name_h, kind_h = round(34 * u), round(64 * u), round(30 * u)
        self.rank.setGeometry(p, y, head_w, rank_h)
        self.name.setGeometry(p, y + rank_h, head_w, name_h)
        self.kind.setGeometry(p, y + rank_h + name_h, head_w, kind_h)
        box_h = rank_h + name_h + kind_h
        sx = p + head_w + round(12 * u)
        lvl_h = round(box_h * 0.30)
        self.level.setGeometry(sx, y, score_w, lvl_h)
        self.score.setGeometry(sx, y + lvl_h, score_w, round(box_h * 0.45))
        self.score_caption.setGeometry(sx, y + lvl_h + round(box_h * 0.45), score_w, box_h - lvl_h - round(box_h * 0.45))
        self.rank.set_sizes(26 * u, 10 * u)
        self.name.set_sizes(56 * u, 16 * u)
        self.kind.set_sizes(22 * u, 9 * u)
        self.level.set_sizes(min(26 * u, lvl_h * 0.8), 9 * u)
        self.score.set_sizes(min(52 * u, box_h * 0.42), 12 * u)
        self.score_caption.set_sizes(18 * u, 8 * u)
        y += box_h + round(16 * u)
        # figures of the area
        fh = round(76 * u)
        gap = round(8 * u)
        fw = (iw - 3 * gap) / 4
        for i, (lab, val) in enumerate(self.facts):
            x = round(p + i * (fw + gap))
            lab.setGeometry(x, y, round(fw), round(fh * 0.38))
            val.setGeometry(x, y + round(fh * 0.38), round(fw), fh - round(fh * 0.38))
            lab.set_sizes(18 * u, 8 * u)
            val.set_sizes(min(34 * u, fh * 0.55), 10 * u)
        y += fh + round(16 * u)
        rest = h - p - y
        photo_h = 0
        if self._pixmap is not None:
            photo_h = round(rest * 0.34)
            self.photo.setGeometry(p, y, iw, photo_h)
            scaled = self._pixmap.scaled(iw, photo_h, Qt.AspectRatioMode.KeepAspectRatio,
                                         Qt.TransformationMode.SmoothTransformation)
            self.photo.setPixmap(scaled)
            self.photo.show()
            y += photo_h + round(12 * u)
            rest = h - p - y
        else:
            self.photo.hide()
            self.photo.clear()
        head_h = round(34 * u)
        text_h = (rest - 2 * head_h - round(14 * u)) // 2
        n_reasons = max(1, self.reasons.text().count("\n") + 1)
        n_measures = max(1, self.measures.text().count("\n") + 1)
        share = max(0.35, min(0.65, n_reasons / (n_reasons + n_measures)))
        total_text = 2 * text_h
        r_h = round(total_text * share)
        m_h = total_text - r_h
        self.reasons_head.setGeometry(p, y, iw, head_h)
        self.reasons.setGeometry(p, y + head_h, iw, r_h)
        y += head_h + r_h + round(14 * u)
        self.measures_head.setGeometry(p, y, iw, head_h)
        self.measures.setGeometry(p, y + head_h, iw, m_h)
        for lab in (self.reasons_head, self.measures_head):
            lab.set_sizes(24 * u, 10 * u)
        self.reasons.set_sizes(30 * u, 9 * u)
        self.measures.set_sizes(30 * u, 9 * u)


def text_widgets(root: QWidget) -> list[QWidget]:
    """Every visible label and button under ``root`` that shows text (for the layout checks)."""
    out = []
    for w in root.findChildren(QWidget):
        if not w.isVisibleTo(root):
            continue
        if isinstance(w, QLabel) and w.text():
            out.append(w)
        elif isinstance(w, QAbstractButton) and w.text():
            out.append(w)
    return out


__all__ = ["FitLabel", "ToggleButton", "Card", "KpiCard", "LevelCard", "Banner", "PriorityList", "LevelChart",
           "VillageChart", "AreaCard", "make_font", "fit_px", "fits", "text_size", "text_widgets"]
