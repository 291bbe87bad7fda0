"""Statistics over a case's tries: median, min, max, a 95 % bootstrap interval of the median
(scipy), and the tries that stand out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats

CONFIDENCE = 0.95
RESAMPLES = 2000


@dataclass(frozen=True)
class Summary:
    n: int
    median: float
    minimum: float
    maximum: float
    ci_low: float
    ci_high: float
    outliers: tuple[int, ...]  # indexes of the tries that stand out

    def as_dict(self) -> dict:
        return asdict(self)


def bootstrap_interval(
    samples: tuple[np.ndarray, ...], statistic, seed: int = 0
) -> tuple[float, float]:
    """The 95 % percentile-bootstrap interval of ``statistic`` over ``samples``, each resampled
    on its own (scipy.stats.bootstrap, seeded: the same tries give the same interval)."""
    result = stats.bootstrap(
        samples,
        statistic,
        confidence_level=CONFIDENCE,
        n_resamples=RESAMPLES,
        method="percentile",
        random_state=np.random.default_rng(seed),
    )
    return float(result.confidence_interval.low), float(result.confidence_interval.high)


def median_interval(values: Sequence[float], seed: int = 0) -> tuple[float, float]:
    """95 % percentile-bootstrap interval of the median; one try (or identical tries) has no
    spread to resample, so its interval is the value itself."""
    data = np.asarray(values, dtype=float)
    if data.size < 2 or np.ptp(data) == 0:
        return float(np.median(data)), float(np.median(data))
    return bootstrap_interval((data,), np.median, seed)


def outlier_indexes(values: Sequence[float]) -> tuple[int, ...]:
    """Tries above Q3 + 1.5 IQR (Tukey) or above twice the median: a slow spell of the host,
    a cold cache, a garbage collection — flagged, kept, not dropped."""
    data = np.asarray(values, dtype=float)
    if data.size < 2:
        return ()
    q1, q3 = np.percentile(data, [25, 75])
    fence = q3 + 1.5 * (q3 - q1)
    median = np.median(data)
    return tuple(int(i) for i in np.flatnonzero((data > fence) | (data > 2 * median)))


def summarize(values: Sequence[float]) -> Summary:
    data = np.asarray(values, dtype=float)
    low, high = median_interval(data)
    return Summary(
        n=int(data.size),
        median=float(np.median(data)),
        minimum=float(data.min()),
        maximum=float(data.max()),
        ci_low=low,
        ci_high=high,
        outliers=outlier_indexes(data),
    )
