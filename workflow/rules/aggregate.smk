rule aggregate:
    input:
        runs=lambda wc: tebd_runs(wc.L),
        disorder=rules.collect_disorder.output.nc,
    output:
        nc="results/aggregate/{model}/{numerics}/L{L}.nc",
    log:
        "logs/aggregate/{model}/{numerics}/L{L}.log",
    benchmark:
        "benchmarks/aggregate/{model}/{numerics}/L{L}.tsv"
    params:
        U=" ".join(U_VALUES),
        n_seeds=len(SEEDS),
        code=code("aggregate"),
        config_hash=mc.rule_config_hash(config, "tebd"),
    threads: 1
    conda:
        "../../envs/analysis.yaml"
    shell:
        "python -m mblbath aggregate {input.runs} --U {params.U} --n-seeds {params.n_seeds}"
        " --disorder {input.disorder} --config-hash {params.config_hash} --out {output.nc} 2> {log}"
