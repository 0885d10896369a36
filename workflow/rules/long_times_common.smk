# Parse-time setup of the long-time branch (workflow/rules/long_times.smk): its configs,
# sources and input functions. Sources ({lt_source}): exact_T<t_max> (exact runs),
# tebd_<numerics> (the branch's TEBD runs, jobs of the tebd rule), sweep_<numerics> (the
# main sweep's aggregates); see mblbath.config.long_times.

import mblbath.config.long_times as lt

LT_ON = lt.enabled(config)
LT_EXACT_CONFIG = lt.exact_config(config)
LT_TEBD_CONFIG = lt.tebd_config(config)
LT_EXACT = lt.exact_source(config)
LT_U = [mc.fmt_float(u) for u in config["long_times"]["U"]]
LT_TEBD_U = [mc.fmt_float(u) for u in config["long_times"]["tebd_U"]]
LT_TEBD_SEEDS = list(range(config["long_times"]["tebd_n_seeds"]))
if LT_ON:
    TEBD_CONFIGS.append(LT_TEBD_CONFIG)


def lt_runs(source, L):
    """Run files of an exact or branch-TEBD source at size L."""
    if source == LT_EXACT:
        paths = (
            f"results/long_times/{MODEL}/runs/{LT_EXACT}/L{L}/U{U}/seed{s}.nc"
            for U in LT_U
            for s in lt.exact_seeds(config, L)
        )
    else:
        numerics_L = mc.numerics_for(LT_TEBD_CONFIG, L)
        paths = (
            f"results/runs/{MODEL}/{numerics_L}/L{L}/U{U}/seed{s}.nc"
            for U in LT_TEBD_U
            for s in LT_TEBD_SEEDS
        )
    return wanted(paths)


def lt_grid(source, L):
    """(U values, number of seeds) of a source's aggregate."""
    if source == LT_EXACT:
        return LT_U, len(lt.exact_seeds(config, L))
    return LT_TEBD_U, len(LT_TEBD_SEEDS)


def lt_agg(wildcards):
    """The aggregate a source's observables are derived from."""
    if wildcards.lt_source.startswith("sweep_"):
        return agg_path(wildcards.L)
    return f"results/long_times/{MODEL}/aggregate/{wildcards.lt_source}/L{wildcards.L}.nc"


def lt_sources():
    """Every (source, L) whose observables and fits the branch makes."""
    pairs = [(LT_EXACT, L) for L in lt.exact_sizes(config)]
    pairs += [(lt.tebd_source(config, L), L) for L in config["long_times"]["tebd_L"]]
    if config["long_times"]["sweep_observables"]:
        pairs += [(lt.sweep_source(config, L), L) for L in SIZES]
    return pairs


def lt_exact_flags(wildcards):
    """Flags of an exact run of the branch; its {T} must be long_times.t_max."""
    if f"exact_T{wildcards.T}" != LT_EXACT:
        raise ValueError(f"exact_T{wildcards.T} is not the branch's exact source ({LT_EXACT})")
    return mc.rule_flags(LT_EXACT_CONFIG, "exact", wildcards.L)


if LT_ON:
    BRANCH_INPUTS["long_obs"] = [
        f"results/long_times/{MODEL}/observables/{s}/L{L}.nc" for s, L in lt_sources()
    ]
    BRANCH_INPUTS["long_fit"] = [
        f"results/long_times/{MODEL}/fits/{s}/L{L}.nc" for s, L in lt_sources()
    ]
LONG_TIMES_TARGETS = expand("results/figures/fig5.{ext}", ext=("pdf", "png")) if LT_ON else []
