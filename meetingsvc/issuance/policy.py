"""The confidentiality policy: how each level of secrecy may be issued."""

from __future__ import annotations

from collections.abc import Mapping

from ..documents.vocabulary import Confidentiality
from .models import Channel


def channel_for(level: Confidentiality, policy: Mapping[str, str]) -> Channel:
    """The channel the policy gives a level; an unknown or missing entry means print only."""
    try:
        return Channel(policy[level.value])
    except (KeyError, ValueError):
        return Channel.PRINT
