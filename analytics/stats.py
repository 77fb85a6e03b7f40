"""Small statistics over rollups: medians from histograms (rollups keep histograms, since medians do not add up)."""

from collections.abc import Iterable, Sequence
from statistics import median

from .models.rollups import DECISION_BUCKET_BOUNDS_HOURS, DECISION_BUCKETS


def add_histograms(histograms: Iterable[Sequence[int]], size: int = DECISION_BUCKETS) -> list[int]:
    """Element-wise sum; short or empty lists count as zeros."""
    total = [0] * size
    for histogram in histograms:
        for i, n in enumerate(list(histogram or [])[:size]):
            total[i] += int(n)
    return total


def median_from_histogram(histogram: Sequence[int], bounds: Sequence[float] = DECISION_BUCKET_BOUNDS_HOURS) -> float | None:
    """The median, interpolated linearly inside the bucket holding the middle observation.

    Bucket i covers [bounds[i-1], bounds[i]) (the first starts at 0); the last, open-ended bucket is treated as
    twice the width of the one before it. None when the histogram is empty. Exact to the bucket; the
    interpolation assumes observations spread evenly inside it.
    """
    total = sum(histogram)
    if total <= 0:
        return None
    half = total / 2
    seen = 0
    for i, n in enumerate(histogram):
        if n and seen + n >= half:
            low = bounds[i - 1] if i > 0 else 0.0
            if i < len(bounds):
                high = bounds[i]
            else:
                high = low + (bounds[-1] - (bounds[-2] if len(bounds) > 1 else 0.0))
            return low + (high - low) * (half - seen) / n
        seen += n
    return None


def median_or_none(values: Iterable[float | int | None]) -> float | None:
    present = [v for v in values if v is not None]
    return float(median(present)) if present else None
