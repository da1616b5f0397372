"""Forms of the spreadsheet import: the file, the column mapping, the commit choice."""

from __future__ import annotations

from django import forms

from .imports import CASE_FIELDS, IMPORT_FIELDS, MAX_FILE_SIZE
from .models import ImportJob

NOT_IMPORTED = ""


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="Fichier à importer",
        help_text=(
            "Un tableau CSV (séparé par des points-virgules ou des virgules, UTF-8 ou Windows) "
            f"ou Excel XLSX, de {MAX_FILE_SIZE // (1024 * 1024)} Mo au plus, avec une ligne "
            "d'en-têtes puis une ligne par personne."
        ),
        error_messages={
            "required": "Choisissez le fichier à importer.",
            "empty": "Ce fichier est vide : choisissez un autre fichier.",
        },
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".csv,.xlsx,text/csv,"
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )


def _column_choices(job: ImportJob) -> list[tuple[str, str]]:
    choices = [(NOT_IMPORTED, "— Ne pas importer —")]
    first_row = job.sample[0] if job.sample else []
    for index, column in enumerate(job.columns):
        example = first_row[index] if index < len(first_row) else ""
        label = f"{column} (ex. : {example[:30]})" if example else column
        choices.append((str(index), label))
    return choices


class ImportMappingForm(forms.Form):
    """One choice per Mobicase field: the column of the file that fills it."""

    def __init__(self, *args, job: ImportJob, **kwargs) -> None:
        kwargs.setdefault(
            "initial", {key: str(index) for key, index in (job.mapping or {}).items()}
        )
        super().__init__(*args, **kwargs)
        choices = _column_choices(job)
        for import_field in IMPORT_FIELDS:
            self.fields[import_field.key] = forms.ChoiceField(
                label=import_field.label,
                choices=choices,
                required=import_field.required,
                help_text=import_field.help_text,
                error_messages={
                    "required": f"Choisissez la colonne qui donne « {import_field.label} ».",
                    "invalid_choice": "Choisissez une colonne du fichier.",
                },
            )

    def person_fields(self) -> list[forms.BoundField]:
        return [self[f.key] for f in IMPORT_FIELDS if f.key not in CASE_FIELDS]

    def case_fields(self) -> list[forms.BoundField]:
        return [self[f.key] for f in IMPORT_FIELDS if f.key in CASE_FIELDS]

    def mapping(self) -> dict[str, str]:
        return {key: value for key, value in self.cleaned_data.items() if value != NOT_IMPORTED}


class ImportCommitForm(forms.Form):
    duplicate_policy = forms.ChoiceField(
        label="Doublons possibles",
        choices=ImportJob.DuplicatePolicy.choices,
        initial=ImportJob.DuplicatePolicy.SKIP,
        widget=forms.RadioSelect,
        error_messages={"required": "Dites que faire des doublons possibles."},
    )
