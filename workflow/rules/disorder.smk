rule sample_disorder:
    output:
        nc="results/disorder/L{L}/seed{seed}.nc",
    log:
        "logs/sample_disorder/L{L}/seed{seed}.log",
    benchmark:
        "benchmarks/sample_disorder/L{L}/seed{seed}.tsv"
    params:
        # {name: value} of the keys this rule uses (x-used-by), named in the command below.
        **mc.rule_params(config, "sample_disorder"),
        config_hash=mc.rule_config_hash(config, "sample_disorder"),
    threads: 1
    conda:
        "../../envs/simulate.yaml"
    shell:
        "mblbath disorder --L {wildcards.L} --seeds {wildcards.seed} --W {params.W}"
        " --master-seed {params.master_seed} --config-hash {params.config_hash}"
        " --out {output.nc} 2> {log}"


rule collect_disorder:
    input:
        seeds=lambda wc: expand(rules.sample_disorder.output.nc, L=wc.L, seed=SEEDS),
    output:
        nc="results/disorder/L{L}.nc",
    log:
        "logs/collect_disorder/L{L}.log",
    benchmark:
        "benchmarks/collect_disorder/L{L}.tsv"
    params:
        config_hash=mc.rule_config_hash(config, "sample_disorder"),
    threads: 1
    conda:
        "../../envs/simulate.yaml"
    shell:
        "mblbath disorder --merge {input.seeds} --L {wildcards.L}"
        " --config-hash {params.config_hash} --out {output.nc} 2> {log}"
