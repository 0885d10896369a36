# The long-time branch (issue 23, config section long_times; off unless long_times.enabled):
# exact runs to long times, the tebd rule's runs at long_times.tebd_t_max, the observables
# sigma_c^2, I_d, S(L/2) of every source, their fits by three forms, Fig. 5 and the report's
# "Paper vs counterpoint" section. Paths ({lt_source}: exact_T<t_max>, tebd_<numerics>,
# sweep_<numerics>; mblbath.config.long_times):
#   results/long_times/{model}/runs/exact_T{T}/L{L}/U{U}/seed{seed}.nc  one exact run
#   results/long_times/{model}/aggregate/{lt_source}/L{L}.nc    exact and branch TEBD runs
#   results/long_times/{model}/observables/{lt_source}/L{L}.nc  sigma_c^2, I_d, S(L/2), n_c,i0
#   results/long_times/{model}/fits/{lt_source}/L{L}.nc         log / power / saturation


include: "long_times_common.smk"


rule long_exact:
    input:
        disorder=rules.sample_disorder.output.nc,
    output:
        nc="results/long_times/{model}/runs/exact_T{T}/L{L}/U{U}/seed{seed}.nc",
    log:
        "logs/long_exact/{model}/T{T}/L{L}/U{U}/seed{seed}.log",
    benchmark:
        "benchmarks/long_exact/{model}/T{T}/L{L}/U{U}/seed{seed}.tsv"
    params:
        flags=lt_exact_flags,
        method=lambda wc: lt.exact_method(config, wc.L),
        model=check_model,
        code=code("long-times"),
        config_hash=mc.rule_config_hash(config, "exact"),
    threads: 1
    conda:
        "../../envs/simulate.yaml"
    shell:
        "python -m mblbath long-times exact --L {wildcards.L} --U {wildcards.U} --seed {wildcards.seed} {params.flags}"
        " --method {params.method} --threads {threads} --disorder {input.disorder}"
        " --config-hash {params.config_hash} --out {output.nc} 2> {log}"


rule long_aggregate:
    input:
        runs=lambda wc: lt_runs(wc.lt_source, wc.L),
    output:
        nc="results/long_times/{model}/aggregate/{lt_source}/L{L}.nc",
    log:
        "logs/long_aggregate/{model}/{lt_source}/L{L}.log",
    benchmark:
        "benchmarks/long_aggregate/{model}/{lt_source}/L{L}.tsv"
    params:
        U=lambda wc: " ".join(lt_grid(wc.lt_source, wc.L)[0]),
        n_seeds=lambda wc: lt_grid(wc.lt_source, wc.L)[1],
        model=check_model,
        code=code("long-times"),
    threads: 1
    conda:
        "../../envs/analysis.yaml"
    wildcard_constraints:
        lt_source=r"(exact|tebd)_[^/]+",
    shell:
        "python -m mblbath long-times aggregate {input.runs} --U {params.U} --n-seeds {params.n_seeds}"
        " --out {output.nc} 2> {log}"


rule long_observables:
    input:
        agg=lt_agg,
    output:
        nc="results/long_times/{model}/observables/{lt_source}/L{L}.nc",
    log:
        "logs/long_observables/{model}/{lt_source}/L{L}.log",
    benchmark:
        "benchmarks/long_observables/{model}/{lt_source}/L{L}.tsv"
    params:
        model=check_model,
        code=code("long-times"),
    threads: 1
    conda:
        "../../envs/analysis.yaml"
    wildcard_constraints:
        lt_source=r"(exact|tebd|sweep)_[^/]+",
    shell:
        "python -m mblbath long-times observables --agg {input.agg} --source {wildcards.lt_source}"
        " --out {output.nc} 2> {log}"


rule long_fit:
    input:
        obs=rules.long_observables.output.nc,
    output:
        nc="results/long_times/{model}/fits/{lt_source}/L{L}.nc",
    log:
        "logs/long_fit/{model}/{lt_source}/L{L}.log",
    benchmark:
        "benchmarks/long_fit/{model}/{lt_source}/L{L}.tsv"
    params:
        settings=settings_json("long_fit"),
        code=code("long-times"),
    threads: 1
    conda:
        "../../envs/analysis.yaml"
    wildcard_constraints:
        lt_source=r"(exact|tebd|sweep)_[^/]+",
    shell:
        "python -m mblbath long-times fit --settings {params.settings:q} --obs {input.obs} --out {output.nc} 2> {log}"


rule figure_fig5:
    input:
        long_obs=BRANCH_INPUTS.get("long_obs", []),
        long_fit=BRANCH_INPUTS.get("long_fit", []),
    output:
        pdf=report("results/figures/fig5.pdf", caption="../report/fig5.rst", category="Figures"),
        png="results/figures/fig5.png",
    log:
        "logs/figure_fig5/fig5.log",
    benchmark:
        "benchmarks/figure_fig5/fig5.tsv"
    params:
        settings=settings_json("figure_fig5"),
        inputs=lambda wc, input: input_flags({k: list(input[k]) for k in input.keys()}),
        code=code("long-times"),
    threads: 1
    conda:
        "../../envs/figures.yaml"
    shell:
        "python -m mblbath long-times figure --settings {params.settings:q} {params.inputs}"
        " --out-pdf {output.pdf} --out-png {output.png} 2> {log}"
