rule aggregate:
    input:
        runs=lambda wc: tebd_runs(wc.L),
        disorder=rules.collect_disorder.output.nc,
    output:
        nc="results/aggregate/{numerics}/L{L}.nc",
    log:
        "logs/aggregate/{numerics}/L{L}.log",
    benchmark:
        "benchmarks/aggregate/{numerics}/L{L}.tsv"
    params:
        U=" ".join(U_VALUES),
        n_seeds=len(SEEDS),
        # The runs' settings: the aggregate's own are its U grid and seeds (above).
        config_hash=mc.rule_config_hash(config, "tebd"),
    threads: 1
    conda:
        "../../envs/analysis.yaml"
    shell:
        "mblbath aggregate {input.runs} --U {params.U} --n-seeds {params.n_seeds}"
        " --disorder {input.disorder} --config-hash {params.config_hash} --out {output.nc} 2> {log}"
