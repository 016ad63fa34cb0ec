"""Forms for importing members from CSV."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import HiddenField, SubmitField
from wtforms.validators import InputRequired, Regexp

from app.members.transfer import TOKEN_PATTERN


class ImportForm(FlaskForm):
    """Upload a CSV of organizations for a preview."""

    file = FileField(
        "CSV file",
        validators=[
            FileRequired("Choose a CSV file to upload."),
            FileAllowed(["csv", "txt"], "Upload a .csv file (in Excel: Save As › CSV UTF-8)."),
        ],
        description="One organization per row, with the template's column names in row 1.",
        render_kw={"accept": ".csv,text/csv"},
    )
    submit = SubmitField("Check the file")


class ConfirmImportForm(FlaskForm):
    """Confirm the import of a previewed file, named by its token."""

    token = HiddenField(validators=[InputRequired(), Regexp(f"^{TOKEN_PATTERN.pattern}$")])
    submit = SubmitField("Import")
