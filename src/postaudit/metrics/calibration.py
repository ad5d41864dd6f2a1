"""The calibration layer: what the model's error looks like for accounts that show the same features.

The table is built by simulation (`postaudit bench estimator --recalibrate`, src/postaudit/bench/estimator.py):
thousands of SIMULATED executives from every calibration family, parameters drawn widely, each with its
features and y = log(true posting-session hours ÷ model_hours). For a real account:

* the K nearest simulated executives in standardised feature space give the conditional quantiles of y
  (a k-nearest-neighbour conditional quantile estimate; locally weighted conformal intervals, Lei et al.,
  JASA 2018, use the same neighbourhood idea);
* the point estimate is model_hours × exp(median y of the neighbours);
* the interval's upper end is model_hours × exp(q_97.5% + δ), δ a conformal correction (conformalized quantile
  regression, Romano et al., NeurIPS 2019) from the references' upper scores y − q_97.5% against quantiles
  from a table without their family: the 95% quantile of the family that needs most (`floor_low` tables);
* its lower end is the floor (`floor_low`): posts cannot tell the minutes between nearby posts spent on the
  platform from minutes away (phone pick-ups), and a family held out was missed from below by up to e^1.5;
  older tables widen both ends by δ.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import numpy as np
import polars as pl

TABLE = Path(__file__).with_name("posting_calibration.npz")
LEVEL = 0.95
K = 80
MIN_DAYS = 7  # the table holds windows of 7 days and more: shorter ones get no calibrated interval


def feature_matrix(rows: pl.DataFrame, features: tuple[str, ...]) -> np.ndarray:
    """The named feature columns as a float matrix (missing or infinite values, and columns absent when no row
    had own posts to model, as 0)."""
    def finite(c: str) -> pl.Expr:
        x = pl.col(c).cast(pl.Float64)
        return pl.when(x.is_finite()).then(x).otherwise(0.0).alias(c)

    return rows.select([finite(c) if c in rows.columns else pl.lit(0.0).alias(c) for c in features]).to_numpy()


@dataclass(frozen=True)
class Calibration:
    """A calibration table: standardised features of simulated executives, their errors y, and δ."""

    features: tuple[str, ...]
    center: np.ndarray
    scale: np.ndarray
    z: np.ndarray              # references × features, standardised
    y: np.ndarray              # log(truth ÷ model_hours)
    family: np.ndarray         # family index per reference
    families: tuple[str, ...]
    delta: float               # conformal widening (log units)
    k: int = K
    version: str = ""
    bits: np.ndarray | None = None    # families and traits of each reference (bench: leave-one-family-out)
    scores: np.ndarray | None = None  # each reference's leave-one-family-out conformity score
    floor_low: bool = False    # the interval's low end is the floor; δ widens the upper end only

    def standardise(self, x: np.ndarray) -> np.ndarray:
        return (np.asarray(x, dtype=float) - self.center) / self.scale

    def quantiles(self, x: np.ndarray, mask: np.ndarray | None = None, chunk: int = 512) -> np.ndarray:
        """Per query row (raw features): the 2.5%, 50% and 97.5% quantiles of y among its K nearest references."""
        z_ref, y_ref = (self.z, self.y) if mask is None else (self.z[mask], self.y[mask])
        q = self.standardise(x)
        k = min(self.k, len(y_ref))
        out = np.empty((len(q), 3))
        ref_sq = (z_ref ** 2).sum(1)
        for i in range(0, len(q), chunk):
            block = q[i:i + chunk]
            d = ref_sq[None, :] - 2 * block @ z_ref.T + (block ** 2).sum(1)[:, None]
            nn = np.argpartition(d, k - 1, axis=1)[:, :k]
            out[i:i + chunk] = np.quantile(y_ref[nn], [(1 - LEVEL) / 2, 0.5, 1 - (1 - LEVEL) / 2], axis=1).T
        return out

    def predict(self, x: np.ndarray, model_hours: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Point estimate and 95% interval (hours) for accounts with features x and model estimates model_hours
        (with floor_low the low end is 0 here: the caller raises it to the account's floor)."""
        q = self.quantiles(x)
        m = np.asarray(model_hours, dtype=float)
        low = np.zeros(len(m)) if self.floor_low else m * np.exp(q[:, 0] - self.delta)
        return m * np.exp(q[:, 1]), low, m * np.exp(q[:, 2] + self.delta)

    def restricted(self, mask: np.ndarray | None = None, delta: float | None = None) -> Calibration:
        """The same table with only the references in mask and/or another δ."""
        keep = slice(None) if mask is None else mask
        return replace(self, z=self.z[keep], y=self.y[keep], family=self.family[keep],
                       bits=None if self.bits is None else self.bits[keep],
                       scores=None if self.scores is None else self.scores[keep],
                       delta=self.delta if delta is None else float(delta))

    def save(self, path: Path = TABLE) -> None:
        np.savez_compressed(path, features=np.array(self.features), center=self.center, scale=self.scale,
                            z=self.z.astype(np.float32), y=self.y.astype(np.float32),
                            family=self.family.astype(np.int16), families=np.array(self.families),
                            delta=np.array(self.delta), k=np.array(self.k), version=np.array(self.version),
                            bits=np.zeros(len(self.y), np.int64) if self.bits is None else self.bits,
                            scores=np.zeros(len(self.y), np.float32) if self.scores is None
                            else self.scores.astype(np.float32), floor_low=np.array(self.floor_low))


def from_references(features: tuple[str, ...], x: np.ndarray, y: np.ndarray, family: np.ndarray,
                    families: tuple[str, ...], delta: float = 0.0, k: int = K, version: str = "") -> Calibration:
    """A calibration table from raw reference features (standardised by their mean and standard deviation)."""
    x = np.asarray(x, dtype=float)
    center, scale = x.mean(0), x.std(0)
    scale = np.where(scale > 0, scale, 1.0)
    return Calibration(tuple(features), center, scale, ((x - center) / scale).astype(np.float32), np.asarray(y, float),
                       np.asarray(family), tuple(families), float(delta), k, version)


@lru_cache(maxsize=2)
def load(path: Path = TABLE) -> Calibration:
    """The shipped calibration table (read once)."""
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: run `postaudit bench estimator --recalibrate` from a checkout")
    with np.load(path, allow_pickle=False) as t:
        return Calibration(tuple(str(f) for f in t["features"]), t["center"], t["scale"], t["z"].astype(np.float32),
                           t["y"].astype(float), t["family"], tuple(str(f) for f in t["families"]),
                           float(t["delta"]), int(t["k"]), str(t["version"]), t["bits"], t["scores"].astype(float),
                           bool(t["floor_low"]) if "floor_low" in t.files else False)
