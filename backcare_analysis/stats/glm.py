"""The fitting engine of the onset models: a Poisson or logistic GLM by Newton's method,
with model-based, robust (sandwich) and Newey-West (HAC) standard errors."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from .design import FloatArray

Model = Literal["poisson", "logistic"]
SEType = Literal["model", "robust", "hac"]


@dataclass(frozen=True)
class HazardFit:
    """Coefficient of the exposure and its standard errors under each variance choice."""

    coef: float
    se_model: float
    se_robust: float
    se_hac: float
    hac_lags: int


def hac_lags(n_calendar_days: int) -> int:
    """Newey-West bandwidth ``floor(4 (n / 100) ** (2 / 9))`` on the calendar-day scale."""
    bandwidth: float = 4 * (n_calendar_days / 100) ** (2 / 9)
    return math.floor(bandwidth)


def newton_glm(
    design: FloatArray,
    y: FloatArray,
    *,
    model: Model = "poisson",
    max_iter: int = 100,
    firth: bool = False,
) -> tuple[FloatArray, FloatArray]:
    """Maximum-likelihood fit of a Poisson (log link) or logistic GLM by Newton's method.

    Parameters
    ----------
    design
        Design matrix with the intercept column.
    y
        Outcome, 0/1 (or counts for Poisson).
    model
        ``"poisson"`` or ``"logistic"``; both links are canonical, so Newton's method is
        the IRLS of ``statsmodels.GLM`` (the tests check the two agree).
    max_iter
        Iterations before giving up.
    firth
        Maximise the penalised likelihood ``l(beta) + log det I(beta) / 2`` (Firth 1993;
        Jeffreys prior) instead: it removes the first-order small-sample bias of the
        estimates and keeps them finite under separation.

    Returns
    -------
    tuple
        Coefficients and fitted means.

    Raises
    ------
    ArithmeticError
        When the fit does not converge, or the exposure's estimate runs off to infinity
        (separation).

    Notes
    -----
    A small solver instead of ``statsmodels.GLM``: it avoids least-squares solves on the
    full design, which multi-threaded BLAS makes slow on a busy machine. A nuisance
    coefficient may drift towards minus infinity (a weekday without onsets); convergence is
    then judged on the likelihood and the exposure's coefficient.
    """

    def mean(eta: FloatArray) -> FloatArray:
        return np.exp(eta) if model == "poisson" else 1 / (1 + np.exp(-eta))

    def weights(eta: FloatArray) -> FloatArray:
        mu = mean(eta)
        return mu if model == "poisson" else mu * (1 - mu)

    def loglik(eta: FloatArray) -> float:
        if model == "poisson":
            value = float(np.sum(y * eta - np.exp(eta)))
        else:
            value = float(np.sum(y * eta - np.logaddexp(0.0, eta)))
        if firth and math.isfinite(value):
            sign, logdet = np.linalg.slogdet(design.T @ (design * weights(eta)[:, None]))
            value = value + 0.5 * logdet if sign > 0 else -math.inf
        return value

    p0 = float(np.clip(y.mean(), 1e-6, 1 - 1e-6))
    beta = np.zeros(design.shape[1])
    beta[0] = math.log(p0) if model == "poisson" else math.log(p0 / (1 - p0))
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        eta = design @ beta
        current = loglik(eta)
        for _ in range(max_iter):
            mu = mean(eta)
            weight = mu if model == "poisson" else mu * (1 - mu)
            info = design.T @ (design * weight[:, None])
            residual = y - mu
            if firth:
                # Firth's modified score for a canonical link: y - mu + h (1/2) for the
                # Poisson, y - mu + h (1/2 - mu) for the logistic, h the hat diagonal.
                root = design * np.sqrt(weight)[:, None]
                hat = np.einsum("ij,jk,ik->i", root, np.linalg.pinv(info, hermitian=True), root)
                residual = residual + hat * (0.5 if model == "poisson" else 0.5 - mu)
            # lstsq on the small k x k system copes with a nuisance column whose rows
            # hold no onset (its coefficient drifts to -inf, harmlessly).
            step = np.linalg.lstsq(info, design.T @ residual, rcond=None)[0]
            for _ in range(40):
                new_eta = design @ (beta + step)
                new = loglik(new_eta)
                if math.isfinite(new) and new >= current - 1e-10:
                    break
                step = step / 2
            else:
                raise ArithmeticError("the model did not converge")
            beta, eta, gain, current = beta + step, new_eta, new - current, new
            if not np.all(np.isfinite(beta)) or abs(beta[1]) > 20:
                raise ArithmeticError(
                    "the estimate ran off to infinity (the exposure separates onsets)"
                )
            settled = abs(gain) < 1e-12 * max(1.0, abs(current)) and abs(step[1]) < 1e-8
            if np.max(np.abs(step)) < 1e-9 or settled:
                return beta, mean(eta)
    raise ArithmeticError("the model did not converge")


def fit_hazard(
    y: FloatArray,
    x: FloatArray,
    covariates: FloatArray,
    day: npt.NDArray[np.int64],
    *,
    model: Model = "poisson",
    firth: bool = False,
) -> HazardFit:
    """Fit ``y ~ 1 + x + covariates`` and the exposure's standard error three ways.

    Parameters
    ----------
    y
        Onset (1/0) on the days used.
    x
        Exposure in reporting units.
    covariates
        Adjustment columns (no intercept).
    day
        Calendar day index of each row, for the autocorrelation-consistent variance.
    model
        ``"poisson"`` (log link: rate ratio) or ``"logistic"`` (odds ratio).
    firth
        Fit by Firth's penalised likelihood (see :func:`newton_glm`); the variances are
        then evaluated at the penalised estimate.

    Returns
    -------
    HazardFit
        The log ratio and its standard errors: ``se_model`` from the Bernoulli information
        (valid when the hazard model conditions on the past), ``se_robust`` the HC0
        sandwich, ``se_hac`` a Bartlett-kernel sandwich over calendar days (missing days
        contribute nothing).

    Raises
    ------
    ArithmeticError
        When the fit does not converge or the information matrix is singular.

    Notes
    -----
    For the Poisson working model on a 0/1 outcome the bread is ``X' diag(mu) X`` and the
    meat under the model is ``X' diag(mu (1 - mu)) X``, the variance of a Bernoulli
    outcome; for the logistic model the two coincide.
    """
    design = np.column_stack([np.ones_like(x), x, covariates])
    params, fitted = newton_glm(design, y, model=model, firth=firth)
    mu = np.clip(fitted, 0.0, 1.0)
    var_y = mu * (1 - mu)
    weight = fitted if model == "poisson" else var_y
    bread = np.linalg.pinv(design.T @ (design * weight[:, None]), hermitian=True)
    score = design * (y - fitted)[:, None]

    def sandwich(meat: FloatArray) -> float:
        v = float((bread @ meat @ bread)[1, 1])
        return math.sqrt(v) if v > 0 else math.nan

    se_model = sandwich(design.T @ (design * var_y[:, None]))
    se_robust = sandwich(score.T @ score)
    span = int(day.max() - day.min()) + 1
    lags = hac_lags(span)
    grid = np.zeros((span, score.shape[1]))
    grid[day - day.min()] = score
    meat = grid.T @ grid
    for lag in range(1, lags + 1):
        gamma = grid[lag:].T @ grid[:-lag]
        meat += (1 - lag / (lags + 1)) * (gamma + gamma.T)
    se_hac = sandwich(meat)
    if not all(math.isfinite(v) for v in (se_model, se_robust, se_hac)):
        raise ArithmeticError("the standard error could not be computed")
    return HazardFit(float(params[1]), se_model, se_robust, se_hac, lags)
