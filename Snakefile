# mblbath: reproduce arXiv:2109.07332 (Brighi, Michailidis, Abanin, Serbyn) end to end.
#
# Results path scheme ({model} names the model parameters, e.g. W6.5_td1_tc1_r1_cmid_ms20220711,
# from the x-path keys of the schema; {numerics} the settings that change results, e.g.
# chi64_dt0.05_o2_svd1e-10_T20; floats in paths are written by mblbath.config.fmt_float):
#   results/disorder/{model}/L{L}/seed{seed}.nc              eps of one realisation
#   results/disorder/{model}/L{L}.nc                         eps(seed, site) of every realisation
#   results/runs/{model}/{numerics}/L{L}/U{U}/seed{seed}.nc  one TEBD run
#   results/checkpoints/{model}/{numerics}/L{L}/U{U}/seed{seed}.ckpt  its checkpoint
#   results/exact/{model}/T{T}/L{L}/U{U}/seed{seed}.nc       exact reference (validation, small L)
#   results/validation/{model}/{numerics}/L{L}.nc            TEBD vs exact deviations
#   results/aggregate/{model}/{numerics}/L{L}.nc             dims (U, seed, time, site[, site2])
#   results/fits/{model}/{numerics}/L{L}/{quantity}.nc       nc_profile, xi_c, ell_d, entanglement
#   results/fits/criterion.nc                                Eq. (2) on single-particle data
#   results/fits/choices.nc                                  the choices the paper leaves open
#   results/figures/{name}.{pdf,png}                         fig1..fig4, criterion, validation
#   results/report/claims.{md,html}                          each claim: paper vs measured
#   results/report/summary.html                              verdict counts for the report's first page
#   results/long_times/...                                   the long-time branch, when long_times.enabled
#                                                            (paths at the top of workflow/rules/long_times.smk)
#   results/damaged/...                                      damaged results, moved aside
# Every file F has its checksum sidecar F.sha256 (mblbath.checksum).
# Logs mirror results under logs/<rule>/..., benchmarks under benchmarks/<rule>/...
#
# With --keep-going, failed runs do not hold the rest back: a partial pass builds the
# aggregates, fits, figures and report from the runs that exist (workflow/rules/partial.smk).

from pathlib import Path

from snakemake.utils import min_version

from mblbath.config import ConfigError, read_config_file

min_version("9.0")


# A YAML syntax error in the default config is named with file, line and column (Snakemake's
# own message does not say where).
if Path("config/config.yaml").is_file():
    try:
        read_config_file("config/config.yaml")
    except ConfigError as exc:
        raise ValueError(str(exc)) from None


configfile: "config/config.yaml"


# First page of `snakemake --report`: the paper, the config, the commit, the verdicts.
report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/disorder.smk"
include: "workflow/rules/simulate.smk"
include: "workflow/rules/aggregate.smk"
include: "workflow/rules/fit.smk"
include: "workflow/rules/long_times.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/partial.smk"


rule all:
    default_target: True
    input:
        # Every file of the DAG, not just figures and report: a missing or damaged (moved
        # aside) run or aggregate is rebuilt even when the files made from it still exist.
        **all_results(),
        # Fig. 5 of the long-time branch, when long_times.enabled (workflow/rules/long_times.smk).
        long_times=LONG_TIMES_TARGETS,
