"""The statuses the simulation records: a provider's answer to a request, what became of each
action of a response (the ``status`` column of ``orchestrations.csv``), and whether a disruption
event (:class:`resim.sim.ledger.Event`) is its start or its end.

Members are strings (:class:`enum.StrEnum`): a table holds and writes their values, and they
compare equal to those values, so tables read back from disk compare with them as well.
"""

from __future__ import annotations

from resim.core.strenum import StrEnum

__all__ = ["Answer", "ActionStatus", "EventKind", "AGREED", "ACTED", "NONE_ASKED"]


class Answer(StrEnum):
    """A provider's answer to a request (:attr:`resim.sim.agreements.Agreement.answer`)."""

    ACCEPTED = "accepted"
    COUNTERED = "countered"    # at a higher price and a later start
    DECLINED = "declined"


class ActionStatus(StrEnum):
    """What became of an action (:attr:`resim.sim.actions.Action.status`)."""

    ACCEPTED = "accepted"                  # an agreement: the provider accepted the request
    COUNTERED = "countered"                # an agreement: on the provider's counter-offer
    DECLINED = "declined"                  # by the provider
    REFUSED = "refused"                    # by the firm: above max_premium or the budget left
    TOO_LATE = "too late"                  # the provider would be qualified only at or after the end
    NO_COMPONENTS = "no components"        # the provider's components' sources are down or sold out
    NO_CANDIDATE = "no candidate"          # no provider asked; the note says why
    DESTINATION_DOWN = "destination down"  # nothing bought for a destination that is down
    ACTIVE = "active"                      # a buffer held, reman stock steered to customers
    ENDED = "ended"                        # an agreement ended for cause: lots late or rejected (maas.monitoring)
    FIRED = "fired"                        # a shortage early warning fired (strategy early_warning)


AGREED = (ActionStatus.ACCEPTED, ActionStatus.COUNTERED)
"""Statuses of actions that made an agreement with a provider."""

ACTED = (*AGREED, ActionStatus.ACTIVE)
"""Statuses of actions that changed the value chain."""

NONE_ASKED = (ActionStatus.NO_CANDIDATE, ActionStatus.DESTINATION_DOWN)
"""Statuses of MaaS needs for which no provider was asked."""


class EventKind(StrEnum):
    """What happened to a disruption (:attr:`resim.sim.ledger.Event.what`)."""

    START = "start"
    END = "end"
