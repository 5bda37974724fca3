"""What a running batch tells the person who started it: a progress bar on a terminal, plain lines in a log.

A bar redraws itself with carriage returns, which a log file or a CI page keeps as
one long garbled line. So the bar is drawn only when its stream is a terminal; a
batch whose output goes to a file prints one plain line per finished notebook,
counted (``[3/9] ran kenya 3.1 s``), instead.
"""

from __future__ import annotations

import sys
from typing import TextIO


class Progress:
    """A batch's progress: :meth:`say` a line, :meth:`advance` when a notebook is done, :meth:`close`.

    Parameters
    ----------
    total
        Notebooks to run.
    enabled
        False says nothing at all.
    stream
        Where the bar would go (default: standard error); lines go to standard output.

    Examples
    --------
    >>> import io
    >>> log = io.StringIO()
    >>> progress = Progress(2, stream=log)
    >>> progress.advance("ran     ghana   3.0 s")
    [1/2] ran     ghana   3.0 s
    >>> progress.close(); log.getvalue()
    ''
    """

    def __init__(self, total: int, *, enabled: bool = True, stream: TextIO | None = None) -> None:
        self.total = total
        self.enabled = enabled
        self.done = 0
        stream = stream or sys.stderr
        self._bar = None
        if enabled and total and _is_terminal(stream):
            from tqdm import tqdm

            self._bar = tqdm(total=total, desc="notebooks", unit="nb", file=stream)

    def say(self, text: str) -> None:
        """Print a line (above the bar, when there is one)."""
        if not self.enabled:
            return
        if self._bar is not None:
            self._bar.write(text, file=sys.stdout)
        else:
            print(text, flush=True)

    def advance(self, text: str) -> None:
        """One more notebook is done: move the bar, or count it in a plain line."""
        self.done += 1
        if self._bar is not None:
            self._bar.update()
            self.say(text)
        else:
            self.say(f"[{self.done}/{self.total}] {text}")

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False
