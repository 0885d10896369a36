"""The small chain (L = 9) on which the TEBD engine tests compare engines step by step."""

from __future__ import annotations

import numpy as np

from mblbath.model import BathModel

#: Sites of the test chain (d-bosons on 1, 4, 7; the c-boson on 4).
L = 9


def small_model(seed: int = 3, W: float = 1.0, U: float = 2.5) -> BathModel:
    """Eq. (1) on :data:`L` sites with weak disorder, so that a few steps entangle it."""
    eps = W * (2.0 * np.random.default_rng(seed).random(L) - 1.0)
    return BathModel({"L": L, "eps": eps, "U": U})


def tebd_options(order: int, chi: int, dt: float) -> dict:
    """TEBD options: one Trotter step per ``engine.run()``, truncation at ``chi``."""
    return {
        "order": order,
        "dt": dt,
        "N_steps": 1,
        "trunc_params": {"chi_max": chi, "svd_min": 1e-10},
    }
