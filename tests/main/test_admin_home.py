"""The administrators' home: calls in progress with their stage and figures, awards, the fund."""

from datetime import timedelta
from decimal import Decimal

from app import clock
from app.decisions.models import Decision, Outcome
from app.extensions import db
from app.reviews.models import AssignmentState
from tests.awards.helpers import make_award
from tests.factories import UserFactory
from tests.reviews.helpers import assign, call_in_review, proposal_under_review, reviewer


def _call_with_progress(title="Robotics seed call"):
    call = call_in_review(title=title)
    first, second = proposal_under_review(call), proposal_under_review(call)
    done = assign(first, reviewer())
    assign(second, reviewer())
    done.state = AssignmentState.SUBMITTED
    db.session.add(
        Decision(call=call, proposal=first, outcome=Outcome.AWARD, amount=Decimal("1000"))
    )
    db.session.commit()
    return call


def test_admin_sees_each_call_in_progress_with_its_figures(login):
    call = _call_with_progress()
    award = make_award()
    award.reports[0].due_on = clock.today() - timedelta(days=3)
    db.session.commit()

    page = login(UserFactory(admin=True)).get("/").get_data(as_text=True)

    assert 'data-testid="admin-overview"' in page
    row = page.split(f'data-testid="call-progress-{call.id}"')[1].split("</tr>")[0]
    cells = [cell.split(">")[-1] for cell in row.split("</td>")]
    assert "Robotics seed call" in row
    assert cells[0:6] == ["In review", "2", "1 / 2 (50%)", "1", "0", "0"]
    assert "Reviews coming in" in row
    figures = page.split('data-testid="admin-figures"')[1].split("</section>")[0]
    assert 'data-testid="figure-awards-active"' in figures
    awards_card = figures.split('data-testid="figure-awards-active"')[1].split("</div>\n  </div>")[
        0
    ]
    assert ">1<" in awards_card
    overdue_card = figures.split('data-testid="figure-reports-overdue"')[1]
    assert ">1<" in overdue_card.split("</div>\n  </div>")[0]


def test_other_roles_get_no_overview(login):
    _call_with_progress()
    for user in (UserFactory(researcher=True), UserFactory(reviewer=True)):
        page = login(user).get("/").get_data(as_text=True)
        assert "admin-overview" not in page
        assert "Robotics seed call" not in page


def test_home_costs_the_same_queries_for_one_call_or_five(login, count_queries):
    admin = login(UserFactory(admin=True))
    _call_with_progress()
    admin.get("/")
    with count_queries() as one:
        admin.get("/")
    for number in range(4):
        _call_with_progress(title=f"Call {number}")
        make_award()
    with count_queries() as five:
        page = admin.get("/").get_data(as_text=True)
    assert page.count('data-testid="call-progress-') >= 5
    assert five.count == one.count
