"""Placeholder until the recast exists."""

from colliderbench.recasts.base import Recast

RECASTS: list[Recast] = []
