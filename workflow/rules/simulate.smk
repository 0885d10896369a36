rule tebd:
    input:
        disorder=rules.sample_disorder.output.nc,
    output:
        nc="results/runs/{model}/{numerics}/L{L}/U{U}/seed{seed}.nc",
    log:
        "logs/tebd/{model}/{numerics}/L{L}/U{U}/seed{seed}.log",
    benchmark:
        "benchmarks/tebd/{model}/{numerics}/L{L}/U{U}/seed{seed}.tsv"
    params:
        flags=run_flags,
        # Outside the declared outputs: Snakemake never deletes it when a job dies.
        checkpoint="results/checkpoints/{model}/{numerics}/L{L}/U{U}/seed{seed}.ckpt",
        code=code("run"),
        config_hash=mc.rule_config_hash(config, "tebd"),
    threads: 1
    resources:
        # From the measured cost model (mblbath.jobs.cost, mblbath.jobs.slurm); see profiles/slurm/config.yaml.
        mem_mb=lambda wc, attempt: tebd_resources(config, wc.L, attempt)["mem_mb"],
        runtime=lambda wc: tebd_resources(config, wc.L)["runtime"],
        slurm_extra=lambda wc: tebd_resources(config, wc.L)["slurm_extra"],
    conda:
        "../../envs/simulate.yaml"
    shell:
        # exec: SLURM's SIGTERM then reaches mblbath (which checkpoints) and the job step
        # ends only when mblbath has exited; a bash in between would die at once.
        "exec python -m mblbath run --L {wildcards.L} --U {wildcards.U} --seed {wildcards.seed} {params.flags}"
        " --disorder {input.disorder} --checkpoint {params.checkpoint} --no-progress"
        " --config-hash {params.config_hash}"
        " --out {output.nc} 2>> {log}"


rule exact:
    input:
        disorder=rules.sample_disorder.output.nc,
    output:
        nc="results/exact/{model}/T{T}/L{L}/U{U}/seed{seed}.nc",
    log:
        "logs/exact/{model}/T{T}/L{L}/U{U}/seed{seed}.log",
    benchmark:
        "benchmarks/exact/{model}/T{T}/L{L}/U{U}/seed{seed}.tsv"
    params:
        flags=exact_flags,
        code=code("exact"),
        config_hash=mc.rule_config_hash(config, "exact"),
    threads: 1
    conda:
        "../../envs/simulate.yaml"
    shell:
        "python -m mblbath exact --L {wildcards.L} --U {wildcards.U} --seed {wildcards.seed} {params.flags}"
        " --disorder {input.disorder} --config-hash {params.config_hash} --out {output.nc} 2> {log}"


rule validate:
    input:
        tebd=lambda wc: [t for t, _ in validation_pairs(wc.L)],
        exact=lambda wc: [e for _, e in validation_pairs(wc.L)],
    output:
        nc="results/validation/{model}/{numerics}/L{L}.nc",
    log:
        "logs/validate/{model}/{numerics}/L{L}.log",
    benchmark:
        "benchmarks/validate/{model}/{numerics}/L{L}.tsv"
    params:
        code=code("validate"),
        config_hash=mc.rule_config_hash(config, "tebd", "exact"),
    threads: 1
    conda:
        "../../envs/analysis.yaml"
    shell:
        "python -m mblbath validate --tebd {input.tebd} --exact {input.exact}"
        " --config-hash {params.config_hash} --out {output.nc} 2> {log}"
