"""Forms of award reports: the researcher's report, the administrators' answer."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length


class VersionedForm(FlaskForm):
    """A form that carries the version of the report it was opened at."""

    version = HiddenField()

    def expected_version(self) -> int | None:
        """Return the version the page was opened at (None if the post did not say)."""
        value = (self.version.data or "").strip()
        return int(value) if value.isdigit() else None


class ReportForm(VersionedForm):
    """A progress or final report: the text, and a PDF if the researcher has one."""

    text = TextAreaField(
        "Report",
        validators=[DataRequired("Write the report."), Length(max=50_000)],
        description="What was done, what came of it, what is next. Markdown is allowed.",
        render_kw={"rows": 14},
    )
    attachment = FileField(
        "PDF (optional)",
        render_kw={"accept": ".pdf,application/pdf"},
    )
    submit = SubmitField("Submit report")


class AcceptReportForm(VersionedForm):
    """Accept a submitted report."""

    accept = SubmitField("Accept report")


class RequestChangesForm(VersionedForm):
    """Send a report back, saying what to change."""

    comment = TextAreaField(
        "What should change",
        validators=[DataRequired("Say what the report should change."), Length(max=10_000)],
        description="The applicant reads this.",
        render_kw={"rows": 5},
    )
    send_back = SubmitField("Request changes")
