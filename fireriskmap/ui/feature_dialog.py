"""The attribute form of one feature: one editor per field of the layer spec, validated on OK.

Enums are drop-downs with their zh/en labels, yes/no fields are 是/否/未填写, numbers are spin boxes
with the unit as suffix and the spec's limits, required fields are marked with *. Values that do
not fit the spec are refused with the reason shown beside the field; nothing is written until all
are valid (the caller turns the values into an undoable command).
"""

from __future__ import annotations

from typing import Any, Callable

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import (QDialog, QDialogButtonBox, QFormLayout, QLabel, QScrollArea, QVBoxLayout, QWidget)

from fireriskmap.i18n import current_language, tr
from fireriskmap.ui.attribute_table import editor_value, make_field_editor, set_editor_value
from fireriskmap.ui.editing import validate_values
from fireriskmap.ui.features import editable_columns, layer_label, spec_of


class FeatureDialog(QDialog):
    """Edit (or enter, for a new point) the attributes of one feature of layer ``kind``.

    ``submit(values) -> {column: reason}`` is called on OK with the raw values; an empty dict
    closes the dialog, otherwise the reasons are shown beside the fields.
    """

    def __init__(self, kind: str, values: dict[str, Any], *, title: str = "",
                 submit: Callable[[dict[str, Any]], dict[str, str]] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = kind
        self.submit = submit
        lang = current_language()
        self.setWindowTitle(title or tr("ui.edit.form_title", layer=layer_label(kind, lang)))
        spec = spec_of(kind)
        self.editors: dict[str, QWidget] = {}
        self.errors: dict[str, QLabel] = {}
        form_widget = QWidget(self)
        form = QFormLayout(form_widget)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        for column in editable_columns(kind):
            fs = spec.field(column)
            editor = make_field_editor(fs, form_widget, lang=lang)
            editor.setObjectName(f"field_{column}")
            set_editor_value(editor, values.get(column))
            text = fs.label(lang) + (" *" if fs.required else "")
            if fs.unit and fs.type not in ("int", "float"):
                text += f" ({fs.unit})"
            label = QLabel(text + "：" if lang == "zh_CN" else text + ":", form_widget)
            if fs.description:
                from fireriskmap.i18n import label as pick

                label.setToolTip(pick(fs.description, lang))
            error = QLabel(form_widget)
            error.setStyleSheet("color: #c62828;")
            error.setWordWrap(True)
            error.hide()
            box = QWidget(form_widget)
            lay = QVBoxLayout(box)
            lay.setContentsMargins(0, 0, 0, 0)
            lay.setSpacing(1)
            lay.addWidget(editor)
            lay.addWidget(error)
            form.addRow(label, box)
            self.editors[column] = editor
            self.errors[column] = error
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(form_widget)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.general_error = QLabel(self)  # a refusal not tied to one field (e.g. from the hazard ledger)
        self.general_error.setStyleSheet("color: #c62828;")
        self.general_error.setWordWrap(True)
        self.general_error.hide()
        self.note = QLabel(tr("ui.edit.required_note"), self)
        self.note.setStyleSheet("color: palette(mid);")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(tr("ui.button.ok"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("ui.button.cancel"))
        buttons.accepted.connect(self._on_ok)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.general_error)
        layout.addWidget(self.note)
        layout.addWidget(buttons)
        hint = form_widget.sizeHint()
        self.resize(max(460, hint.width() + 60), min(720, hint.height() + 110))

    def values(self) -> dict[str, Any]:
        return {column: editor_value(editor) for column, editor in self.editors.items()}

    def show_errors(self, errors: dict[str, str]) -> None:
        for column, label in self.errors.items():
            text = errors.get(column, "")
            label.setText(text)
            label.setVisible(bool(text))
        general = [text for column, text in errors.items() if column not in self.errors]
        self.general_error.setText("\n".join(general))
        self.general_error.setVisible(bool(general))
        if errors:
            first = next(iter(errors))
            if first in self.editors:
                self.editors[first].setFocus()

    def _on_ok(self) -> None:
        values = self.values()
        errors = validate_values(self.kind, values)[1]
        if not errors and self.submit is not None:
            errors = self.submit(values)
        if errors:
            self.show_errors(errors)
            return
        self.accept()


__all__ = ["FeatureDialog"]
