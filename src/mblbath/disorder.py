"""Reproducible disorder: eps_i uniform in [-W, W], keyed by (master seed, L, seed).

Realisation ``seed`` at size ``L`` is drawn from ``numpy.random.SeedSequence(master_seed,
spawn_key=(L, seed))``, so it

- is the same for every U (runs at different U share their disorder, as in the paper),
- is the same on every machine and numpy version that keeps PCG64 and ``Generator.uniform``
  stable (tests/test_disorder.py pins a few numbers),
- does not depend on which other seeds or sizes are drawn.

TeNPy's RNG is never used for disorder.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from .cf import unit_attrs

__all__ = ["disorder_rng", "sample_eps", "disorder_dataset", "merge_disorder"]


def disorder_rng(master_seed: int, L: int, seed: int) -> np.random.Generator:
    """The generator of realisation ``seed`` at size ``L``."""
    if L < 1 or seed < 0 or master_seed < 0:
        raise ValueError(f"invalid disorder key (master_seed={master_seed}, L={L}, seed={seed})")
    return np.random.Generator(
        np.random.PCG64(np.random.SeedSequence(master_seed, spawn_key=(L, seed)))
    )


def sample_eps(W: float, L: int, seed: int, master_seed: int) -> np.ndarray:
    """On-site potential eps_i, i = 0..L-1, i.i.d. uniform in [-W, W] (box of full width 2W)."""
    u = disorder_rng(master_seed, L, seed).random(L)
    return W * (2.0 * u - 1.0)


#: The attributes that define a disorder file (the others are provenance).
_KEYS = ("W", "L", "master_seed", "distribution", "rng")


def _title(L: int) -> str:
    return f"Disorder realisations eps(seed, site) of the d-bosons at L = {L}"


def disorder_dataset(
    W: float, L: int, seeds, master_seed: int, config_hash: str | None = None
) -> xr.Dataset:
    """``eps(seed, site)`` for the given seeds at size L, with attributes naming the key
    (and ``config_hash``, when given, as provenance)."""
    seeds = np.asarray(list(seeds), dtype=np.int64)
    eps = (
        np.stack([sample_eps(W, L, int(s), master_seed) for s in seeds])
        if len(seeds)
        else np.zeros((0, L))
    )
    return xr.Dataset(
        {
            "eps": (
                ("seed", "site"),
                eps,
                {"long_name": "on-site potential of the d-bosons", **unit_attrs("hopping")},
            )
        },
        coords={
            "seed": ("seed", seeds, {"long_name": "disorder realisation"}),
            "site": ("site", np.arange(L), {"long_name": "lattice site", "units": "1"}),
        },
        attrs={
            "title": _title(L),
            "W": float(W),
            "L": int(L),
            "master_seed": int(master_seed),
            "distribution": "uniform in [-W, W]",
            "rng": "numpy PCG64 from SeedSequence(master_seed, spawn_key=(L, seed))",
            **({"config_hash": config_hash} if config_hash else {}),
        },
    )


def merge_disorder(paths, config_hash: str | None = None) -> xr.Dataset:
    """Concatenate one-seed disorder files of one size along ``seed`` (sorted).

    The files must agree in the attributes that define the disorder (W, L, master seed,
    distribution); their provenance (commit, versions) may differ.
    """
    parts = [xr.load_dataset(p) for p in paths]
    if not parts:
        raise ValueError("no disorder files to merge")
    key = {k: parts[0].attrs.get(k) for k in _KEYS}
    for p, ds in zip(paths, parts, strict=True):
        if {k: ds.attrs.get(k) for k in _KEYS} != key:
            raise ValueError(f"{p}: attributes differ from {paths[0]}")
    merged = xr.concat(parts, dim="seed", combine_attrs="override").sortby("seed")
    merged.attrs = {"title": _title(int(key["L"])), **key}
    if config_hash:
        merged.attrs["config_hash"] = config_hash
    return merged
