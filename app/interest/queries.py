"""Member interest in numbers: per proposal, counts by level and the vote-weighted score."""

from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa

from app.extensions import db
from app.interest.models import InterestLevel, MemberInterest
from app.members.models import Organization, Tier
from app.proposals.models import Proposal

MAX_POINTS = max(level.points for level in InterestLevel)


@dataclass
class InterestTally:
    """The members' answers about one proposal."""

    counts: dict[InterestLevel, int] = field(default_factory=dict)
    votes: int = 0  # the tier votes of the organizations that answered
    points: int = 0  # sum of votes x level points

    @property
    def answers(self) -> int:
        """Return how many organizations answered."""
        return sum(self.counts.values())

    @property
    def score(self) -> float:
        """Return the vote-weighted interest on 0-100 (0 when no member answered)."""
        return 100.0 * self.points / (MAX_POINTS * self.votes) if self.votes else 0.0

    def count(self, level: InterestLevel) -> int:
        """Return how many organizations answered `level`."""
        return self.counts.get(level, 0)


def tallies(call_id: int, proposal_ids: Iterable[int] | None = None) -> dict[int, InterestTally]:
    """Return each proposal's tally in a call (proposals no member answered are absent); one query.

    Each organization's answer weighs its tier's votes (a tier with 0 votes is counted but
    does not move the score).
    """
    query = (
        sa.select(MemberInterest.proposal_id, MemberInterest.level, Tier.votes)
        .join(Proposal, Proposal.id == MemberInterest.proposal_id)
        .join(Organization, Organization.id == MemberInterest.organization_id)
        .join(Tier, Tier.id == Organization.tier_id)
        .where(Proposal.call_id == call_id)
    )
    if proposal_ids is not None:
        query = query.where(MemberInterest.proposal_id.in_(list(proposal_ids)))
    result: dict[int, InterestTally] = {}
    for proposal_id, level, votes in db.session.execute(query):
        tally = result.setdefault(proposal_id, InterestTally())
        tally.counts[level] = tally.counts.get(level, 0) + 1
        tally.votes += votes
        tally.points += votes * level.points
    return result
