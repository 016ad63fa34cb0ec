"""Demo calls: an open call on AI for manufacturing with its rubric and a researcher's draft,
and a closed biomanufacturing call with a dozen proposals submitted before its deadline.

Everything goes through the call and proposal services (audit, references, versions,
receipts are the real thing); the clock is set back while the closed call's proposals are
submitted, so each goes in before the deadline. Dates are relative to today.
"""

import textwrap
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import sqlalchemy as sa

from app import clock
from app.auth.models import Role, User
from app.calls import services as call_services
from app.calls.models import Call, MemberVisibility
from app.extensions import db
from app.members.models import Organization
from app.proposals import services as proposal_services
from app.proposals.models import Proposal
from app.proposals.services import (
    DraftValues,
    ExcludedPerson,
    Line,
    Relationship,
    TeamMember,
)

OPEN_CALL = "AI for manufacturing seed grants"
CLOSED_CALL = "Biomanufacturing seed grants"
DEMO_RESEARCHER = "researcher@seedbed.test"


@contextmanager
def clock_at(instant: datetime) -> Iterator[None]:
    """Make app.clock.now() return `instant` inside the block (restoring whatever it was)."""
    previous = clock.now
    clock.now = lambda: instant
    try:
        yield
    finally:
        clock.now = previous


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


# A PDF written by hand: one page of Helvetica text, with a correct cross-reference table.


def _pdf_text(text: str) -> bytes:
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return escaped.encode("cp1252", "replace")


def demo_pdf(title: str, body: str) -> bytes:
    """Return a small valid one-page PDF showing the title and the body, wrapped."""
    lines = [b"BT", b"/F1 15 Tf", b"72 730 Td", b"(" + _pdf_text(title) + b") Tj", b"/F1 10 Tf"]
    for line in textwrap.wrap(body, 95):
        lines += [b"0 -16 Td", b"(" + _pdf_text(line) + b") Tj"]
    lines.append(b"ET")
    content = b"\n".join(lines)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
    ]
    document = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body_bytes in enumerate(objects, start=1):
        offsets.append(len(document))
        document += b"%d 0 obj\n" % number + body_bytes + b"\nendobj\n"
    xref = len(document)
    document += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    document += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    document += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(document)


# The calls


@dataclass(frozen=True)
class DemoCriterion:
    """A line of a demo rubric."""

    name: str
    weight: str
    guidance: str
    scale: tuple[int, int] = (1, 5)


AIM_DESCRIPTION = """\
The consortium funds **one-year seed projects** that put artificial intelligence to work on
the factory floor: in process control, quality, maintenance, scheduling and supply chains.
Projects should lead to a result a member company can try on its own lines.

What we look for:

- a concrete manufacturing problem, with data a member can provide or help collect;
- a method that goes beyond a proof of concept on public benchmarks;
- a plan for what comes next: follow-on funding, a pilot, or a sponsored research agreement.

Awards are up to **$150,000** for up to 18 months. Each proposal is read by three
reviewers; member representatives see titles and abstracts and may signal interest.
"""

AIM_ELIGIBILITY = """\
- Principal investigators hold a faculty or research-scientist appointment.
- Co-investigators may come from any department or from a member company.
- A PI leads at most one proposal in this call.
- Budgets cover personnel, students, equipment, materials, computing and travel; overheads are
  not charged to seed grants.
"""

AIM_RUBRIC = [
    DemoCriterion(
        "Scientific merit",
        "0.35",
        "Is the question new and important? Is the method sound and the evaluation convincing? "
        "5: a clear advance; 3: solid but incremental; 1: unclear or flawed.",
    ),
    DemoCriterion(
        "Industry relevance",
        "0.30",
        "Does the project address a problem members have on their lines today, with data they "
        "can share? Would a member pilot the result?",
    ),
    DemoCriterion(
        "Feasibility and team",
        "0.20",
        "Can this team deliver in the time and budget asked? Are the milestones realistic and "
        "the risks named, with a plan for each?",
    ),
    DemoCriterion(
        "Potential for follow-on funding",
        "0.15",
        "Is there a credible path to a larger grant, a sponsored research agreement or a "
        "member-funded pilot once the seed project ends?",
    ),
]

BIO_DESCRIPTION = """\
Seed projects on **biomanufacturing**: upstream and downstream processing, continuous
manufacturing, process analytical technology, fill-finish and quality by design.
Awards up to **$150,000**; reviews are blind.
"""

BIO_ELIGIBILITY = """\
- Principal investigators hold a faculty or research-scientist appointment.
- Work with human cells needs the usual approvals before funds are released.
"""

BIO_RUBRIC = [
    DemoCriterion("Scientific merit", "0.40", "Novelty and soundness of the approach."),
    DemoCriterion(
        "Relevance to biomanufacturing", "0.35", "Would a member's plant use the result?"
    ),
    DemoCriterion("Feasibility", "0.25", "Team, plan and budget fit the question."),
]


def _add_rubric(call: Call, rubric: list[DemoCriterion], actor: User) -> None:
    for criterion in rubric:
        call_services.add_criterion(
            call,
            actor=actor,
            name=criterion.name,
            guidance=criterion.guidance,
            weight=Decimal(criterion.weight),
            scale_min=criterion.scale[0],
            scale_max=criterion.scale[1],
        )


def _find_call(title: str) -> Call | None:
    return db.session.scalar(sa.select(Call).where(Call.title == title))


def ensure_open_call(admin: User, today: date) -> Call:
    """Create and open the AI-for-manufacturing call (closing in six weeks) unless it exists."""
    call = _find_call(OPEN_CALL)
    if call is not None:
        return call
    opens_at = _at(today - timedelta(days=7), 14)
    closes_at = _at(today + timedelta(days=42), 21)  # 5 pm in Boston
    call = call_services.create_call(
        actor=admin,
        title=OPEN_CALL,
        theme="AI for manufacturing",
        description=AIM_DESCRIPTION,
        eligibility=AIM_ELIGIBILITY,
        reference_prefix="AIM",
        opens_at=opens_at,
        closes_at=closes_at,
        review_deadline=closes_at + timedelta(days=35),
        total_budget=Decimal("1500000"),
        max_award=Decimal("150000"),
        reviews_per_proposal=3,
        is_blind=False,
        member_visibility=MemberVisibility.TITLES_ABSTRACTS,
    )
    _add_rubric(call, AIM_RUBRIC, admin)
    with clock_at(opens_at):
        call_services.open_call(call, actor=admin)
    return call


# The researchers and their proposals


@dataclass(frozen=True)
class DemoResearcher:
    """A demo researcher account and the department they write from."""

    email: str
    name: str
    department: str
    timezone: str = "America/New_York"


RESEARCHERS = {
    "rosa": DemoResearcher(DEMO_RESEARCHER, "Rosa Researcher", "Chemical Engineering"),
    "priya": DemoResearcher(
        "priya.natarajan@seedbed.test", "Priya Natarajan", "Chemical Engineering"
    ),
    "marcus": DemoResearcher("marcus.feld@seedbed.test", "Marcus Feld", "Biological Engineering"),
    "elena": DemoResearcher(
        "elena.sorensen@seedbed.test", "Elena Sorensen", "Mechanical Engineering"
    ),
    "kwame": DemoResearcher(
        "kwame.asante@seedbed.test", "Kwame Asante", "Materials Science and Engineering"
    ),
    "hana": DemoResearcher(
        "hana.kobayashi@seedbed.test",
        "Hana Kobayashi",
        "Electrical Engineering and Computer Science",
        "Asia/Tokyo",
    ),
    "tomas": DemoResearcher(
        "tomas.rivera@seedbed.test", "Tomás Rivera", "Biological Engineering", "America/Chicago"
    ),
}


@dataclass(frozen=True)
class DemoProposal:
    """A proposal as its applicant writes it."""

    researcher: str
    title: str
    abstract: str
    keywords: str
    relevance: str
    months: int
    budget: list[tuple[str, str, int]]  # category, description, amount
    team: list[tuple[str, str, str]] = field(default_factory=list)  # name, email, affiliation
    sponsors: list[str] = field(default_factory=list)
    # Declared conflicts of interest: people (name, email or "", reason) and member
    # organizations the team has a relationship with (name, reason).
    excluded: list[tuple[str, str, str]] = field(default_factory=list)
    relationships: list[tuple[str, str]] = field(default_factory=list)


BIO_PROPOSALS = [
    DemoProposal(
        "priya",
        "Soft sensors for real-time titer prediction in fed-batch CHO cultures",
        "We combine in-line Raman spectra with a hybrid mechanistic and neural model to "
        "predict product titer and glucose every minute, replacing daily off-line assays.",
        "soft sensors, CHO cells, Raman spectroscopy, process analytical technology",
        "Daily sampling costs each 2,000 L run a week of analyst time; a soft sensor lets "
        "operators feed to demand.",
        18,
        [
            ("personnel", "Postdoctoral associate, 12 months", 88000),
            ("materials", "Media and consumables for 12 bench runs", 24000),
            ("computing", "GPU time for model training", 6500),
        ],
        [("Lin Zhao", "lin.zhao@univ.example", "Department of Chemistry")],
        ["Amgen", "Sanofi"],
        excluded=[
            ("Tomas Berg", "", "Co-founder of a start-up selling a competing Raman soft sensor"),
        ],
        relationships=[("Siemens", "Siemens funds a PhD student in the lab until 2027")],
    ),
    DemoProposal(
        "marcus",
        "Reinforcement learning for perfusion bioreactor control",
        "A controller trained on a digital twin adjusts bleed and perfusion rates to hold "
        "viable cell density; we test it on 3 L and 50 L perfusion runs.",
        "perfusion, reinforcement learning, digital twin, cell culture",
        "Continuous processes run for weeks; a controller that holds steady state raises "
        "volumetric productivity without new equipment.",
        18,
        [
            ("personnel", "Graduate student and postdoc", 98000),
            ("equipment", "Perfusion controller retrofit", 32000),
            ("materials", "Media for two 30-day runs", 19500),
        ],
        [
            ("Ana Lima", "ana.lima@univ.example", "Department of Chemical Engineering"),
            ("Jonas Keller", "jonas.keller@siemens.example", "Siemens"),
        ],
        ["Sanofi", "Siemens"],
    ),
    DemoProposal(
        "elena",
        "Vision inspection of single-use bioreactor films at line speed",
        "Polarised imaging and a small convolutional network find pinholes and gels in "
        "multilayer films as they are welded into bags.",
        "machine vision, single-use systems, quality inspection",
        "A leaking bag loses a batch; inspecting every film at line speed replaces sampling.",
        12,
        [
            ("equipment", "Polarisation camera and optics", 27000),
            ("student_support", "Graduate research assistant", 31000),
            ("travel", "Two visits to a film-welding line", 6000),
        ],
        [],
        ["Flextronics International USA"],
    ),
    DemoProposal(
        "kwame",
        "Predicting chromatography resin lifetime from column pressure traces",
        "Pressure and UV traces recorded on every cycle hold early signs of resin fouling; "
        "we learn a lifetime model from historical Protein A cycles.",
        "chromatography, downstream processing, predictive maintenance",
        "Protein A resin costs more than any other consumable; replacing it on evidence, "
        "not a fixed cycle count, saves hundreds of thousands a year.",
        12,
        [
            ("personnel", "Research scientist, 4 months", 36000),
            ("computing", "Data curation and cloud computing", 12250),
        ],
        [("Mei Lin Chen", "meilin.chen@univ.example", "Department of Statistics")],
        ["Amgen"],
    ),
    DemoProposal(
        "hana",
        "Federated learning on batch records across manufacturing sites",
        "Sites keep their batch records; a federated model learns what predicts deviations "
        "without the data leaving each plant.",
        "federated learning, batch records, data privacy, deviations",
        "Members cannot pool batch records, but all want the model the pooled data would give.",
        18,
        [
            ("personnel", "Postdoctoral associate", 92000),
            ("student_support", "Undergraduate researchers", 14000),
            ("computing", "Secure enclaves at two sites", 22000),
            ("travel", "Site visits", 10000),
        ],
        [
            ("Grace Liu", "grace.liu@ptc.example", "PTC"),
            ("Samuel Okoro", "samuel.okoro@univ.example", "Sloan School of Management"),
        ],
        ["PTC", "Siemens"],
    ),
    DemoProposal(
        "rosa",
        "Physics-informed surrogates for lyophilization cycle design",
        "A neural surrogate of heat and mass transfer in the vial lets us optimise freeze-"
        "drying cycles in minutes instead of weeks of trial runs.",
        "lyophilization, physics-informed machine learning, process design",
        "Shorter validated cycles free freeze-dryer capacity, often a plant's bottleneck.",
        15,
        [
            ("personnel", "Graduate student, 15 months", 61000),
            ("materials", "Vials, formulations and thermocouples", 21500),
            ("computing", "Simulation time", 15000),
        ],
        [("Julien Moreau", "julien.moreau@univ.example", "Department of Physics")],
        ["Sanofi"],
    ),
    DemoProposal(
        "priya",
        "Scale-up of lipid nanoparticle mixing with a digital twin",
        "CFD of impinging-jet mixers, calibrated on particle-size data, predicts how mRNA "
        "lipid nanoparticles change from bench to production scale.",
        "lipid nanoparticles, mRNA, computational fluid dynamics, scale-up",
        "Each scale-up run of an mRNA product costs more than this grant; a twin cuts the runs.",
        18,
        [
            ("personnel", "Postdoctoral associate", 96000),
            ("equipment", "Microfluidic mixer", 38000),
            ("materials", "Lipids and RNA", 16000),
        ],
        [
            ("Daniel Cho", "daniel.cho@univ.example", "Department of Mechanical Engineering"),
            ("Camille Laurent", "camille.laurent@sanofi.example", "Sanofi"),
        ],
        ["Sanofi"],
    ),
    DemoProposal(
        "marcus",
        "Predicting host-cell protein clearance from upstream conditions",
        "A small study linking upstream culture conditions to host-cell proteins that survive "
        "purification, using archived samples.",
        "host-cell proteins, proteomics, downstream processing",
        "Difficult host-cell proteins cause late failures; predicting them early saves batches.",
        9,
        [
            ("materials", "Mass spectrometry runs", 22000),
            ("student_support", "Undergraduate researcher, summer", 13000),
        ],
    ),
    DemoProposal(
        "elena",
        "Spectral imaging to validate clean-in-place",
        "Hyperspectral imaging of stainless surfaces after clean-in-place shows residue a swab "
        "misses, and maps where cleaning fails.",
        "clean-in-place, hyperspectral imaging, validation",
        "Cleaning validation holds a vessel out of use for days; imaging could release it sooner.",
        12,
        [
            ("equipment", "Hyperspectral camera (shared purchase)", 41000),
            ("personnel", "Research engineer, 3 months", 27800),
            ("travel", "Plant visits", 4000),
        ],
        [("Oliver Grant", "oliver.grant@univ.example", "Department of Nuclear Science")],
        ["GE Vernova"],
    ),
    DemoProposal(
        "kwame",
        "Quality control for printed biodegradable scaffolds",
        "In-situ monitoring of melt-electrowritten scaffolds with acoustic emission and optical "
        "coherence tomography, to reject defective parts as they print.",
        "additive manufacturing, tissue scaffolds, in-situ monitoring",
        "Scaffold makers inspect every part by hand; in-situ monitoring would let them scale.",
        15,
        [
            ("personnel", "Postdoctoral associate", 70000),
            ("equipment", "OCT probe", 30000),
            ("materials", "Polymers", 10000),
        ],
        [("Lena Vogel", "lena.vogel@kestrel.example", "Kestrel Additive")],
    ),
    DemoProposal(
        "hana",
        "Anomaly detection on aseptic fill-finish lines",
        "Vibration, pressure and camera data from filling needles and stoppering stations feed "
        "an anomaly detector that flags drift before it causes a deviation.",
        "anomaly detection, fill-finish, sensor fusion, aseptic processing",
        "A stopped fill line idles an entire batch; catching drift early keeps it running.",
        18,
        [
            ("personnel", "Postdoctoral associate", 94000),
            ("equipment", "Sensor kit for one line", 28300),
            ("computing", "Edge devices", 12000),
            ("travel", "Site visits", 8000),
        ],
        [("Anna Fischer", "anna.fischer@siemens.example", "Siemens")],
        ["Siemens", "Amgen"],
    ),
    DemoProposal(
        "tomas",
        "Cell-free protein synthesis at pilot scale",
        "We take cell-free expression from 1 mL to 10 L, learning which extract and energy "
        "system choices matter as volume grows.",
        "cell-free expression, scale-up, design of experiments",
        "Cell-free synthesis makes on-demand biologics possible if it scales; nobody has shown it.",
        12,
        [
            ("personnel", "Research scientist", 52000),
            ("materials", "Extracts and reagents", 36000),
        ],
        [("Ellen Park", "ellen.park@univ.example", "Department of Biology")],
        ["Amgen"],
    ),
]

DRAFT = DemoProposal(
    "rosa",
    "Self-driving laboratory for injection-moulding process windows",
    "Bayesian optimisation picks the next moulding trial; the press runs it and measures the "
    "part. We aim to find a robust process window in a day instead of a week.",
    "Bayesian optimisation, injection moulding, self-driving laboratories",
    "",  # not written yet: a draft may be incomplete
    12,
    [("personnel", "Graduate student", 48000), ("materials", "Resin and inserts", 9000)],
    [("Theo Martin", "theo.martin@brightline.example", "Brightline Robotics")],
)


def ensure_researchers(ensure_user: Callable[..., User]) -> dict[str, User]:
    """Return the demo researchers by key, creating the missing accounts."""
    return {
        key: ensure_user(person.email, person.name, [Role.RESEARCHER], person.timezone)
        for key, person in RESEARCHERS.items()
    }


def _values(demo: DemoProposal, sponsors: dict[str, int]) -> DraftValues:
    return DraftValues(
        title=demo.title,
        abstract=demo.abstract,
        keywords=demo.keywords,
        department=RESEARCHERS[demo.researcher].department,
        duration_months=demo.months,
        industry_relevance=demo.relevance,
        co_investigators=[
            TeamMember(name=name, email=email, affiliation=affiliation, role="Co-investigator")
            for name, email, affiliation in demo.team
        ],
        budget_lines=[
            Line(category=category, description=description, amount=Decimal(amount))
            for category, description, amount in demo.budget
        ],
        sponsor_ids=[sponsors[name] for name in demo.sponsors if name in sponsors],
        excluded_people=[
            ExcludedPerson(name=name, email=email, reason=reason)
            for name, email, reason in demo.excluded
        ],
        relationships=[
            Relationship(organization_id=sponsors[name], reason=reason)
            for name, reason in demo.relationships
            if name in sponsors
        ],
    )


def _sponsor_ids() -> dict[str, int]:
    return dict(db.session.execute(sa.select(Organization.name, Organization.id)).all())


def submit_demo_proposal(
    call: Call,
    demo: DemoProposal,
    applicant: User,
    sponsors: dict[str, int],
    *,
    started: datetime,
    submitted: datetime,
) -> Proposal:
    """Write the demo proposal with its PDF as the applicant would at `started`, and submit it
    at `submitted`."""
    with clock_at(started):
        proposal = proposal_services.start_proposal(call, actor=applicant)
        proposal_services.save_draft(proposal, _values(demo, sponsors), actor=applicant)
        proposal_services.attach_pdf(
            proposal,
            actor=applicant,
            filename=f"{demo.title[:40].strip().replace(' ', '-').lower()}.pdf",
            data=demo_pdf(demo.title, demo.abstract),
        )
    with clock_at(submitted):
        proposal_services.submit_proposal(proposal, actor=applicant)
    return proposal


def ensure_closed_call(admin: User, researchers: dict[str, User], today: date) -> Call:
    """Create the biomanufacturing call, its twelve proposals submitted in the weeks before
    its deadline (the clock set back for each), and close it; unless it exists."""
    call = _find_call(CLOSED_CALL)
    if call is not None:
        return call
    opens_at = _at(today - timedelta(days=75), 14)
    closes_at = _at(today - timedelta(days=21), 21)
    call = call_services.create_call(
        actor=admin,
        title=CLOSED_CALL,
        theme="Biomanufacturing",
        description=BIO_DESCRIPTION,
        eligibility=BIO_ELIGIBILITY,
        reference_prefix="BIO",
        opens_at=opens_at,
        closes_at=closes_at,
        review_deadline=_at(today + timedelta(days=14), 21),
        total_budget=Decimal("1000000"),
        max_award=Decimal("150000"),
        reviews_per_proposal=3,
        is_blind=True,
        member_visibility=MemberVisibility.TITLES_ABSTRACTS,
    )
    _add_rubric(call, BIO_RUBRIC, admin)
    with clock_at(opens_at):
        call_services.open_call(call, actor=admin)
    sponsors = _sponsor_ids()
    for number, demo in enumerate(BIO_PROPOSALS):
        applicant = researchers[demo.researcher]
        # Spread over the six weeks before the deadline, the last few on the final day.
        started = opens_at + timedelta(days=5 + 4 * number, hours=number)
        submitted = min(started + timedelta(days=3, minutes=17 * number), closes_at)
        if number >= len(BIO_PROPOSALS) - 2:
            submitted = closes_at - timedelta(minutes=40 * (len(BIO_PROPOSALS) - number))
        submit_demo_proposal(call, demo, applicant, sponsors, started=started, submitted=submitted)
    with clock_at(closes_at + timedelta(minutes=5)):
        call_services.close_call(call, actor=admin)
    return call


def ensure_draft(call: Call, applicant: User) -> Proposal:
    """Start the demo researcher's draft on the open call unless they have one there."""
    existing = db.session.scalar(
        sa.select(Proposal).where(
            Proposal.call_id == call.id, Proposal.applicant_id == applicant.id
        )
    )
    if existing is not None:
        return existing
    proposal = proposal_services.start_proposal(call, actor=applicant)
    proposal_services.save_draft(proposal, _values(DRAFT, _sponsor_ids()), actor=applicant)
    return proposal


def seed_calls(*, admin: User, ensure_user: Callable[..., User]) -> None:
    """Load the demo calls and proposals; a second run adds nothing.

    `ensure_user` is app.seed.demo.ensure_user (passed in: demo.py imports this module).
    """
    today = clock.today()
    researchers = ensure_researchers(ensure_user)
    open_call = ensure_open_call(admin, today)
    ensure_closed_call(admin, researchers, today)
    ensure_draft(open_call, researchers["rosa"])
