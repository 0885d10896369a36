# mblbath: reproduce arXiv:2109.07332 (Brighi, Michailidis, Abanin, Serbyn) end to end.
#
# Results path scheme ({numerics} names the settings that change results, e.g.
# chi64_dt0.05_o2_svd1e-10_T20; floats in paths are written by mblbath.config.fmt_float):
#   results/disorder/L{L}/seed{seed}.nc            eps of one realisation
#   results/disorder/L{L}.nc                       eps(seed, site) of every realisation
#   results/runs/{numerics}/L{L}/U{U}/seed{seed}.nc  one TEBD run
#   results/exact/T{T}/L{L}/U{U}/seed{seed}.nc     exact reference (validation, small L)
#   results/validation/{numerics}/L{L}.nc          TEBD vs exact deviations
#   results/aggregate/{numerics}/L{L}.nc           dims (U, seed, time, site[, site2])
#   results/fits/{numerics}/L{L}/{quantity}.nc     nc_profile, xi_c, ell_d, entanglement
#   results/fits/criterion.nc                      Eq. (2) on single-particle data
#   results/figures/{name}.{pdf,png}               fig1..fig4, criterion, validation
#   results/report/claims.md                       each claim: paper vs measured
#   results/long_times/...                         the long-time branch, when long_times.enabled
#                                                  (paths at the top of workflow/rules/long_times.smk)
# Logs mirror results under logs/<rule>/..., benchmarks under benchmarks/<rule>/...
#
# With --keep-going, failed runs do not hold the rest back: a partial pass builds the
# aggregates, fits, figures and report from the runs that exist (workflow/rules/partial.smk).

from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


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
        figures=expand("results/figures/{name}.{ext}", name=FIGURES, ext=("pdf", "png")),
        claims="results/report/claims.md",
        long_times=LONG_TIMES_TARGETS,
