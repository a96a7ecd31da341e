"""The adaptive difficulty of call-and-response: a 2-down/1-up staircase over whole levels.

After two successes in a row the level goes one up (harder); after one failure one down
(easier); never beyond the bounds. A *reversal* is a move against the direction of the move
before it; the level it turns at (the peak or the valley: the level before the move) is
recorded. The threshold is the mean of those levels over the last ``N`` reversals.

This is Levitt's transformed up-down method: with the two-down/one-up rule the level settles
where a success has probability 0.707 (p^2 = 0.5), and the mean of peaks and valleys estimates
that point (H. Levitt, "Transformed up-down methods in psychoacoustics", J. Acoust. Soc. Am.
49(2B), 467-477, 1971). Here a higher level is harder, so "down" in Levitt's stimulus terms
(two correct -> a weaker, harder stimulus) is "up" a level.

Pure: every state is a frozen value; :meth:`Staircase.after` returns the next one.

Realtime-safe: no (control thread: once per trial).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

__all__ = ["Staircase", "StaircaseStep"]


@dataclass(frozen=True, slots=True)
class Staircase:
    """A staircase's state before a trial.

    Attributes
    ----------
    level : int
        The level of the next trial, ``min_level..max_level``.
    min_level, max_level : int
        The bounds (the preset's), inclusive.
    successes_in_row : int
        Successes since the last move (0 or 1: the second one moves up and resets it).
    last_move : int
        +1 after a move up, -1 after a move down, 0 before the first move. A success or a
        failure at a bound that cannot move leaves it as it was.
    reversal_levels : tuple of int
        The level at each reversal so far, in order.
    trials : int
        Trials taken so far.
    """

    level: int
    min_level: int
    max_level: int
    successes_in_row: int = 0
    last_move: int = 0
    reversal_levels: tuple[int, ...] = ()
    trials: int = 0

    @classmethod
    def start(cls, level: int, *, min_level: int, max_level: int) -> "Staircase":
        """A staircase at ``level`` between the bounds.

        Raises
        ------
        ValueError
            When ``min_level > max_level`` or ``level`` is outside them (one line saying which).
        """
        if min_level > max_level:
            raise ValueError(f"min_level {min_level} is above max_level {max_level}")
        if not min_level <= level <= max_level:
            raise ValueError(f"level {level}: must be {min_level}..{max_level}")
        return cls(level=level, min_level=min_level, max_level=max_level)

    @property
    def reversals(self) -> int:
        """How many reversals so far."""
        return len(self.reversal_levels)

    def threshold(self, last_n: int) -> float | None:
        """The mean level over the last ``last_n`` reversals (all of them when there are fewer);
        None before the first reversal.

        Raises
        ------
        ValueError
            When ``last_n < 1``.
        """
        if last_n < 1:
            raise ValueError(f"last_n {last_n}: must be at least 1")
        if not self.reversal_levels:
            return None
        kept = self.reversal_levels[-last_n:]
        return sum(kept) / len(kept)

    def after(self, success: bool) -> "StaircaseStep":
        """The outcome of one trial at :attr:`level`: the next state and what happened."""
        if success and self.successes_in_row + 1 < 2:
            nxt = replace(self, successes_in_row=self.successes_in_row + 1, trials=self.trials + 1)
            return StaircaseStep(self.level, True, nxt, move=0, reversal=False)
        wanted = +1 if success else -1
        new_level = min(self.max_level, max(self.min_level, self.level + wanted))
        move = new_level - self.level
        reversal = move != 0 and self.last_move != 0 and move != self.last_move
        nxt = replace(
            self, level=new_level, successes_in_row=0, last_move=move or self.last_move,
            reversal_levels=self.reversal_levels + ((self.level,) if reversal else ()), trials=self.trials + 1,
        )
        return StaircaseStep(self.level, bool(success), nxt, move=move, reversal=reversal)


@dataclass(frozen=True, slots=True)
class StaircaseStep:
    """One trial of a staircase: the level it was played at, its outcome, the state after it.

    ``move`` is +1 (up, harder), -1 (down, easier) or 0; ``reversal`` whether that move turned
    the staircase (the level played is then the one recorded).
    """

    level: int
    success: bool
    state: Staircase
    move: int
    reversal: bool
