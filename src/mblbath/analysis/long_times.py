r"""Model comparison of the late-time dynamics: log growth, power law or saturation?

For each observable of :data:`~.long_forms.QUANTITIES` (σ_c², I_d, S(L/2)), each U and
two time windows, the three forms of :mod:`.long_forms` are fitted to the disorder mean
and compared.

Windows:

- ``late``: ``fit_t_min <= t <=`` the last time with data (to t = 1e4 for the exact runs);
- ``common``: ``fit_t_min <= t <= common_t_max``, the same window at every size, so that
  the drift of the fitted exponents and of the preferred form with L is a finite-size
  drift and not a change of window. Data that end before ``common_t_max`` are not fitted
  there.

Criterion: the Akaike information criterion of a Gaussian likelihood with the standard
errors of the disorder mean as σ, ``AIC = χ² + 2k``. Every form has k = 2 parameters, so
AIC, AICc and BIC rank the forms identically and an AIC difference is a χ² difference;
AIC is reported because its scale (ΔAIC >= 2 means "less support", Burnham & Anderson)
is the one the literature reads. The times of one window share the same realisations,
so the points are correlated and χ² overstates the evidence: next to ``delta_aic`` (the
gap between the best and the second-best form) the file stores ``select_frac``, the
fraction of bootstrap resamples of the realisations in which each form has the lowest
AIC. The claims report (:mod:`mblbath.report.long_times`) asks for both.

Errors: the standard deviation of the parameters over ``n_bootstrap`` resamples of the
realisations (seeds drawn with replacement by ``numpy.random.default_rng(bootstrap_seed)``,
the same resamples for every observable and window); with fewer than two realisations or
``n_bootstrap = 0``, errors from the Jacobian (inflated by sqrt(χ²/dof) when above 1, or
scaled by the residual variance for an unweighted fit) and ``select_frac`` = NaN.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from .dataset import fit_attrs, str_array, variable
from .long_forms import (
    FORMS,
    PARAM_NAMES,
    QUANTITIES,
    FormFit,
    Quantity,
    evaluate,
    fit_form,
    refit_form,
    sigma_of,
)
from .stats import bootstrap_counts, bootstrap_mean, mean_sem, replicate_std

__all__ = ["WINDOWS", "MIN_POINTS", "compare_forms", "fit_long_times"]

#: The two fit windows (module docstring).
WINDOWS: tuple[str, ...] = ("late", "common")
#: Fewest times a window must hold to be fitted (two parameters, three residual dof).
MIN_POINTS = 5
#: Number of parameters of every form.
K = 2


def _jacobian_errors(form: str, fit: FormFit, n: int, weighted: bool) -> np.ndarray:
    """Parameter errors from the Jacobian in the fitting coordinates (delta method)."""
    if fit.jac is None or n <= K:
        return np.full(K, np.nan)
    try:
        cov = np.linalg.inv(fit.jac.T @ fit.jac)
    except np.linalg.LinAlgError:
        return np.full(K, np.nan)
    red = fit.chi2 / (n - K)
    cov = cov * (max(red, 1.0) if weighted else red)
    err = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    if form == "power":
        return np.array([fit.params[0] * err[0], err[1]])
    if form == "saturation":
        return fit.params * err
    return err


def compare_forms(
    t: np.ndarray, y: np.ndarray, sem: np.ndarray | None, boot: np.ndarray | None, q: Quantity
) -> dict:
    """Fit every form to one series and compare them (module docstring).

    Parameters
    ----------
    t, y, sem : arrays (n,)
        Times (> 0), disorder mean and its standard error.
    boot : array (B, n) or None
        Bootstrap replicates of the mean (resampled realisations).
    q : Quantity
        y(0) and direction of the observable.

    Returns
    -------
    dict
        ``params``, ``params_err`` (form, 2), ``chi2``, ``select_frac`` (form,),
        ``status`` (list of str), ``weighted`` (bool), ``fits`` (the :class:`FormFit`).
    """
    sig, weighted = sigma_of(y, sem)
    fits = [fit_form(f, q, t, y, sig) for f in FORMS]
    out = {
        "params": np.array([f.params for f in fits]),
        "chi2": np.array([f.chi2 for f in fits]),
        "status": [f.status for f in fits],
        "select_frac": np.full(len(FORMS), np.nan),
        "weighted": weighted,
        "fits": fits,
    }
    if boot is not None and boot.shape[0] > 0:
        out["params_err"], out["select_frac"] = _bootstrap(t, boot, sig, q, fits)
    else:
        out["params_err"] = np.array(
            [_jacobian_errors(f, fit, t.size, weighted) for f, fit in zip(FORMS, fits, strict=True)]
        )
    return out


def _bootstrap(t, boot, sig, q, fits) -> tuple[np.ndarray, np.ndarray]:
    """Parameter errors (form, 2) and selection fractions (form,) over the replicates."""
    B = boot.shape[0]
    params = np.full((B, len(FORMS), K), np.nan)
    best = np.full(B, -1)
    for b in range(B):
        yb = boot[b]
        if not np.all(np.isfinite(yb)):
            continue
        chi2 = np.full(len(FORMS), np.nan)
        for k, (form, fit) in enumerate(zip(FORMS, fits, strict=True)):
            r = refit_form(form, q, t, yb, sig, fit)
            params[b, k], chi2[k] = r.params, r.chi2
        if np.all(np.isfinite(chi2)):
            best[b] = int(np.argmin(chi2))
    used = best >= 0
    frac = np.full(len(FORMS), np.nan)
    if used.sum() >= 2:
        frac = np.array([np.mean(best[used] == k) for k in range(len(FORMS))])
    return replicate_std(params, axis=0), frac


def _window_mask(times, finite, window, fit_t_min, common_t_max) -> tuple[np.ndarray, str]:
    """Times of ``window`` with data, and '' or the reason it is not fitted."""
    sel = finite & (times >= fit_t_min) & (times > 0)
    if window == "common":
        last = times[finite].max() if finite.any() else -np.inf
        if last < common_t_max * (1 - 1e-9):
            return sel & False, f"data end at t = {last:g} < common_t_max = {common_t_max:g}"
        sel &= times <= common_t_max * (1 + 1e-9)
    if sel.sum() < MIN_POINTS:
        return sel, f"too few points: {int(sel.sum())} < {MIN_POINTS}"
    return sel, ""


def _empty(nW: int, nQ: int, nU: int, nT: int) -> dict[str, np.ndarray]:
    nF = len(FORMS)
    shape = (nW, nQ, nU)
    out = {k: np.full((*shape, nF, K), np.nan) for k in ("params", "params_err")}
    out.update({k: np.full((*shape, nF), np.nan) for k in ("chi2", "aic", "select_frac")})
    out["status"] = str_array((*shape, nF), "not fitted")
    out["model"] = np.full((*shape, nF, nT), np.nan)
    out.update({k: np.full(shape, np.nan) for k in ("delta_aic", "t_lo", "t_hi")})
    out.update({k: np.full(shape, np.nan) for k in ("plateau", "plateau_err", "chi2_red")})
    out["n_points"] = np.zeros(shape, dtype=np.int32)
    out["weighted"] = np.zeros(shape, dtype=np.int8)
    out["best_form"] = str_array(shape, "none")
    return out


def _store(out: dict, key: tuple, res: dict, t: np.ndarray, times: np.ndarray, q: Quantity):
    """Write one comparison into the output arrays at ``key`` = (window, quantity, U)."""
    out["params"][key], out["params_err"][key] = res["params"], res["params_err"]
    out["chi2"][key] = res["chi2"]
    out["aic"][key] = res["chi2"] + 2 * K
    out["select_frac"][key] = res["select_frac"]
    out["status"][key] = np.asarray(res["status"], dtype=object)
    out["n_points"][key] = t.size
    out["t_lo"][key], out["t_hi"][key] = t.min(), t.max()
    out["weighted"][key] = int(res["weighted"])
    pos = times > 0
    for k, form in enumerate(FORMS):
        out["model"][key + (k, pos)] = evaluate(form, times[pos], res["params"][k], q)
    aic = out["aic"][key]
    if np.all(np.isfinite(aic)):
        order = np.argsort(aic)
        out["best_form"][key] = FORMS[order[0]]
        out["delta_aic"][key] = aic[order[1]] - aic[order[0]]
        out["chi2_red"][key] = res["chi2"][order[0]] / (t.size - K)
    k_sat = FORMS.index("saturation")
    xi, xi_err = res["params"][k_sat, 0], res["params_err"][k_sat, 0]
    out["plateau"][key] = q.y0 + q.sign * xi
    out["plateau_err"][key] = xi_err


def fit_long_times(
    obs: xr.Dataset,
    fit_t_min: float,
    common_t_max: float,
    n_bootstrap: int,
    bootstrap_seed: int,
) -> xr.Dataset:
    """Fit and compare the three forms for every observable, U and window.

    Parameters
    ----------
    obs : xarray.Dataset
        Output of :func:`mblbath.analysis.long_observables.derived_observables`.
    fit_t_min, common_t_max : float
        Start of both windows and end of the ``common`` one (module docstring).
    n_bootstrap, bootstrap_seed : int
        Resamples of the realisations for the errors and ``select_frac``.

    Returns
    -------
    xarray.Dataset
        dims (window, quantity, U, form[, param | time]); see :func:`_variables`.
    """
    times = obs["time"].values.astype(float)
    names = [n for n in QUANTITIES if n in obs]
    nU = obs.sizes["U"]
    out = _empty(len(WINDOWS), len(names), nU, times.size)
    for iq, name in enumerate(names):
        q = QUANTITIES[name]
        data = obs[name].transpose("U", "seed", "time").values.astype(float)
        valid = np.isfinite(data)
        counts, _ = bootstrap_counts(valid, n_bootstrap, bootstrap_seed)
        mean, sem, _ = mean_sem(data, axis=1)
        boot = bootstrap_mean(counts, data, valid) if counts.shape[0] else None
        for iw, window in enumerate(WINDOWS):
            for iu in range(nU):
                sel, reason = _window_mask(
                    times, np.isfinite(mean[iu]), window, fit_t_min, common_t_max
                )
                if reason:
                    out["status"][iw, iq, iu] = reason
                    continue
                b = boot[:, iu, sel] if boot is not None else None
                res = compare_forms(times[sel], mean[iu, sel], sem[iu, sel], b, q)
                _store(out, (iw, iq, iu), res, times[sel], times, q)
    return xr.Dataset(
        _variables(out),
        coords=_coords(obs, names, times),
        attrs=_attrs(obs, fit_t_min, common_t_max, n_bootstrap, bootstrap_seed),
    )


def _variables(out: dict) -> dict:
    w = ("window", "quantity", "U")
    f = (*w, "form")
    return {
        "params": variable((*f, "param"), out["params"], "1", "fitted parameters (p1, p2)"),
        "params_err": variable((*f, "param"), out["params_err"], "1", "errors of params"),
        "chi2": variable(f, out["chi2"], "1", "weighted chi^2 of the fit"),
        "aic": variable(f, out["aic"], "1", "Akaike information criterion chi^2 + 2k"),
        "select_frac": variable(
            f,
            out["select_frac"],
            "1",
            "fraction of bootstrap resamples in which the form has the lowest AIC",
        ),
        "status": variable(f, out["status"].astype(str), "none", "fit status"),
        "model": variable((*f, "time"), out["model"], "1", "fitted form at the observables' times"),
        "best_form": variable(w, out["best_form"].astype(str), "none", "form with the lowest AIC"),
        "delta_aic": variable(
            w, out["delta_aic"], "1", "AIC of the second-best form minus the best"
        ),
        "chi2_red": variable(
            w, out["chi2_red"], "1", "chi^2 per degree of freedom of the best form"
        ),
        "plateau": variable(w, out["plateau"], "1", "t -> infinity value of the saturation form"),
        "plateau_err": variable(w, out["plateau_err"], "1", "error of plateau"),
        "n_points": variable(w, out["n_points"], "1", "times in the window"),
        "t_lo": variable(w, out["t_lo"], "hopping times", "first time of the window"),
        "t_hi": variable(w, out["t_hi"], "hopping times", "last time of the window"),
        "weighted": variable(w, out["weighted"], "1", "1 if weighted by the standard errors"),
    }


def _coords(obs: xr.Dataset, names: list[str], times: np.ndarray) -> dict:
    return {
        "window": ("window", list(WINDOWS)),
        "quantity": ("quantity", names),
        "U": variable(("U",), obs["U"].values.astype(float), "hopping", "c-d interaction U"),
        "form": ("form", list(FORMS)),
        "param": ("param", ["p1", "p2"]),
        "time": variable(("time",), times, "hopping times", "time"),
    }


def _attrs(obs, fit_t_min, common_t_max, n_bootstrap, bootstrap_seed) -> dict:
    keep = (
        "L",
        "source",
        "method",
        "numerics",
        "config_hash",
        "sigma2_c_uniform",
        "S_half_page",
        "trunc_err_max",
        "n_unconverged",
    )
    base = {k: obs.attrs[k] for k in keep if k in obs.attrs}
    forms = "; ".join(f"{f}: p1 = {a}, p2 = {b}" for f, (a, b) in PARAM_NAMES.items())
    return fit_attrs(
        base,
        "Late-time forms of sigma_c^2, I_d, S(L/2): log, power law, saturation (issue 23)",
        error="bootstrap standard deviation over realisations (Jacobian without resamples)",
        fit_t_min=fit_t_min,
        fit_window=f"late: t >= {fit_t_min:g}; common: {fit_t_min:g} <= t <= {common_t_max:g}",
        status_convention="'ok'; 'ok; <caveat>' = usable; anything else = not fitted + reason",
        forms="log: y = a + b ln t; power: y = A t^beta; saturation: y = y0 + s xi g(t/T0), "
        "g(u) = ln(1+u)/(1+ln(1+u)) (Eq. 4); y0, s = 0, +1 (sigma2_c, S_half), 1, -1 (imbalance_d)",
        parameters=forms,
        criterion="AIC = chi^2 + 2k, k = 2 for every form (AIC, AICc and BIC rank alike)",
        common_t_max=float(common_t_max),
        n_bootstrap=int(n_bootstrap),
        bootstrap_seed=int(bootstrap_seed),
    )
